"""Issue 2: loading and validation report every problem, located, with the right exit code."""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run

MINIMAL = (REPO / "tests" / "data" / "minimal-issue.yaml").read_text("utf-8")


def write_issue(project: Path, text: str, name: str = "minimal") -> Path:
    path = project / "briefs" / "issues" / f"{name}.yaml"
    path.write_text(text, "utf-8")
    return path


def error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if re.match(r"^\S+:\d+:\d+: (error|warning): ", line)]


def test_shipped_content_is_valid(project: Path) -> None:
    res = run("-C", project, "validate", "--today", "2025-09-01")
    assert res.code == 0, res.err
    assert res.out.strip() == "ok: 5 issues, 1 books"
    assert res.err == ""


def test_minimal_issue_is_valid(project: Path) -> None:
    write_issue(project, MINIMAL)
    res = run("-C", project, "validate", "--today", "2025-09-01")
    assert res.code == 0, res.err
    assert "6 issues" in res.out


def test_typo_duplicate_and_wrong_type_are_all_reported(project: Path) -> None:
    # After the inserted duplicate line, everything below moves down by one line.
    text = MINIMAL.replace("      russia: Keep it", "      rusia: Keep it")  # typo'd actor, line 22
    text = text.replace("status: draft\n", "status: draft\ntitle: Again\n")  # duplicate key, line 5
    text = text.replace("    confidence: low", "    confidence: 3")  # wrong type, line 14
    write_issue(project, text)
    res = run("-C", project, "validate", "--today", "2025-09-01")
    assert res.code == 1
    lines = error_lines(res.err)
    assert lines == [
        "briefs/issues/minimal.yaml:5:1: error: duplicate key 'title' (first defined at line 3)",
        "briefs/issues/minimal.yaml:14:17: error: 'confidence' is 3; expected one of: low, "
        "moderate, high",
        # the misspelt key is the principal's missing stance: one message, not two
        "briefs/issues/minimal.yaml:22:7: error: unknown actor 'rusia' (did you mean 'russia'?)",
    ]
    assert "Traceback" not in res.err
    assert res.err.strip().endswith("3 error(s), 0 warning(s)")


def test_errors_sorted_across_files(project: Path) -> None:
    write_issue(project, MINIMAL.replace("gap: wide", "gap: huge"))
    actors = project / "briefs" / "actors.yaml"
    actors.write_text(actors.read_text("utf-8").replace("kind: state", "kind: nation", 1), "utf-8")
    res = run("-C", project, "validate")
    assert res.code == 1
    paths = [line.split(":")[0] for line in error_lines(res.err) if ": error:" in line]
    assert paths == sorted(paths)
    assert "briefs/actors.yaml" in paths and "briefs/issues/minimal.yaml" in paths
    assert "'gap' is 'huge'; expected one of: aligned, narrow, wide, irreconcilable" in res.err


def test_unknown_field_suggests(project: Path) -> None:
    write_issue(project, MINIMAL.replace("bluf:", "bulf:"))
    res = run("-C", project, "validate")
    assert res.code == 1
    assert "minimal.yaml:8:1: error: unknown field 'bulf' (did you mean 'bluf'?)" in res.err
    assert "minimal.yaml:2:1: error: missing required field 'bluf'" in res.err


def test_unknown_source_and_related(project: Path) -> None:
    text = MINIMAL.replace("sources: [gap-analysis]\nkey", "sources: [gap-analysys]\nkey")
    text += "related: [ukrain]\n"
    write_issue(project, text)
    res = run("-C", project, "validate")
    assert res.code == 1
    assert (
        "minimal.yaml:9:11: error: unknown source 'gap-analysys' (did you mean 'gap-analysis'?)"
        in res.err
    )
    assert "minimal.yaml:23:11: error: unknown issue 'ukrain' (did you mean 'ukraine'?)" in res.err


