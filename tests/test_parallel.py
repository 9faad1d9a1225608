"""The worker pool and the fast paths behind it: same answers as the slow, serial way."""

from __future__ import annotations

import copy
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from briefgen import write as b
from briefgen.cache import CACHE_DIR, fast_valid, signed_dump, signed_load
from briefgen.engine.workers import context, parallel_map, use_context
from briefgen.load import load_bytes
from briefgen.schema import check
from tests.conftest import REPO, run


@dataclass(frozen=True)
class _Offset:
    value: int
    log: Path | None = None


def _square(x: int) -> int:
    ctx = context(_Offset)
    if ctx.log is not None:  # record the order in which workers start items
        with ctx.log.open("a") as fh:
            fh.write(f"{x}\n")
        time.sleep(0.05)
    return x * x + ctx.value


def _boom(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    return x


@pytest.mark.parametrize("jobs", [1, 2])
def test_parallel_map_keeps_input_order_and_sees_the_context(jobs: int) -> None:
    items = list(range(100))
    seen: list[int] = []
    with use_context(_Offset(7)):
        got = parallel_map(_square, items, jobs=jobs, progress=seen.append)
    assert got == [x * x + 7 for x in items]
    assert sorted(seen) == items


def test_parallel_map_starts_the_longest_first(tmp_path: Path) -> None:
    log = tmp_path / "started"
    with use_context(_Offset(0, log)):
        order: list[int] = []
        parallel_map(_square, [1, 5, 3], jobs=1, progress=order.append)
        assert order == [1, 5, 3]  # serial: input order
        log.unlink()
        costs = {1: 1.0, 5: 9.0, 3: 4.0, 2: 2.0}
        got = parallel_map(_square, [1, 5, 3, 2], jobs=2, cost=costs.__getitem__)
    assert got == [1, 25, 9, 4]  # results in input order
    started = [int(x) for x in log.read_text().split()]
    assert sorted(started[:2]) == [3, 5] and started[2:] == [2, 1]


def test_parallel_map_small_work_stays_in_process(tmp_path: Path) -> None:
    log = tmp_path / "pids"
    with use_context(_Offset(0)):
        got = parallel_map(_pid, [2, 3], jobs=2, cost=lambda _: 0.0)
    assert got == [os.getpid(), os.getpid()]  # no fork for work this small
    assert not log.exists()


def _pid(_: int) -> int:
    return os.getpid()


def test_parallel_map_raises_a_worker_error() -> None:
    with use_context(_Offset(0)), pytest.raises(ValueError, match="three"):
        parallel_map(_boom, list(range(6)), jobs=2, cost=lambda _: 1.0)


def test_a_worker_without_its_context_fails_loudly() -> None:
    with pytest.raises(RuntimeError, match="no _Offset was set"):
        parallel_map(_square, [1], jobs=1)


def test_two_jobs_build_equals_one_job_build(project: Path, tmp_path: Path) -> None:
    outs = {}
    for jobs in ("1", "2"):
        res = run("-C", project, "build", "-q", "--format", "md,html", "-j", jobs,
                  "--out", tmp_path / jobs)  # fmt: skip
        assert res.code == 0, res.err
        outs[jobs] = {
            p.relative_to(tmp_path / jobs).as_posix(): p.read_bytes()
            for p in sorted((tmp_path / jobs).rglob("*"))
            if p.is_file() and ".briefgen" not in p.parts
        }
    assert outs["1"] == outs["2"]


# --- the compiled schema check never accepts what jsonschema rejects ---------------------------


def _mutations(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Single-point damage of many kinds, everywhere in a document."""
    out = []
    paths: list[tuple[Any, ...]] = []

    def walk(node: Any, path: tuple[Any, ...]) -> None:
        paths.append(path)
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, (*path, k))
        elif isinstance(node, list):
            for i, v in enumerate(node):
                walk(v, (*path, i))

    walk(data, ())
    for path in paths[1:]:
        for value in (None, 1, 1.5, True, "", "x" * 5000, [], {}, "Not An Id!", "2025-13-40"):
            d = copy.deepcopy(data)
            node = d
            for k in path[:-1]:
                node = node[k]
            node[path[-1]] = value
            out.append(d)
        d = copy.deepcopy(data)
        node = d
        for k in path[:-1]:
            node = node[k]
        if isinstance(node, dict):
            del node[path[-1]]
            out.append(d)
        elif isinstance(node, list):
            node.append(copy.deepcopy(node[path[-1]]))  # duplicates for uniqueItems
            out.append(d)
    return out


@pytest.mark.parametrize(
    ("kind", "rel"),
    [
        ("issue", "briefs/issues/new-start.yaml"),
        ("book", "briefs/books/us-russia-summit.yaml"),
        ("issue", "tests/data/arctic/briefs/issues/arctic-sea-routes.yaml"),  # issue 21's fields
        ("book", "tests/data/arctic/briefs/books/high-north.yaml"),
        ("sources", "tests/data/arctic/briefs/sources.yaml"),
    ],
)
def test_fast_schema_check_never_passes_what_jsonschema_fails(kind: str, rel: str) -> None:
    doc = load_bytes((REPO / rel).read_bytes(), rel)
    assert fast_valid(kind, doc.data) and not check(doc, kind)
    disagree = []
    for data in _mutations(doc.data)[::3]:
        if fast_valid(kind, data):
            doc.data = data
            if check(doc, kind):
                disagree.append(json.dumps(data)[:200])
    assert not disagree


# --- the document cache is never trusted -------------------------------------------------------


def test_signed_cache_rejects_tampering() -> None:
    blob = signed_dump({"a": [1, 2.5, None, "x"]})
    assert blob is not None and signed_load(blob) == {"a": [1, 2.5, None, "x"]}
    mac, _, body = blob.partition(b"\n")
    assert signed_load(mac + b"\n" + body.replace(b"2.5", b"3.5")) is None
    assert signed_load(b"0" * 64 + b"\n" + body) is None
    assert signed_load(b"garbage") is None


def test_forged_or_broken_cache_entries_are_ignored(project: Path) -> None:
    assert run("-C", project, "validate").code == 0
    folder = project / CACHE_DIR / "documents"
    entries = sorted(folder.glob("issue-*.json"))
    assert entries
    for p in entries:  # a committed cache: valid JSON, a made-up signature, other content
        body = json.loads(p.read_bytes().partition(b"\n")[2])
        body["data"]["title"] = "Forged title"
        p.write_bytes(b"f" * 64 + b"\n" + json.dumps(body).encode())
    (folder / "book-0.json").write_bytes(b"\x00not json")
    res = run("-C", project, "build", "-q", "--format", "md", "--out", project / "out")
    assert res.code == 0, res.err
    text = "".join(p.read_text("utf-8") for p in (project / "out" / "md").glob("*.md"))
    assert "Forged title" not in text


def test_cached_documents_report_exact_positions(project: Path) -> None:
    """A cross-file error in a file that comes from the cache points at its exact line."""
    assert run("-C", project, "validate").code == 0  # fills the cache
    actors = project / "briefs" / "actors.yaml"
    text = actors.read_text("utf-8")
    actors.write_text(text.replace("id: germany\n", "id: germany-renamed\n", 1), "utf-8")
    cached = run("-C", project, "validate")
    shutil.rmtree(project / CACHE_DIR)
    fresh = run("-C", project, "validate")
    assert cached.code == fresh.code == 1
    assert cached.err == fresh.err
    assert "unknown actor 'germany'" in cached.err


def test_removing_deletes_folders_by_the_end_of_the_block(tmp_path: Path) -> None:
    from briefgen.write import removing

    old = [tmp_path / "a", tmp_path / "b"]
    for folder in old:
        (folder / "deep").mkdir(parents=True)
        for i in range(50):
            (folder / "deep" / f"{i}.html").write_text("x")
    with removing(*old, None):
        (tmp_path / "state.json").write_text("{}")  # the body runs meanwhile
    assert not any(f.exists() for f in old) and (tmp_path / "state.json").exists()
    (tmp_path / "c").mkdir()
    with pytest.raises(KeyError), removing(tmp_path / "c"):
        raise KeyError("a failure in the body")
    assert not (tmp_path / "c").exists()  # removed all the same, before the error goes on


def test_a_few_changes_are_written_in_place_like_a_whole_folder(tmp_path: Path) -> None:
    names = [f"{n:02d}.md" for n in range(12)]
    fresh = {n: f"# {n}\n".encode() for n in names}
    dest = tmp_path / "md"
    first = b.write_outputs(dest, [(n, f"k-{n}") for n in names], fresh)  # from nothing
    assert first.written == names
    inode = {n: (dest / n).stat().st_ino for n in names}
    mode = (dest / "00.md").stat().st_mode
    outputs = [(n, f"k-{n}") for n in names if n != "11.md"]  # 11 is gone
    outputs[3] = ("03.md", "k-03-new")
    outputs.append(("12.md", "k-12"))
    changed = {"03.md": b"# 03, edited\n", "12.md": b"# 12\n"}
    outcome = b.write_outputs(dest, outputs, changed)
    assert outcome.written == ["03.md", "12.md"] and outcome.removed == ["11.md"]
    assert outcome.old is None and len(outcome.kept) == 10
    assert all((dest / n).stat().st_ino == inode[n] for n in outcome.kept)  # not rewritten
    assert (dest / "03.md").stat().st_ino != inode["03.md"]  # replaced, never rewritten
    assert (dest / "03.md").read_bytes() == b"# 03, edited\n" and not (dest / "11.md").exists()
    assert {(dest / n).stat().st_mode for n in ("03.md", "12.md", b.MANIFEST)} == {mode}
    # the same files and manifest as a folder built whole from the same outputs
    whole = tmp_path / "whole"
    b.write_outputs(whole, outputs, {**fresh, **changed})
    assert {p.name: p.read_bytes() for p in dest.iterdir()} == {
        p.name: p.read_bytes() for p in whole.iterdir()
    }
