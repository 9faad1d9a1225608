"""Issue 6: `briefgen new issue|book ID` writes commented YAML that validates at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import REPO, run

TODAY = "2025-09-01"


def new(project: Path, kind: str, ident: str) -> tuple[int, str, str]:
    res = run("-C", project, "new", kind, ident)
    return res.code, res.out, res.err


def validate(project: Path) -> tuple[int, str, str]:
    res = run("-C", project, "validate", "--today", TODAY)
    return res.code, res.out, res.err


def assert_todos_warned(project: Path, ok: str, path: Path) -> None:
    """A new file validates at once; each TODO value it holds is a warning at its own line,
    and --strict fails on them."""
    code, out, err = validate(project)
    assert (code, out) == (0, ok)
    *warnings, summary = err.splitlines()
    lines = path.read_text("utf-8").splitlines()
    rel = path.relative_to(project).as_posix()
    assert warnings and summary == f"0 error(s), {len(warnings)} warning(s)"
    for w in warnings:
        where, message = w.split(": warning: ")
        _, line, col = where.split(":")
        assert where.startswith(rel + ":")
        assert lines[int(line) - 1][int(col) - 1 :].startswith("TODO"), w
        assert message == "'TODO' placeholder (from `briefgen new`): write the real text here"
    strict = run("-C", project, "validate", "--strict", "--today", TODAY)
    assert strict.code == 1 and strict.out == ""
    assert strict.err.count(": error: 'TODO' placeholder") == len(warnings)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_TODAY", TODAY)


def test_new_issue_cites_nothing_until_the_author_does(project: Path) -> None:
    """No default source: every list of sources is empty, the registry is listed in a
    comment, and validation fails at each empty list until something real is cited."""
    code, out, err = new(project, "issue", "arms-control")
    path = project / "briefs" / "issues" / "arms-control.yaml"
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"created {path}"
    text = path.read_text("utf-8")
    lines = text.splitlines()
    assert lines[0] == "# yaml-language-server: $schema=../../schemas/issue.schema.json"
    assert "id: arms-control  # must match the file name" in lines
    assert f'last_reviewed: "{TODAY}"' in text
    assert "principals: [united-states, russia]" in lines
    assert sum(line.lstrip().startswith("#") for line in lines) >= 20  # it explains itself
    assert "summit-report" not in "\n".join(x for x in lines if not x.startswith("#"))
    assert any(x.startswith("# Known sources: summit-report, gap-analysis, ") for x in lines)
    assert "sources: []" in lines
    code, _, out = validate(project)
    assert code == 1
    empties = [n for n, x in enumerate(lines, 1) if x.strip() == "sources: []"]
    errors = [x for x in out.splitlines() if "arms-control.yaml" in x and ": error: " in x]
    # The brief's own list may stay empty; each claim's may not. (A judgment's empty list is
    # the tradecraft rule TC001, which runs once the file passes its schema.)
    assert errors and all(
        x.startswith(f"briefs/issues/arms-control.yaml:{n}:14: error: 'sources' must have")
        for x, n in zip(errors, empties[2:], strict=True)
    )
    text = text.replace("sources: []", "sources: [gap-analysis]")
    path.write_text(text, "utf-8")
    assert_todos_warned(project, "ok: 6 issues, 1 books\n", path)


def test_new_book_starts_with_no_issues(project: Path) -> None:
    code, out, err = new(project, "book", "autumn-summit")
    path = project / "briefs" / "books" / "autumn-summit.yaml"
    assert (code, err) == (0, "")
    assert out.splitlines()[0] == f"created {path}"
    text = path.read_text("utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/book.schema.json\n")
    assert f'date: "{TODAY}"' in text
    assert "\nissues: []\n" in text
    assert "# Known issues: institutions, nato, new-start, sanctions, ukraine\n" in text
    code, _, out = validate(project)
    assert code == 1
    assert "briefs/books/autumn-summit.yaml:18:9: error: 'issues' must have at least 1 items" in out
    path.write_text(text.replace("issues: []", "issues: [nato]"), "utf-8")
    assert_todos_warned(project, "ok: 5 issues, 2 books\n", path)


def test_modeline_points_at_the_project_schemas() -> None:
    """The modeline names the project's schemas/ folder; in this repository that folder is a
    link to the shipped schemas, so `briefgen new` here points at them too."""
    for kind, folder in (("issue", "issues"), ("book", "books")):
        template = (REPO / "briefgen" / "templates" / "scaffold" / f"{kind}.yaml.j2").read_text(
            "utf-8"
        )
        modeline = next(line for line in template.splitlines() if "$schema=" in line)
        target = (REPO / "briefs" / folder / modeline.split("$schema=")[1]).resolve()
        assert target == REPO / "briefgen" / "schemas" / f"{kind}.schema.json"
        assert target.is_file()


def test_new_adds_the_schemas_its_modeline_needs(project: Path) -> None:
    """A project without schemas/ gets them with its first new file; existing ones are kept."""
    code, out, _ = new(project, "issue", "arms-control")
    assert code == 0
    assert "wrote schemas/issue.schema.json" in out
    assert (project / "schemas" / "issue.schema.json").read_text("utf-8") == run(
        "schema", "issue"
    ).out
    (project / "schemas" / "book.schema.json").write_text("{}", "utf-8")
    code, out, _ = new(project, "book", "autumn-summit")
    assert (code, out.splitlines()[1:]) == (0, [])
    assert (project / "schemas" / "book.schema.json").read_text("utf-8") == "{}"


def test_a_new_book_collects_a_new_issue(project: Path) -> None:
    assert new(project, "issue", "cyber")[0] == 0
    assert new(project, "book", "cyber-book")[0] == 0
    book = (project / "briefs" / "books" / "cyber-book.yaml").read_text("utf-8")
    assert "# Known issues: cyber, institutions," in book


@pytest.mark.parametrize(
    ("ident", "message"),
    [
        ("Arms", "'Arms' is not a valid id: use lower-case ASCII letters, digits and single"),
        ("a--b", "'a--b' is not a valid id"),
        ("a_b", "'a_b' is not a valid id"),
        ("x" * 65, "is not a valid id"),
        ("café", "'café' is not a valid id"),
        ("../../etc", "'../../etc' is not a valid id"),
        ("index", "id 'index' is reserved for the site's own pages; choose another"),
        ("nato", "briefs/issues/nato.yaml already exists; the id 'nato' is taken"),
        (
            "us-russia-summit",
            "briefs/books/us-russia-summit.yaml already exists; the id 'us-russia-summit' is taken",
        ),
    ],
)
def test_bad_or_taken_ids_are_refused(project: Path, ident: str, message: str) -> None:
    before = sorted(p.name for p in (project / "briefs").rglob("*"))
    code, out, err = new(project, "issue", ident)
    assert code == 2
    assert out == ""
    assert err.startswith("briefgen new: ")
    assert message in err
    assert sorted(p.name for p in (project / "briefs").rglob("*")) == before


def test_id_with_a_newline_is_refused(project: Path) -> None:
    code, _, err = new(project, "issue", "ok\n")
    assert code == 2 and "is not a valid id" in err


def test_unknown_kind_is_a_usage_error(project: Path) -> None:
    assert run("-C", project, "new", "chapter", "x").code == 2


def test_existing_file_is_never_overwritten(project: Path) -> None:
    assert new(project, "issue", "cyber")[0] == 0
    path = project / "briefs" / "issues" / "cyber.yaml"
    path.write_text("# mine\n", "utf-8")
    code, _, err = new(project, "issue", "cyber")
    assert code == 2 and "already exists" in err
    assert path.read_text("utf-8") == "# mine\n"


def test_book_needs_an_issue(project: Path) -> None:
    for path in (project / "briefs" / "issues").iterdir():
        path.unlink()
    code, _, err = new(project, "book", "empty")
    assert code == 2
    assert "create one first with `briefgen new issue ID`" in err


def test_broken_registry_is_reported_not_guessed(project: Path) -> None:
    (project / "briefs" / "actors.yaml").write_text("actors: [\n", "utf-8")
    code, _, err = new(project, "issue", "cyber")
    assert code == 2
    assert err.startswith("briefgen new: briefs/actors.yaml:2:1: error: invalid YAML")
    assert not (project / "briefs" / "issues" / "cyber.yaml").exists()


def test_project_template_overrides_the_shipped_one(project: Path) -> None:
    shipped = (project / "templates" / "scaffold" / "issue.yaml.j2").read_text("utf-8")
    custom = shipped.replace("status: draft  # draft | final", "status: draft  # house style")
    (project / "templates" / "scaffold" / "issue.yaml.j2").write_text(custom, "utf-8")
    assert new(project, "issue", "cyber")[0] == 0
    text = (project / "briefs" / "issues" / "cyber.yaml").read_text("utf-8")
    assert "status: draft  # house style" in text


def test_template_making_invalid_yaml_writes_nothing(project: Path) -> None:
    (project / "templates" / "scaffold" / "issue.yaml.j2").write_text("id: {{ id }}\n", "utf-8")
    code, _, err = new(project, "issue", "cyber")
    assert code == 2
    assert "the scaffold template made an invalid issue" in err
    assert not (project / "briefs" / "issues" / "cyber.yaml").exists()


def test_only_inert_values_reach_the_yaml(project: Path) -> None:
    # Defence in depth: whatever a template prints must not be able to add YAML structure.
    template = 'id: {{ id }}\ntitle: {{ "x\\nstatus: final" }}\n'
    (project / "templates" / "scaffold" / "issue.yaml.j2").write_text(template, "utf-8")
    code, _, err = new(project, "issue", "cyber")
    assert code == 2
    assert "refusing to write 'x\\nstatus: final' into a scaffold" in err
    assert not (project / "briefs" / "issues" / "cyber.yaml").exists()
