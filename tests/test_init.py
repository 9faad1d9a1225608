"""Issue 19: `briefgen init` starts a project that validates and builds at once, its YAML
points at schemas inside the project, and a missing template is named, not a traceback."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from briefgen import __version__
from tests.conftest import run

TODAY = "2025-09-01"
STARTER = {
    ".github/workflows/ci.yml",
    ".gitignore",
    ".pre-commit-config.yaml",
    "README.md",
    "briefgen.yaml",
    "briefs/actors.yaml",
    "briefs/sources.yaml",
    "briefs/issues/gerd-filling.yaml",
    "briefs/books/nile-waters.yaml",
    *(f"schemas/{k}.schema.json" for k in ("issue", "book", "actors", "sources", "config")),
}


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_TODAY", TODAY)


def files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


def test_init_writes_a_project_that_validates_and_builds(tmp_path: Path) -> None:
    root = tmp_path / "briefs-project"
    res = run("init", root)
    assert (res.code, res.err) == (0, "")
    assert files(root) == STARTER
    assert "wrote briefgen.yaml\n" in res.out
    assert f"started a briefgen project in {root}" in res.out
    issue = (root / "briefs/issues/gerd-filling.yaml").read_text("utf-8")
    assert f'last_reviewed: "{TODAY}"' in issue
    assert run("-C", root, "validate", "--strict").out == "ok: 1 issues, 1 books\n"
    built = run("-C", root, "build", "--format", "md,html", "-j", "1", "--quiet")
    assert (built.code, built.err) == (0, "")
    md = (root / "build/md/gerd-filling.md").read_text("utf-8")
    assert md.startswith("**INTERNAL — NOT FOR PUBLIC RELEASE**\n\n# The Grand Ethiopian")
    assert (root / "build/html/nile-waters.html").is_file()


def test_the_starter_project_is_internal_and_ignores_its_outputs(tmp_path: Path) -> None:
    run("init", tmp_path)
    config = (tmp_path / "briefgen.yaml").read_text("utf-8")
    assert "  audience: internal\n" in config and "markings:\n" in config
    assert (tmp_path / ".gitignore").read_text("utf-8").splitlines()[1:3] == [
        "build/",
        ".briefgen-cache/",
    ]
    hooks = (tmp_path / ".pre-commit-config.yaml").read_text("utf-8")
    assert "- id: briefgen-validate\n" in hooks and "entry: briefgen validate\n" in hooks
    ci = (tmp_path / ".github/workflows/ci.yml").read_text("utf-8")
    assert "briefgen validate --format github" in ci and "briefgen site" in ci
    assert "needs.build.outputs.public == 'true'" in ci  # an internal site is never deployed
    # CI installs the version it began with, from git (briefgen is not on PyPI: a bare name
    # would install whatever someone else publishes under it)
    assert f'BRIEFGEN: "briefgen @ git+https://github.com/OWNER/briefgen@v{__version__}"\n' in ci


def test_every_modeline_points_at_a_schema_in_the_project(tmp_path: Path) -> None:
    run("init", tmp_path)
    assert run("-C", tmp_path, "new", "issue", "water-data").code == 0
    yaml_files = [p for p in sorted(tmp_path.rglob("*.yaml")) if ".github" not in p.parts]
    yaml_files = [p for p in yaml_files if p.name != ".pre-commit-config.yaml"]
    assert len(yaml_files) == 6
    for path in yaml_files:
        first = path.read_text("utf-8").splitlines()[0]
        assert first.startswith("# yaml-language-server: $schema="), path
        target = (path.parent / first.split("$schema=", 1)[1]).resolve()
        assert target.parent == tmp_path.resolve() / "schemas", path
        assert json.loads(target.read_text("utf-8"))["$schema"].startswith("https://json-schema")


def test_init_refuses_a_folder_that_is_not_empty(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine", "utf-8")
    res = run("init", tmp_path)
    assert res.code == 2
    assert res.err == (
        f"briefgen init: {tmp_path} is not empty; use --force to add the starter files "
        "(existing files are kept)\n"
    )
    assert files(tmp_path) == {"notes.txt"}


def test_init_force_keeps_every_existing_file(tmp_path: Path) -> None:
    (tmp_path / "README.md").write_text("# Ours\n", "utf-8")
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas" / "issue.schema.json").write_text("{}", "utf-8")
    res = run("init", tmp_path, "--force")
    assert res.code == 0
    assert "kept README.md (already there; not overwritten)\n" in res.out
    assert "kept schemas/issue.schema.json (already there; not overwritten)\n" in res.out
    assert (tmp_path / "README.md").read_text("utf-8") == "# Ours\n"
    assert files(tmp_path) == STARTER
    assert run("init", tmp_path, "--force").out.count("kept ") == len(STARTER)


def test_init_refuses_a_file(tmp_path: Path) -> None:
    (tmp_path / "f").write_text("", "utf-8")
    res = run("init", tmp_path / "f")
    assert (res.code, res.err) == (2, f"briefgen init: {tmp_path / 'f'} is not a directory\n")


def test_schema_write_refreshes_the_project_schemas(tmp_path: Path) -> None:
    run("init", tmp_path)
    stale = tmp_path / "schemas" / "book.schema.json"
    stale.write_text("{}", "utf-8")
    res = run("-C", tmp_path, "schema", "--write")
    assert (res.code, res.out) == (0, "wrote schemas/book.schema.json\nup to date: 4 schemas\n")
    assert stale.read_text("utf-8") == run("schema", "book").out
    assert run("schema").code == 2
    assert run("schema", "book", "--write").code == 2


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_a_missing_template_is_named_with_where_it_was_looked_for(
    tmp_path: Path, jobs: str
) -> None:
    run("init", tmp_path)
    override = tmp_path / "templates" / "md" / "brief.md.j2"
    override.parent.mkdir(parents=True)
    override.write_text('{% include "md/partials/missing.md.j2" %}\n', "utf-8")
    res = run("-C", tmp_path, "build", "--format", "md", "-j", jobs, "--quiet", "--force")
    dirs = f"{tmp_path.resolve() / 'templates'}, {Path('briefgen/templates').resolve()}"
    assert res.code == 1
    assert res.err == (
        f"templates: error: template 'md/partials/missing.md.j2' not found (looked in: {dirs})\n"
    )


def test_a_missing_template_in_the_site_is_named_too(tmp_path: Path) -> None:
    run("init", tmp_path)
    page = tmp_path / "templates" / "site" / "index.html.j2"
    page.parent.mkdir(parents=True)
    page.write_text('{% extends "site/nowhere.html.j2" %}\n', "utf-8")
    res = run("-C", tmp_path, "site", "--no-pdf", "--quiet")
    assert res.code == 1
    assert res.err.startswith("templates: error: template 'site/nowhere.html.j2' not found")


def test_a_problem_without_a_line_has_no_line_in_either_format() -> None:
    from briefgen.diagnostics import Diagnostic

    d = Diagnostic("templates", 0, 0, "template 'x' not found")
    assert d.format() == "templates: error: template 'x' not found"
    assert d.format_github() == "::error file=templates::template 'x' not found"


def test_init_writes_nothing_through_a_link_out_of_the_project(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    root = tmp_path / "proj"
    root.mkdir()
    (root / "briefs").symlink_to(outside)
    res = run("init", root, "--force")
    assert res.code == 2 and "is a link out of the project" in res.err
    assert list(outside.iterdir()) == []
    assert sorted(p.name for p in root.iterdir()) == ["briefs"]  # nothing half-done


def test_the_starter_workflow_and_hook_are_wired_right(tmp_path: Path) -> None:
    """Read with briefgen's strict YAML 1.2 loader, as tests/test_hooks.py reads this repo's."""
    import re

    from briefgen.load import load_file

    run("init", tmp_path)

    def load(rel: str) -> Any:
        doc, problem = load_file((tmp_path / rel).read_bytes(), rel)
        assert problem is None, problem.format()
        assert doc is not None
        return doc.data

    wf = load(".github/workflows/ci.yml")
    assert wf["permissions"] == {}  # each job asks for what it uses
    assert wf["jobs"]["build"]["permissions"] == {"contents": "read"}
    steps = wf["jobs"]["build"]["steps"]
    runs = [str(s.get("run", "")) for s in steps]
    assert "briefgen validate --format github" in runs
    assert runs.index("briefgen validate --format github") < runs.index("briefgen build")
    assert not any("${{" in r for r in runs)  # no expression pasted into a shell script
    pages = next(s for s in steps if str(s.get("uses", "")).startswith("actions/upload-pages"))
    assert pages["if"] == "steps.audience.outputs.public == 'true'"
    assert "needs.build.outputs.public == 'true'" in wf["jobs"]["deploy"]["if"]
    hook = load(".pre-commit-config.yaml")["repos"][0]["hooks"][0]
    assert (hook["id"], hook["pass_filenames"]) == ("briefgen-validate", False)
    for rel in ("briefgen.yaml", "briefs/issues/x.yaml", "schemas/issue.schema.json"):
        assert re.search(hook["files"], rel), rel
    assert not re.search(hook["files"], "README.md")
