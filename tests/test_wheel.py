"""Issue 19: what another team gets. The wheel built from this checkout, installed with its
dependencies in a fresh virtual environment outside the checkout, starts a project with
`briefgen init` that validates and builds (Markdown, HTML, a real PDF, the site) at once.

Slow (a wheel build and a `pip install`): conftest marks the whole module.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO

TITLE = "The Grand Ethiopian Renaissance Dam"


@dataclass(frozen=True)
class Installed:
    """A fresh virtual environment holding the wheel, and an empty folder to work in."""

    bin: Path
    work: Path

    def run(self, *args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL"))}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        return subprocess.run(
            [str(a) for a in args],
            cwd=cwd or self.work,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
        )

    def briefgen(
        self, *args: str | Path, cwd: Path | None = None
    ) -> subprocess.CompletedProcess[str]:
        return self.run(self.bin / "briefgen", *args, cwd=cwd)


def _pip(*args: str | Path) -> None:
    res = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600)
    assert res.returncode == 0, res.stdout[-3000:] + res.stderr[-3000:]


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    base = tmp_path_factory.mktemp("wheel")
    # Build from a copy of what a wheel is made of, so the build leaves nothing in the
    # checkout (setuptools writes build/ and *.egg-info beside pyproject.toml).
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, src / name)
    shutil.copytree(
        REPO / "briefgen", src / "briefgen", ignore=shutil.ignore_patterns("__pycache__")
    )
    _pip(sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", base / "dist", src)
    (wheel,) = (base / "dist").glob("briefgen-*.whl")
    venv = base / "venv"
    _pip(sys.executable, "-m", "venv", venv)
    # the lock `make` installs with, so the wheel runs on the versions the goldens know
    lock = REPO / "constraints.txt"
    _pip(venv / "bin" / "python", "-m", "pip", "install", "-q", "-c", lock, wheel)
    work = base / "work"
    work.mkdir()
    return Installed(venv / "bin", work)


def test_the_installed_package_is_not_the_checkout(installed: Installed) -> None:
    res = installed.run(installed.bin / "python", "-c", "import briefgen; print(briefgen.__file__)")
    assert res.returncode == 0, res.stderr
    where = Path(res.stdout.strip())
    assert where.is_relative_to(installed.bin.parent) and not where.is_relative_to(REPO)
    licence = installed.run(
        installed.bin / "python",
        "-c",
        "import importlib.metadata as m; print(m.metadata('briefgen')['License-Expression'])",
    )
    assert licence.stdout.strip() == "MIT"


def test_init_validate_build_site_new(installed: Installed) -> None:
    res = installed.briefgen("init", "nile")
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    root = installed.work / "nile"
    assert (root / "schemas" / "issue.schema.json").is_file()
    assert (root / ".github" / "workflows" / "ci.yml").is_file()

    res = installed.briefgen("validate", cwd=root)
    assert (res.returncode, res.stdout) == (0, "ok: 1 issues, 1 books\n"), res.stderr

    res = installed.briefgen("build", "--quiet", cwd=root)
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    build = root / "build"
    for ident in ("gerd-filling", "nile-waters"):
        for fmt in ("md", "html", "pdf", "docx"):  # docx: the .lua and reference are package data
            assert (build / fmt / f"{ident}.{fmt}").stat().st_size > 500, (ident, fmt)
    md = (build / "md" / "gerd-filling.md").read_text("utf-8")
    assert f"# {TITLE}: Rules for Filling and Drought\n" in md
    assert "| Issue | Sub-topic | Gap |" in md
    html = (build / "html" / "gerd-filling.html").read_text("utf-8")
    assert "INTERNAL — NOT FOR PUBLIC RELEASE" in html

    from pypdf import PdfReader

    for ident in ("gerd-filling", "nile-waters"):
        reader = PdfReader(build / "pdf" / f"{ident}.pdf")
        text = " ".join(" ".join((p.extract_text() or "").split()) for p in reader.pages)
        assert TITLE in text, ident

    res = installed.briefgen("site", "--no-pdf", "--quiet", cwd=root)
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    site = build / "site"
    for page in ("index.html", "gerd-filling.html", "nile-waters.html", "search.html"):
        assert (site / page).is_file(), page
    assert TITLE in (site / "index.html").read_text("utf-8")
    assert "Disallow: /" in (site / "robots.txt").read_text("utf-8")  # an internal site
    assert not (site / "pdf").exists() and not (site / "sitemap.xml").exists()

    res = installed.briefgen("new", "issue", "water-data", cwd=root)
    assert res.returncode == 0, res.stderr
    first = (root / "briefs" / "issues" / "water-data.yaml").read_text("utf-8").splitlines()[0]
    assert first == "# yaml-language-server: $schema=../../schemas/issue.schema.json"
    res = installed.briefgen("validate", cwd=root)  # no source is cited for the author
    assert res.returncode == 1 and "'sources' must have at least 1 items" in res.stderr


def test_a_project_partial_overrides_the_installed_one(installed: Installed) -> None:
    root = installed.work / "override"
    assert installed.briefgen("init", root).returncode == 0
    shipped = installed.run(
        installed.bin / "python",
        "-c",
        "from briefgen.project import BUILTIN_TEMPLATES as T; print(T)",
    ).stdout.strip()
    partial = Path(shipped) / "md" / "partials" / "gap_matrix.md.j2"
    text = partial.read_text("utf-8")
    assert text.startswith("| Issue | Sub-topic | Gap |\n")
    ours = root / "templates" / "md" / "partials" / "gap_matrix.md.j2"
    ours.parent.mkdir(parents=True)
    ours.write_text(text.replace("| Gap |\n", "| Distance |\n", 1), "utf-8")
    res = installed.briefgen("build", "--format", "md", "--quiet", cwd=root)
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    md = (root / "build" / "md" / "gerd-filling.md").read_text("utf-8")
    assert "| Issue | Sub-topic | Distance |" in md and "| Sub-topic | Gap |" not in md


def test_init_refuses_a_folder_with_files(installed: Installed) -> None:
    folder = installed.work / "busy"
    folder.mkdir()
    (folder / "notes.txt").write_text("ours", "utf-8")
    res = installed.briefgen("init", folder)
    assert res.returncode == 2
    assert res.stdout == ""
    assert res.stderr.count("\n") == 1
    assert res.stderr.startswith(f"briefgen init: {folder} is not empty; use --force")
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]


def test_a_missing_template_is_one_message_not_a_traceback(installed: Installed) -> None:
    root = installed.work / "missing"
    assert installed.briefgen("init", root).returncode == 0
    brief = root / "templates" / "md" / "brief.md.j2"
    brief.parent.mkdir(parents=True)
    brief.write_text('{% include "md/partials/nowhere.md.j2" %}\n', "utf-8")
    res = installed.briefgen("build", "--format", "md", "--quiet", cwd=root)
    assert res.returncode == 1
    assert "Traceback" not in res.stderr
    first = res.stderr.splitlines()[0]
    ours = re.escape(str(root.resolve() / "templates"))
    assert re.fullmatch(
        r"templates: error: template 'md/partials/nowhere\.md\.j2' not found "
        rf"\(looked in: {ours}, .+/site-packages/briefgen/templates\)",
        first,
    ), first


LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="40" height="40">'
    '<rect width="10" height="10" fill="#0b6e4f"/></svg>\n'
)


def one_line_error(res: subprocess.CompletedProcess[str], code: int) -> str:
    """The single line a failure prints (stdout empty, no traceback)."""
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr
    lines = [line for line in res.stderr.splitlines() if not line.startswith("1 error(s)")]
    assert len(lines) == 1, res.stderr
    return lines[0]


def test_a_restyled_project_changes_the_pdf_and_the_site(installed: Installed) -> None:
    """The second run: one partial overridden (`templates copy`, then edited), extra_css,
    colours and a logo; the PDF text and the site's page and stylesheets show them."""
    from pypdf import PdfReader

    root = installed.work / "restyled"
    assert installed.briefgen("init", root).returncode == 0
    res = installed.briefgen("templates", "copy", "cover.html.j2", cwd=root)
    assert res.returncode == 0, res.stderr
    cover = root / "templates" / "html" / "partials" / "cover.html.j2"
    cover.write_text(
        cover.read_text("utf-8").replace(
            '<p class="kicker">', '<p class="kicker">Restyled for the Nile desk: '
        ),
        "utf-8",
    )
    listed = installed.briefgen("templates", "list", cwd=root).stdout
    assert re.search(
        r"^html/partials/cover\.html\.j2 +overridden by templates/html/partials/cover\.html\.j2$",
        listed,
        re.M,
    ), listed
    (root / "theme").mkdir()
    (root / "theme" / "logo.svg").write_text(LOGO, "utf-8")
    (root / "theme" / "extra.css").write_text(
        ".cover .doc-title { text-transform: uppercase; } /* wheel-extra */\n", "utf-8"
    )
    with (root / "briefgen.yaml").open("a", encoding="utf-8") as fh:
        fh.write(
            "theme:\n"
            "  organisation: Nile Basin Policy Unit\n"
            "  logo: theme/logo.svg\n"
            '  colors: {accent: "#0b6e4f"}\n'
            "  extra_css: [theme/extra.css]\n"
        )
    res = installed.briefgen("build", "--quiet", cwd=root)
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    reader = PdfReader(root / "build" / "pdf" / "gerd-filling.pdf")
    first = " ".join((reader.pages[0].extract_text() or "").split())
    assert "RESTYLED FOR THE NILE DESK: ISSUE BRIEF" in first  # the partial (kicker: capitals)
    assert "Nile Basin Policy Unit" in first  # the organisation
    assert TITLE.upper() in first  # extra_css: the title in capitals
    assert reader.pages[0]["/Resources"].get("/XObject"), "the logo is drawn on the cover"

    res = installed.briefgen("site", "--no-pdf", "--quiet", cwd=root)
    assert (res.returncode, res.stderr) == (0, ""), res.stderr
    site = root / "build" / "site"
    page = (site / "gerd-filling.html").read_text("utf-8")
    assert "Restyled for the Nile desk" in page
    assert '<link rel="stylesheet" href="assets/theme.css">' in page
    assert '<link rel="stylesheet" href="assets/extra/01-extra.css">' in page
    assert '<img class="site-logo" src="assets/logo.svg" alt="">' in page
    assert "--accent: #0b6e4f;" in (site / "assets" / "theme.css").read_text("utf-8")
    assert "wheel-extra" in (site / "assets" / "extra" / "01-extra.css").read_text("utf-8")
    assert (site / "assets" / "logo.svg").read_text("utf-8") == LOGO


def test_an_unknown_template_name_is_one_line_and_exit_2(installed: Installed) -> None:
    root = installed.work / "unknown-template"
    assert installed.briefgen("init", root).returncode == 0
    res = installed.briefgen("templates", "copy", "covr.html.j2", cwd=root)
    assert res.stdout == ""
    assert one_line_error(res, 2) == (
        "briefgen templates: no default template 'covr.html.j2' "
        "(did you mean 'html/partials/cover.html.j2'?); `briefgen templates list` names them"
    )


def test_a_missing_logo_is_one_located_line_and_exit_1(installed: Installed) -> None:
    root = installed.work / "missing-logo"
    assert installed.briefgen("init", root).returncode == 0
    with (root / "briefgen.yaml").open("a", encoding="utf-8") as fh:
        fh.write("theme:\n  logo: theme/logo.svg\n")
    line = len((root / "briefgen.yaml").read_text("utf-8").splitlines())
    for command in (("validate",), ("build", "--quiet"), ("site", "--quiet")):
        res = installed.briefgen(*command, cwd=root)
        assert one_line_error(res, 1) == (
            f"briefgen.yaml:{line}:9: error: file 'theme/logo.svg' not found"
        ), command
