"""Issue 19: `briefgen templates list` names every default template and asset and marks the
project's overrides; `briefgen templates copy NAME` puts a default into templates/ to edit,
never over the project's own file without --force; an unknown name is one line, exit 2."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen.project import BUILTIN_TEMPLATES
from tests.conftest import run

COVER = "html/partials/cover.html.j2"


@pytest.fixture
def root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BRIEFGEN_TODAY", "2025-09-01")
    assert run("init", tmp_path / "p").code == 0
    return tmp_path / "p"


def test_list_names_every_default_and_marks_overrides(root: Path) -> None:
    res = run("-C", root, "templates", "list")
    assert (res.code, res.err) == (0, "")
    lines = res.out.splitlines()
    shipped = sorted(
        p.relative_to(BUILTIN_TEMPLATES).as_posix()
        for p in BUILTIN_TEMPLATES.rglob("*")
        if p.is_file() and "init" not in p.relative_to(BUILTIN_TEMPLATES).parts[:1]
    )
    assert lines[:-1] == shipped
    assert {"assets/brief.css", "assets/site.css", COVER, "md/brief.md.j2"} <= set(lines)
    assert lines[-1] == f"{len(shipped)} default files; 0 overridden in templates/"

    own = root / "templates" / "assets" / "brief.css"
    own.parent.mkdir(parents=True)
    own.write_text("/* ours */\n", "utf-8")
    lines = run("-C", root, "templates", "list").out.splitlines()
    (marked,) = [line for line in lines if "overridden by" in line]
    assert marked.split() == ["assets/brief.css", "overridden", "by", "templates/assets/brief.css"]
    assert lines[-1].endswith("; 1 overridden in templates/")


def test_copy_then_edit_changes_the_html_brief_and_the_site_page(root: Path) -> None:
    res = run("-C", root, "templates", "copy", "cover.html.j2")
    assert (res.code, res.err) == (0, "")
    assert res.out.startswith(f"wrote templates/{COVER} ")
    ours = root / "templates" / COVER
    assert ours.read_bytes() == (BUILTIN_TEMPLATES / COVER).read_bytes()
    ours.write_text(
        ours.read_text("utf-8").replace('<p class="kicker">', '<p class="kicker">Ours: '), "utf-8"
    )
    assert run("-C", root, "build", "--format", "html", "-j", "1", "--quiet").code == 0
    assert '<p class="kicker">Ours: Issue brief</p>' in (
        root / "build/html/gerd-filling.html"
    ).read_text("utf-8")
    assert run("-C", root, "site", "--no-pdf", "-j", "1", "--quiet").code == 0
    assert '<p class="kicker">Ours: Issue brief</p>' in (
        root / "build/site/gerd-filling.html"
    ).read_text("utf-8")


def test_copy_never_replaces_the_projects_file_without_force(root: Path) -> None:
    assert run("-C", root, "templates", "copy", COVER).code == 0
    ours = root / "templates" / COVER
    ours.write_text("edited\n", "utf-8")
    res = run("-C", root, "templates", "copy", COVER)
    assert (res.code, res.out) == (2, "")
    assert res.err == (
        f"briefgen templates: templates/{COVER} exists; use --force to replace it with the "
        "default\n"
    )
    assert ours.read_text("utf-8") == "edited\n"
    assert run("-C", root, "templates", "copy", COVER, "--force").code == 0
    assert ours.read_bytes() == (BUILTIN_TEMPLATES / COVER).read_bytes()


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("covr.html", "no default template 'covr.html' (did you mean '" + COVER + "'?)"),
        ("covr.html.j2", "no default template 'covr.html.j2' (did you mean '" + COVER + "'?)"),
        (
            "html/partials/cover.htm",
            f"no default template 'html/partials/cover.htm' (did you mean '{COVER}'?)",
        ),
        ("nothing-like-it", "no default template 'nothing-like-it'; `briefgen templates list`"),
        ("macros.html.j2", "'macros.html.j2' is more than one template: html/partials/macros"),
        ("init/briefgen.yaml", "no default template 'init/briefgen.yaml'"),
    ],
)
def test_an_unknown_name_is_one_line_and_exit_2(root: Path, name: str, message: str) -> None:
    res = run("-C", root, "templates", "copy", name)
    assert (res.code, res.out) == (2, "")
    assert res.err.count("\n") == 1 and res.err.startswith("briefgen templates: "), res.err
    assert message in res.err, res.err
    assert not (root / "templates").exists()


def test_copy_writes_nothing_through_a_templates_link_out_of_the_project(
    root: Path, tmp_path: Path
) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (root / "templates").symlink_to(elsewhere)
    res = run("-C", root, "templates", "copy", COVER)
    assert res.code == 2
    assert "would be written outside the project" in res.err
    assert list(elsewhere.iterdir()) == []
