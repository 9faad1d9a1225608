"""Incremental builds: only stale outputs re-render, orphans go, a no-op touches nothing.

Every comparison is against a clean serial build (`--force -j1` into a fresh folder), byte for
byte, so incremental and parallel builds can never drift from what a first build makes.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, copy_project, run, search_files

ALL = "md,html,pdf,docx"  # every format, as `briefgen build` builds by default


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every output file (manifests and state left out) by path, with its bytes."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".briefgen" not in p.parts and p.name != ".manifest.json"
    }


def mtimes(folder: Path) -> dict[str, int]:
    """Modification time of every file and folder under `folder`."""
    return {p.relative_to(folder).as_posix(): p.stat().st_mtime_ns for p in folder.rglob("*")}


def clean_serial(root: Path, out: Path, formats: str = ALL) -> dict[str, bytes]:
    """What a first, single-process build of `root` writes."""
    res = run("-C", root, "build", "-q", "--force", "-j1", "--format", formats, "--out", out)
    assert res.code == 0, res.err
    return snapshot(out)


def build(root: Path, out: Path, *args: str, formats: str = ALL) -> list[str]:
    """An incremental build; the outputs it wrote, as `fmt/name`."""
    res = run("-C", root, "build", "--format", formats, "--out", out, *args)
    assert res.code == 0, res.err
    paths = [Path(x[6:]) for x in res.out.splitlines() if x.startswith("wrote ")]
    return sorted((p if p.is_absolute() else root / p).relative_to(out).as_posix() for p in paths)


def edit(path: Path, old: str, new: str) -> None:
    """Change one line of an input file."""
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def linking(root: Path, issue: str) -> tuple[set[str], set[str]]:
    """Issues whose `related` names `issue`, and books that include it."""
    issues, books = set(), set()
    for p in (root / "briefs" / "issues").glob("*.yaml"):
        m = re.search(r"^related: \[(.*)\]$", p.read_text("utf-8"), re.M)
        if m and issue in [r.strip() for r in m.group(1).split(",")]:
            issues.add(p.stem)
    for p in (root / "briefs" / "books").glob("*.yaml"):
        m = re.search(r"^issues: \[(.*)\]$", p.read_text("utf-8"), re.M)
        if m and issue in [r.strip() for r in m.group(1).split(",")]:
            books.add(p.stem)
    return issues, books


@pytest.fixture(scope="module")
def pdf_pair(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    """One project built clean and serial, and built again with two workers."""
    base = tmp_path_factory.mktemp("pair")
    root = copy_project(base / "proj")
    clean_serial(root, base / "serial")
    res = run("-C", root, "build", "-q", "-j2", "--format", ALL, "--out", base / "parallel")
    assert res.code == 0, res.err
    return root, base / "serial", base / "parallel"


def test_parallel_build_matches_clean_serial_build(pdf_pair: tuple[Path, Path, Path]) -> None:
    _, serial, parallel = pdf_pair
    a, b = snapshot(serial), snapshot(parallel)
    assert sorted(a) == sorted(b)
    assert {k.split("/")[0] for k in a} == {"md", "html", "pdf", "docx"}
    for name in a:
        assert a[name] == b[name], name


def test_incremental_build_matches_clean_serial_build(
    pdf_pair: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    root, _, parallel = pdf_pair
    out = tmp_path / "out"
    shutil.copytree(parallel, out, copy_function=os.link)  # earlier outputs, by hard link
    edit(root / "briefs" / "issues" / "new-start.yaml", "subtitle: ", "subtitle: Revised, ")
    try:
        wrote = build(root, out, "-j2", "-q")
        assert wrote == []  # quiet
        assert snapshot(out) == clean_serial(root, tmp_path / "clean")
    finally:
        edit(root / "briefs" / "issues" / "new-start.yaml", "subtitle: Revised, ", "subtitle: ")


def test_changed_subtitle_rebuilds_only_its_outputs_and_its_books(
    project: Path, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    edit(project / "briefs" / "issues" / "nato.yaml", "subtitle: ", "subtitle: Revised, ")
    issues, books = linking(project, "nato")
    assert issues and books  # the shipped content links nato both ways
    # Issues relating to nato print only its title: their pages are not touched.
    expected = sorted(f"{fmt}/{name}.{fmt}" for fmt in ("md", "html") for name in {"nato", *books})
    assert build(project, out, formats="md,html") == expected
    assert snapshot(out) == clean_serial(project, tmp_path / "clean", "md,html")


def test_changed_title_rebuilds_the_issues_that_relate_to_it(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    edit(project / "briefs" / "issues" / "nato.yaml", "title: NATO", "title: Revised NATO")
    issues, books = linking(project, "nato")
    expected = sorted(
        f"{fmt}/{name}.{fmt}" for fmt in ("md", "html") for name in {"nato", *issues, *books}
    )
    assert build(project, out, formats="md,html") == expected
    clean = clean_serial(project, tmp_path / "clean", "md,html")
    assert snapshot(out) == clean
    assert all("Revised NATO" in clean[f"md/{i}.md"].decode() for i in issues)


@pytest.fixture
def full_loads(monkeypatch: pytest.MonkeyPatch) -> list[Path]:
    """Every full validation (validate.load_project) run from now on, by project root."""
    import briefgen.validate

    calls: list[Path] = []
    real = briefgen.validate.load_project

    def counting(root: Path, **kwargs: Any) -> Any:
        calls.append(root)
        return real(root, **kwargs)

    monkeypatch.setattr(briefgen.validate, "load_project", counting)
    return calls


def test_one_changed_issue_is_validated_alone_and_builds_as_a_clean_build(
    project: Path, tmp_path: Path, full_loads: list[Path]
) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    assert len(full_loads) == 1
    issue = project / "briefs" / "issues" / "new-start.yaml"
    for n in range(2):  # and again from the state the incremental build wrote
        edit(issue, "subtitle: ", f"subtitle: Revised {n}, ")
        assert build(project, out, formats="md,html") == [
            "html/new-start.html",
            "html/us-russia-summit.html",
            "md/new-start.md",
            "md/us-russia-summit.md",
        ]
    assert len(full_loads) == 1  # neither build validated the other files
    edit(issue, "related: [nato, institutions]", "related: [nato, ukraine]")  # new inputs
    assert build(project, out, formats="md,html") == [
        "html/new-start.html",
        "html/us-russia-summit.html",
        "md/new-start.md",
        "md/us-russia-summit.md",
    ]
    assert len(full_loads) == 1
    assert snapshot(out) == clean_serial(project, tmp_path / "clean", "md,html")
    assert build(project, out, formats="md,html") == []


def test_a_validation_that_changes_no_output_is_recorded(
    project: Path, tmp_path: Path, full_loads: list[Path]
) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md")
    state = out / ".briefgen" / "state.json"
    state.unlink()
    assert build(project, out, formats="md") == []
    assert state.is_file() and len(full_loads) == 2
    assert build(project, out, formats="md") == []
    assert len(full_loads) == 2  # a no-op again: nothing validated


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("principals: [united-states, russia]", "principals: [united-states, rusia]"),
        ("title: NATO Enlargement and European Security", "title: 42"),
        ("id: nato", "id: nato-enlargement"),
        ("related: [ukraine, new-start, institutions]", "related: [ukraine, nato]"),
        ("related: [ukraine, new-start, institutions]", "related: [ukraine, new-strat]"),
        ("subtitle: ", "subtitle: [a list]\nextra: "),
    ],
)
def test_a_changed_issue_with_errors_reports_as_a_full_validation(
    project: Path, tmp_path: Path, old: str, new: str
) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    edit(project / "briefs" / "issues" / "nato.yaml", old, new)
    incremental = run("-C", project, "build", "--format", "md,html", "--out", out)
    (out / ".briefgen" / "state.json").unlink()
    full = run("-C", project, "build", "--format", "md,html", "--out", out)
    assert incremental.code == full.code == 1
    assert (incremental.out, incremental.err) == (full.out, full.err)
    assert "nato.yaml" in full.err


@pytest.mark.parametrize(
    ("rel", "old", "new"),
    [
        ("briefs/actors.yaml", "name: ", "name: Revised "),
        ("briefs/sources.yaml", 'date: "2025-08"', 'date: "2025-07"'),
        ("briefs/books/us-russia-summit.yaml", "title: ", "title: Revised "),
        ("briefgen.yaml", "author: ", "author: Revised "),
    ],
)
def test_changes_beyond_issues_validate_everything(
    project: Path, tmp_path: Path, full_loads: list[Path], rel: str, old: str, new: str
) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md")
    edit(project / "briefs" / "issues" / "nato.yaml", "subtitle: ", "subtitle: Revised, ")
    edit(project / rel, old, new)
    build(project, out, formats="md")
    assert len(full_loads) == 2
    assert snapshot(out) == clean_serial(project, tmp_path / "clean", "md")


def test_an_edited_figure_rebuilds_only_the_briefs_that_show_it(
    project: Path, tmp_path: Path, full_loads: list[Path]
) -> None:
    """A figure is an input of the briefs that show it (and their books), not of every brief;
    its new bytes are checked again by validating just those issues."""
    figure = project / "briefs" / "figures" / "allies.svg"
    figure.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(
        REPO / "tests" / "data" / "arctic" / "briefs" / "figures" / "arctic-allies.svg", figure
    )
    with (project / "briefs" / "issues" / "nato.yaml").open("a", encoding="utf-8") as fh:
        fh.write(
            "figures:\n  - id: allies\n    file: allies.svg\n    caption: Arctic states in NATO.\n"
            "    alt: A bar chart of Arctic states in NATO.\n    source: gap-analysis\n"
        )
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    assert len(full_loads) == 1
    edit(figure, "Before April 2023", "Before 4 April 2023")
    _, books = linking(project, "nato")
    assert books  # the summit book prints nato whole, figure and all
    expected = sorted(f"{fmt}/{name}.{fmt}" for fmt in ("md", "html") for name in {"nato", *books})
    assert build(project, out, formats="md,html") == expected
    assert len(full_loads) == 1  # only nato was validated again
    html = (out / "html" / "nato.html").read_text("utf-8")
    svgs = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
    assert any(b"Before 4 April 2023" in base64.b64decode(d) for d in svgs)
    assert snapshot(out) == clean_serial(project, tmp_path / "clean", "md,html")
    figure.write_text("<svg xmlns='http://www.w3.org/2000/svg'><script/></svg>", "utf-8")
    res = run("-C", project, "build", "--format", "md", "--out", out)
    assert res.code == 1 and "nato.yaml" in res.err and "script" in res.err, res.err


def test_an_added_or_removed_issue_validates_everything(
    project: Path, tmp_path: Path, full_loads: list[Path]
) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md")
    extra = project / "briefs" / "issues" / "extra-issue.yaml"
    text = (project / "briefs" / "issues" / "new-start.yaml").read_text("utf-8")
    extra.write_text(re.sub(r"^id: new-start$", "id: extra-issue", text, flags=re.M), "utf-8")
    assert build(project, out, formats="md") == ["md/extra-issue.md"]
    assert len(full_loads) == 2
    extra.unlink()
    build(project, out, formats="md")
    assert len(full_loads) == 3
    assert snapshot(out) == clean_serial(project, tmp_path / "clean", "md")


def test_a_template_reading_more_of_a_related_issue_than_its_key_holds_fails(
    project: Path, tmp_path: Path
) -> None:
    partial = project / "templates" / "md" / "partials" / "issue_body.md.j2"
    edit(partial, "issues_by_id[r].title", "issues_by_id[r].subtitle")
    res = run("-C", project, "build", "--format", "md", "-j1", "--out", tmp_path / "out")
    assert res.code == 1
    assert "rendering failed" in res.err and "subtitle" in res.err, res.err


def test_shared_registry_change_rebuilds_everything(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(project, out, formats="md")
    edit(project / "briefgen.yaml", "author: ", "author: Revised ")
    assert build(project, out, formats="md") == first


def test_deleted_issue_outputs_are_removed(project: Path, tmp_path: Path) -> None:
    extra = project / "briefs" / "issues" / "extra-issue.yaml"
    text = (project / "briefs" / "issues" / "new-start.yaml").read_text("utf-8")
    text = re.sub(r"^id: new-start$", "id: extra-issue", text, flags=re.M)
    extra.write_text(re.sub(r"^related: .*$", "related: [nato]", text, flags=re.M), "utf-8")
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    assert (out / "md" / "extra-issue.md").is_file()
    extra.unlink()
    res = run("-C", project, "build", "--format", "md,html", "--out", out)
    assert res.code == 0, res.err
    assert "removed out/md/extra-issue.md" in res.out.replace(str(tmp_path) + "/", "")
    assert not (out / "md" / "extra-issue.md").exists()
    assert not (out / "html" / "extra-issue.html").exists()
    assert snapshot(out) == clean_serial(project, tmp_path / "clean", "md,html")


def test_noop_build_writes_nothing(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    before = mtimes(out)
    res = run("-C", project, "build", "--format", "md,html", "--out", out)
    assert res.code == 0 and res.out.startswith("up to date: 12 outputs"), res.out
    assert mtimes(out) == before


def test_noop_build_imports_no_renderer(pdf_pair: tuple[Path, Path, Path]) -> None:
    root, _, parallel = pdf_pair
    code = (
        "import sys\n"
        "from briefgen.cli import main\n"
        f"rc = main(['-C', {str(root)!r}, 'build', '-q', '--out', {str(parallel)!r}])\n"
        "heavy = [m for m in ('weasyprint', 'jinja2', 'markdown_it') if m in sys.modules]\n"
        "print(rc, heavy)\n"
    )
    before = mtimes(parallel)
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert proc.stdout.strip() == "0 []", proc.stdout + proc.stderr
    assert mtimes(parallel) == before


def test_force_rebuilds_everything(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = build(project, out, formats="md")
    assert len(first) == 6
    assert build(project, out, formats="md") == []
    assert build(project, out, "--force", formats="md") == first


def test_template_edit_rebuilds_only_its_format(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    md = project / "templates" / "md" / "brief.md.j2"
    md.write_text(md.read_text("utf-8") + "\n", "utf-8")
    assert {w.split("/")[0] for w in build(project, out, formats="md,html")} == {"md"}
    site = project / "templates" / "site"
    if site.is_dir():  # site templates are not inputs of the briefs
        for p in site.rglob("*.j2"):
            p.write_text(p.read_text("utf-8") + "\n", "utf-8")
            break
        assert build(project, out, formats="md,html") == []


def test_broken_state_file_is_ignored(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    build(project, out, formats="md")
    state = out / ".briefgen" / "state.json"
    for junk in ("{", '{"format": 2, "targets": [["issue", "../../etc", ["x"]]]}', "[]"):
        state.write_text(junk)
        assert build(project, out, formats="md") == []
    assert snapshot(out) == clean_serial(project, tmp_path / "clean", "md")


def test_progress_is_plain_lines_off_a_terminal(project: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    # --today: on the day of the briefs' review, so no review is overdue and nothing warns
    res = run(
        "-C", project, "build", "--format", "md", "-j1", "--out", out, "--today", "2025-08-11"
    )
    assert res.code == 0
    lines = res.err.splitlines()
    assert len(lines) == 6 and all(re.fullmatch(r"\[\d/6\] (issue|book) [a-z-]+", x) for x in lines)
    assert "\r" not in res.err and "\x1b" not in res.err


def test_a_project_template_overrides_the_default_of_the_same_path(
    project: Path, tmp_path: Path
) -> None:
    """The project's templates/ folder is searched first, file by file (a ChoiceLoader)."""
    shutil.rmtree(project / "templates")
    out = tmp_path / "out"
    build(project, out, formats="md,html")
    default_md = (out / "md" / "nato.md").read_text()
    partial = project / "templates" / "md" / "partials"
    partial.mkdir(parents=True)
    shipped = REPO / "briefgen" / "templates" / "md" / "partials" / "issue_body.md.j2"
    (partial / "issue_body.md.j2").write_text("OVERRIDDEN BODY\n" + shipped.read_text())
    assert sorted(build(project, out, formats="md,html")) == [
        f"md/{i}.md"
        for i in ("institutions", "nato", "new-start", "sanctions", "ukraine", "us-russia-summit")
    ]  # the Markdown only: the HTML templates did not change
    assert "OVERRIDDEN BODY" in (out / "md" / "nato.md").read_text()
    assert "OVERRIDDEN BODY" not in default_md
    shutil.rmtree(project / "templates")
    build(project, out, formats="md")
    assert (out / "md" / "nato.md").read_text() == default_md