def test_yaml_12_semantics(project: Path) -> None:
    # `version: 1.10` is a number in YAML; we never silently turn it into "1.1".
    write_issue(project, MINIMAL.replace('version: "1.0"', "version: 1.10"))
    res = run("-C", project, "validate")
    assert res.code == 1
    assert (
        "minimal.yaml:5:10: error: 'version' must be text, but `1.10` is read as a number; "
        'put it in quotes: "1.10"' in res.err
    )


def test_no_stays_a_string(project: Path) -> None:
    write_issue(project, MINIMAL.replace("title: A minimal issue", "title: NO"))
    res = run("-C", project, "validate")
    assert res.code == 0, res.err
    from briefgen.validate import load_project

    corpus = load_project(project).corpus
    assert corpus is not None and corpus.issues["minimal"].title == "NO"  # not False


def test_unquoted_date_is_text_and_impossible_date_is_located(project: Path) -> None:
    write_issue(project, MINIMAL.replace('"2025-08-10"', "2025-02-30"))
    res = run("-C", project, "validate")
    assert res.code == 1
    assert "minimal.yaml:6:16: error: '2025-02-30' is not a real calendar date" in res.err


def test_duplicate_ids_and_file_name(project: Path) -> None:
    text = MINIMAL.replace("id: minimal", "id: other")
    text += (
        "  - id: crimea\n    topic: Again\n    gap: wide\n"
        "    stances: {united-states: a, russia: b}\n    sources: [gap-analysis]\n"
    )
    write_issue(project, text)
    res = run("-C", project, "validate")
    assert res.code == 1
    assert "minimal.yaml:2:5: error: id 'other' must match the file name 'minimal.yaml'" in res.err
    assert "minimal.yaml:23:9: error: duplicate id 'crimea' (first used at line 16)" in res.err


def test_not_yaml_not_utf8_and_too_big(project: Path) -> None:
    issues = project / "briefs" / "issues"
    (issues / "broken.yaml").write_text("id: [unclosed\n", "utf-8")
    (issues / "latin.yaml").write_bytes("title: caf\xe9\n".encode("latin-1"))
    (issues / "huge.yaml").write_bytes(b"a: " + b"x" * (1024 * 1024 + 10) + b"\n")
    (issues / "list.yaml").write_text("- just\n- a list\n", "utf-8")
    res = run("-C", project, "validate")
    assert res.code == 1
    assert "broken.yaml:1:5: error: the list opened with '[' here is not closed" in res.err
    assert "briefs/issues/latin.yaml:1:11: error: file is not valid UTF-8" in res.err
    assert "briefs/issues/huge.yaml:1:1: error: file is 1048590 bytes; the limit is" in res.err
    assert (
        "briefs/issues/list.yaml:1:1: error: the file must be a YAML mapping, not a list" in res.err
    )
    assert "Traceback" not in res.err


def test_alias_bomb_and_deep_nesting(project: Path) -> None:
    issues = project / "briefs" / "issues"
    bomb = "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n"
    (issues / "bomb.yaml").write_text(bomb, "utf-8")
    (issues / "deep.yaml").write_text("a: " + "[" * 100 + "]" * 100 + "\n", "utf-8")
    res = run("-C", project, "validate")
    assert res.code == 1
    assert "briefs/issues/bomb.yaml:1:4: error: anchors (&a) are not allowed" in res.err
    assert "briefs/issues/deep.yaml:1:" in res.err and "nesting is deeper than" in res.err


def test_github_annotations(project: Path) -> None:
    write_issue(project, MINIMAL.replace("gap: wide", "gap: huge"))
    res = run("-C", project, "validate", "--format", "github")
    assert res.code == 1
    assert "::error file=briefs/issues/minimal.yaml,line=18,col=10::'gap' is 'huge'" in res.err


def test_paths_filter(project: Path) -> None:
    write_issue(project, MINIMAL.replace("gap: wide", "gap: huge"))
    ok = run("-C", project, "validate", project / "briefs" / "issues" / "ukraine.yaml")
    assert ok.code == 0, ok.err
    bad = run("-C", project, "validate", project / "briefs" / "issues" / "minimal.yaml")
    assert bad.code == 1


