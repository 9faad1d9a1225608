"""Search index shards: pages spread over a few shards by path, each named by its content."""

from __future__ import annotations

from briefgen.site.search import (
    SHARD_NAME,
    assemble_shard,
    index_part,
    read_shard,
    section_json,
    shard_count,
    shard_name,
    shard_of,
)


def _part(i: int, title: str, sections: list[tuple[str, str, str]]) -> bytes:
    return index_part("Issue", title, f"p{i}.html", section_json(list(sections)))


def test_shards_are_stable_and_named_by_content() -> None:
    rels = [f"issue-{i:04d}.html" for i in range(500)]
    count = shard_count(len(rels))
    assert shard_count(1) == 1 and shard_count(64) == 1 and shard_count(65) == 2 and count == 8
    sizes = [sum(shard_of(r, count) == n for r in rels) for n in range(count)]
    assert min(sizes) > 30 and max(sizes) < 100  # spread, not all in one
    assert all(shard_of(r, count) == shard_of(r, count) for r in rels)
    a = assemble_shard([_part(1, "One", [])])
    b = assemble_shard([_part(1, "Two", [])])
    assert [
        p["t"] for p in read_shard(assemble_shard([_part(1, "One", []), _part(2, "B", [])]))
    ] == ["One", "B"]
    assert SHARD_NAME.match(shard_name(3, a)) and shard_name(3, a) != shard_name(3, b)
    assert shard_name(3, a) == shard_name(3, bytes(a))