# --- the site: the same machinery ---------------------------------------------------------------


def site(root: Path, *args: str, jobs: int = 0, force: bool = False) -> tuple[str, Path]:
    """Build the HTML site (no PDFs) in-process; its printed summary and folder."""
    import io

    from briefgen.site import SiteOptions, build_site

    out = io.StringIO()
    opts = SiteOptions(pdf=False, jobs=jobs, force=force)
    report = build_site(root, opts, out=out, err=io.StringIO())
    assert report.ok, [d.format() for d in report.diagnostics]
    return out.getvalue(), root / "build" / "site"


def test_site_noop_writes_nothing_and_one_change_matches_a_clean_build(
    project: Path, tmp_path: Path
) -> None:
    _, folder = site(project, jobs=2)
    before = mtimes(project / "build")
    said, _ = site(project)
    assert said.startswith("up to date"), said
    assert mtimes(project / "build") == before
    edit(project / "briefs" / "issues" / "sanctions.yaml", "subtitle: ", "subtitle: Revised, ")
    site(project, jobs=2)
    incremental = snapshot(folder)
    clean = copy_project(tmp_path / "clean")
    shutil.copy2(project / "briefs" / "issues" / "sanctions.yaml", clean / "briefs" / "issues")
    _, clean_folder = site(clean, jobs=1, force=True)
    assert incremental == snapshot(clean_folder)
    assert b"Revised, " in incremental["sanctions.html"]
    shards = [incremental[f] for f in search_files(folder)]
    assert any(b"Revised, " in shard for shard in shards)  # the subtitle is searchable