def test_usage_errors_exit_2(project: Path, tmp_path: Path) -> None:
    assert run("-C", project, "frobnicate").code == 2
    assert run("-C", project, "schema", "nonsense").code == 2
    assert run("-C", project, "build", "--format", "doc").code == 2
    nowhere = run("-C", tmp_path / "empty", "validate")
    assert nowhere.code == 2 and "no briefgen.yaml found" in nowhere.err


def test_schema_command_prints_valid_json_schema() -> None:
    for kind in ("issue", "book", "actors", "sources", "config"):
        res = run("schema", kind)
        assert res.code == 0
        schema = json.loads(res.out)
        assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"


def test_shipped_files_carry_schema_modeline() -> None:
    for path in sorted((REPO / "briefs").rglob("*.yaml")):
        first = path.read_text("utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.is_file(), f"{path}: modeline points at missing {target}"


def test_config_is_validated(project: Path) -> None:
    cfg = project / "briefgen.yaml"
    cfg.write_text(cfg.read_text("utf-8").replace("page_size: A4", "page_size: A5"), "utf-8")
    res = run("-C", project, "validate")
    assert res.code == 1
    assert (
        "briefgen.yaml:" in res.err
        and "'page_size' is 'A5'; expected one of: A4, Letter" in res.err
    )


def test_parsing_across_cores_reports_and_builds_exactly_as_serial_parsing(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A cold cache with many files is parsed in worker processes (validate._parse_ahead);
    the diagnostics, their positions and the corpus are those of the one-process path."""
    import briefgen.validate as v

    text = (project / "briefs" / "issues" / "nato.yaml").read_text("utf-8")
    for n in range(60):
        copy = text.replace("id: nato\n", f"id: nato-{n}\n", 1)
        if n == 7:  # an unknown actor, a wrong type and a duplicate key in one copy
            copy = copy.replace("principals: [united-states, russia]", "principals: [us, russia]")
            copy = copy.replace('version: "1.0"', "version: [1]\nstatus: draft")
        (project / "briefs" / "issues" / f"nato-{n}.yaml").write_text(copy, "utf-8")

    import briefgen.engine.workers as workers

    monkeypatch.setattr(workers, "PARALLEL_MIN_SECONDS", 0.0)  # fork for 60 files too
    monkeypatch.setattr(v, "default_jobs", lambda: 2)

    def load(ahead: bool, warm: bool = False) -> tuple[list[str], Any]:
        monkeypatch.setattr(v, "PARSE_AHEAD_MIN", 48 if ahead else 10**9)
        if not warm:
            shutil.rmtree(project / ".briefgen-cache", ignore_errors=True)
        # A date that makes every brief stale: each warning is located at last_reviewed.
        loaded = v.load_project(project, today=dt.date(2030, 1, 1))
        return [d.format() for d in loaded.diagnostics], loaded.corpus

    serial, _ = load(ahead=False)
    parallel, _ = load(ahead=True)
    assert parallel == serial
    assert load(ahead=True, warm=True)[0] == serial  # positions of cache hits too
    # the workers really parsed: every valid copy came back from them, none from the serial pass
    shutil.rmtree(project / ".briefgen-cache", ignore_errors=True)
    monkeypatch.setattr(v, "PARSE_AHEAD_MIN", 48)
    from briefgen.project import discover

    ready = v._parse_ahead(project, discover(project), None)
    assert len(ready) >= 60 and not any("nato-7" in rel for rel in ready)
    assert sum("stale" in d for d in serial) == 64
    assert any("nato-7.yaml" in d and "unknown actor 'us'" in d for d in serial)
    assert any("nato-7.yaml" in d and "duplicate" in d for d in serial)
    bad = project / "briefs" / "issues" / "nato-7.yaml"
    bad.unlink()
    _, serial_corpus = load(ahead=False)
    _, parallel_corpus = load(ahead=True)
    assert serial_corpus is not None and parallel_corpus == serial_corpus
    assert len(parallel_corpus.issues) == 64


@pytest.mark.parametrize(
    "text",
    [
        (REPO / "briefs" / "issues" / "nato.yaml").read_text("utf-8"),
        "# a comment first\n\n\n\"id\": x\ntitle:   'spaced'\nlist:\n- a\n"
        "map: {a: 1}\nblock: |\n  t\n",
        '{id: x,\n  title: "T", nested: [1, {a: b}], empty: }\n',
    ],
)
def test_cached_documents_place_the_top_level_without_parsing_again(
    text: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cache entries and parse-ahead results carry the top-level positions, so a stale brief
    is located without reading its file again; they equal a full parse's, keys included."""
    import hashlib

    import briefgen.load
    from briefgen.cache import cached_document, top_positions

    raw = text.encode()
    full = briefgen.load.load_bytes(raw, "f.yaml")
    top = json.loads(json.dumps(top_positions(full)))  # as it comes back from the cache
    doc = cached_document("f.yaml", full.data, hashlib.sha256(raw).hexdigest(), raw, top)

    def no_parse(*_: object) -> None:
        raise AssertionError("parsed again")

    monkeypatch.setattr(briefgen.load, "load_bytes", no_parse)
    paths: list[tuple[str, ...]] = [(), ("missing",), *((k,) for k in full.data)]
    for path in paths:
        assert doc.locate(path) == full.locate(path), path
        assert doc.locate(path, key=True) == full.locate(path, key=True), path
    monkeypatch.undo()
    deep = next((k, 0) for k, v in full.data.items() if isinstance(v, list) and v)
    assert doc.locate(deep) == full.locate(deep)  # below the top level: read again, exact
    bad = cached_document("f.yaml", full.data, "", raw, {"root": [1, 1], "keys": {}})
    assert bad.locate(("id",)) == full.locate(("id",))  # a top that does not fit is ignored


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("briefs/issues/nosuch.yaml", "no such file: {p}"),
        ("briefs/issues/ukraine.yml", "no such file: {p}"),
        ("briefs/issues", "{p} is a folder; name its files, or give no path"),
        ("README.md", "{p} is not an input file of the project"),
        ("/etc/passwd", "{p} is outside the project"),
    ],
)
def test_a_wrong_path_is_a_usage_error_not_a_pass(
    project: Path, name: str, message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    (project / "README.md").write_text("# notes\n", "utf-8")
    monkeypatch.chdir(project)  # paths are relative to where the command runs, as git's are
    res = run("validate", name)
    assert res.code == 2 and res.out == ""
    assert res.err.startswith("briefgen validate: " + message.format(p=name))
    assert res.err.count("\n") == 1  # one line


def test_paths_name_files_relative_to_the_current_folder_with_dash_c(
    project: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nato = project / "briefs" / "issues" / "nato.yaml"
    nato.write_text(nato.read_text("utf-8").replace("status: draft", "status: sketchy"), "utf-8")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    bad = run("-C", project, "validate", str(nato))
    assert bad.code == 1 and "Traceback" not in bad.err
    assert re.search(r"^briefs/issues/nato\.yaml:\d+:\d+: error: ", bad.err, re.M)
    good = run("-C", project, "validate", str(project / "briefs" / "actors.yaml"))
    assert (good.code, good.err) == (0, "")


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ("id: ukraine", "id: ukrane", "id 'ukrane' must match the file name 'ukraine.yaml'"),
        ("status: draft", "status: sketchy", "'status' is 'sketchy'"),
    ],
)
def test_one_mistake_in_an_issue_is_one_error_in_that_file(
    project: Path, old: str, new: str, expected: str
) -> None:
    """The files that name the broken issue (the book, related issues) are not blamed."""
    ukraine = project / "briefs" / "issues" / "ukraine.yaml"
    ukraine.write_text(ukraine.read_text("utf-8").replace(old, new, 1), "utf-8")
    res = run("-C", project, "validate", "--today", "2025-09-01")
    errors = [x for x in res.err.splitlines() if ": error: " in x]
    assert res.code == 1 and len(errors) == 1, res.err
    assert errors[0].startswith("briefs/issues/ukraine.yaml:") and expected in errors[0]
    assert "unknown issue" not in res.err
