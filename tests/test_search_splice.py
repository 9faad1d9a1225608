"""The search index is spliced from its last build: the result must equal a fresh assembly."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.search import (
    SHARD_NAME,
    assemble_shard,
    index_part,
    read_shard,
    section_json,
    shard_count,
    shard_name,
    shard_of,
)

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_PAGE = st.tuples(_TEXT, st.lists(st.tuples(_TEXT, _TEXT, _TEXT), max_size=3))
Page = tuple[str, list[tuple[str, str, str]]]


def _part(i: int, title: str, sections: list[tuple[str, str, str]]) -> bytes:
    return index_part("Issue", title, f"p{i}.html", section_json(list(sections)))


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(_PAGE, max_size=8),
    changes=st.lists(st.tuples(st.integers(0, 7), _PAGE), max_size=4),
    keep=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_spliced_shard_equals_a_fresh_one(
    before: list[Page], changes: list[tuple[int, Page]], keep: list[bool]
) -> None:
    old, old_spans = assemble_shard([_part(i, t, s) for i, (t, s) in enumerate(before)])
    assert [old[a:b] for a, b in old_spans] == [_part(i, t, s) for i, (t, s) in enumerate(before)]
    after = list(before)
    changed = set()
    for at, page in changes:  # some pages edited
        if at < len(after):
            after[at] = page
            changed.add(at)
    # pages dropped here and there: the survivors keep their old entries where unchanged
    survivors = [i for i in range(len(after)) if keep[i]]
    entries: list[bytes | tuple[int, int]] = [
        _part(i, *after[i]) if i in changed else old_spans[i] for i in survivors
    ]
    new, spans = assemble_shard(entries, old)
    want, _ = assemble_shard([_part(i, *after[i]) for i in survivors])
    assert new == want
    assert [new[a:b] for a, b in spans] == [_part(i, *after[i]) for i in survivors]
    assert [p["u"] for p in read_shard(new)] == [f"p{i}.html" for i in survivors]
    assert [p["t"] for p in read_shard(new)] == [after[i][0] for i in survivors]
    assert new.isascii()


def test_shards_are_stable_and_named_by_content() -> None:
    rels = [f"issue-{i:04d}.html" for i in range(500)]
    count = shard_count(len(rels))
    assert shard_count(1) == 1 and shard_count(64) == 1 and shard_count(65) == 2 and count == 8
    sizes = [sum(shard_of(r, count) == n for r in rels) for n in range(count)]
    assert min(sizes) > 30 and max(sizes) < 100  # spread, not all in one
    assert all(shard_of(r, count) == shard_of(r, count) for r in rels)
    a, _ = assemble_shard([_part(1, "One", [])])
    b, _ = assemble_shard([_part(1, "Two", [])])
    assert SHARD_NAME.match(shard_name(3, a)) and shard_name(3, a) != shard_name(3, b)
    assert shard_name(3, a) == shard_name(3, bytes(a))