def test_site_noop_imports_no_weasyprint_and_an_edit_is_seen(project: Path) -> None:
    site(project)
    code = (
        "import io, sys\n"
        "from pathlib import Path\n"
        "from briefgen.site import SiteOptions, build_site\n"
        "out = io.StringIO()\n"
        f"report = build_site(Path({str(project)!r}), SiteOptions(pdf=False), out=out)\n"
        "print(report.ok, out.getvalue().split(':')[0], 'weasyprint' in sys.modules)\n"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True
    )
    assert proc.stdout.strip() == "True up to date False", proc.stdout + proc.stderr
    edit(project / "briefs" / "issues" / "nato.yaml", "subtitle: ", "subtitle: Revised, ")
    said, folder = site(project)
    assert said.startswith("wrote"), said
    assert b"Revised, " in (folder / "nato.html").read_bytes()


def inodes(folder: Path) -> dict[str, int]:
    """Inode of every file: a page carried over from the last site is a hard link to it."""
    return {p.relative_to(folder).as_posix(): p.stat().st_ino for p in folder.rglob("*.*")}


def test_site_listing_pages_are_kept_until_what_they_print_changes(
    project: Path, tmp_path: Path
) -> None:
    """A subtitle is not printed by the index or actor pages: they are kept, not re-rendered;
    a stance is printed on the actor pages: they are rendered again. Both match a clean site."""
    listing = ["index.html", "feed.xml", "sitemap.xml", "actors/russia.html"]
    _, folder = site(project)
    first = inodes(folder)
    issue = project / "briefs" / "issues" / "sanctions.yaml"
    edit(issue, "subtitle: ", "subtitle: Revised, ")
    site(project)
    second = inodes(folder)
    assert all(second[rel] == first[rel] for rel in listing)
    assert second["sanctions.html"] != first["sanctions.html"]
    # The subtitle is searchable: one shard of the index is new, the others are kept.
    assert set(search_files(folder)) != {rel for rel in first if rel.startswith("search/")}
    assert second["search.html"] != first["search.html"]

    stance = re.search(r"^      russia: (\S.*)$", issue.read_text("utf-8"), re.M)
    assert stance is not None
    edit(issue, f"      russia: {stance.group(1)}", "      russia: Moscow now says otherwise")
    site(project)
    third = inodes(folder)
    assert third["actors/russia.html"] != second["actors/russia.html"]
    clean = copy_project(tmp_path / "clean")
    shutil.copy2(issue, clean / "briefs" / "issues")
    _, clean_folder = site(clean, jobs=1, force=True)
    assert snapshot(folder) == snapshot(clean_folder)
    assert b"Moscow now says otherwise" in (folder / "actors" / "russia.html").read_bytes()


@pytest.mark.parametrize("jobs", [1, 2])  # 2: the edit is validated in a forked child
def test_site_validates_a_changed_issue_alone_and_matches_a_clean_site(
    project: Path, tmp_path: Path, full_loads: list[Path], jobs: int
) -> None:
    """After an issue edit the site checks and loads that issue (and what its stale pages
    read), not the whole corpus, and comes out as a clean site would."""
    _, folder = site(project, jobs=jobs)
    assert len(full_loads) == 1
    first = inodes(folder)
    issue = project / "briefs" / "issues" / "new-start.yaml"
    edit(issue, "subtitle: ", "subtitle: Revised, ")
    site(project, jobs=jobs)
    assert len(full_loads) == 1  # only the changed issue was validated
    second = inodes(folder)
    changed = {rel for rel in first if second.get(rel) != first[rel]}
    assert {"new-start.html", "us-russia-summit.html", "search.html"} <= changed
    assert not {"nato.html", "index.html", "actors/russia.html"} & changed
    edit(issue, "title: ", "title: Renamed ")  # printed by the index and by related pages
    site(project, jobs=jobs)
    assert len(full_loads) == 1
    third = inodes(folder)
    assert third["index.html"] != second["index.html"]
    assert third["nato.html"] != second["nato.html"]  # it links to new-start by title
    clean = copy_project(tmp_path / "clean")
    shutil.copy2(issue, clean / "briefs" / "issues")
    _, clean_folder = site(clean, jobs=1, force=True)
    assert snapshot(folder) == snapshot(clean_folder)


@pytest.mark.parametrize("jobs", [1, 2])
def test_site_reports_a_bad_edit_exactly_as_a_full_validation(project: Path, jobs: int) -> None:
    import io

    from briefgen.site import SiteOptions, build_site

    site(project)
    before = snapshot(project / "build" / "site")
    edit(
        project / "briefs" / "issues" / "nato.yaml",
        "principals: [united-states, russia]",
        "principals: [united-states, rusia]",
    )
    opts = SiteOptions(pdf=False, jobs=jobs)
    report = build_site(project, opts, out=io.StringIO(), err=io.StringIO())
    assert snapshot(project / "build" / "site") == before  # nothing written
    shutil.rmtree(project / "build" / ".briefgen")  # no state: a full validation
    full = build_site(project, opts, out=io.StringIO(), err=io.StringIO())
    assert not report.ok
    assert [d.format() for d in report.diagnostics] == [d.format() for d in full.diagnostics]
    assert any("unknown actor 'rusia'" in d.format() for d in report.diagnostics)


def test_site_progress_is_plain_lines_off_a_terminal(project: Path) -> None:
    res = run("-C", project, "site", "-j1")
    assert res.code == 0, res.err
    pages = [x for x in res.err.splitlines() if " page " in x]
    assert len(pages) == 6 and all(re.fullmatch(r"\[\d/6\] page [a-z-]+\.html", x) for x in pages)
    assert "\r" not in res.err and "\x1b" not in res.err
    assert run("-C", project, "site", "-q", "--force").err == ""


@pytest.mark.parametrize("jobs", [1, 2])  # 2: the live site is linked into staging up front
def test_site_with_an_issue_added_then_removed_matches_a_clean_site(
    project: Path, tmp_path: Path, jobs: int
) -> None:
    _, folder = site(project, jobs=jobs)
    extra = project / "briefs" / "issues" / "extra-issue.yaml"
    text = (project / "briefs" / "issues" / "new-start.yaml").read_text("utf-8")
    extra.write_text(re.sub(r"^id: new-start$", "id: extra-issue", text, flags=re.M), "utf-8")
    site(project, jobs=jobs)
    assert (folder / "extra-issue.html").is_file() and (folder / "md" / "extra-issue.md").is_file()
    extra.unlink()
    site(project, jobs=jobs)
    assert not (folder / "extra-issue.html").exists()
    assert not (folder / "md" / "extra-issue.md").exists()
    # a download rewritten by a build between two sites is picked up, not the site's old one
    edit(project / "briefs" / "issues" / "nato.yaml", "subtitle: ", "subtitle: Built, ")
    assert run("-C", project, "build", "-q", "--format", "md").code == 0
    site(project, jobs=jobs)
    assert b"Built, " in (folder / "md" / "nato.md").read_bytes()
    clean = copy_project(tmp_path / "clean")
    shutil.copy2(project / "briefs" / "issues" / "nato.yaml", clean / "briefs" / "issues")
    _, clean_folder = site(clean, jobs=1, force=True)
    assert snapshot(folder) == snapshot(clean_folder)
    assert not [p for p in folder.parent.iterdir() if "staging" in p.name or ".old-" in p.name]
