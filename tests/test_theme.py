"""Issue 19: a project restyles briefgen without copying templates: briefgen.yaml's `theme:`
(organisation, logo, colours, fonts, extra_css) reaches the HTML, the PDF and the site; a
missing or unsafe logo or stylesheet is one located error; without a theme nothing changes."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run

TODAY = "2025-09-01"
LOGO = (
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="40" height="40">'
    '<circle cx="5" cy="5" r="4" fill="#0b6e4f"/></svg>\n'
)
EXTRA = ".cover h1.doc-title { text-transform: uppercase; } /* extra-css-marker */\n"
THEME = """theme:
  organisation: Nile Basin Policy Unit
  logo: theme/logo.svg
  colors: {accent: "#0b6e4f", link: "#0a5c42"}
  fonts: {sans: [DejaVu Sans, sans-serif]}
  extra_css: [theme/extra.css]
"""


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_TODAY", TODAY)


def started(tmp_path: Path, theme: str = THEME) -> Path:
    """A `briefgen init` project with `theme` appended to its briefgen.yaml and its files."""
    root = tmp_path / "p"
    assert run("init", root).code == 0
    (root / "theme").mkdir()
    (root / "theme" / "logo.svg").write_text(LOGO, "utf-8")
    (root / "theme" / "extra.css").write_text(EXTRA, "utf-8")
    with (root / "briefgen.yaml").open("a", encoding="utf-8") as fh:
        fh.write(theme)
    return root


def line_of(root: Path, text: str) -> int:
    lines = (root / "briefgen.yaml").read_text("utf-8").splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line and not line.startswith("#"))


def test_the_theme_reaches_the_standalone_html(tmp_path: Path) -> None:
    root = started(tmp_path)
    res = run("-C", root, "build", "--format", "md,html", "-j", "1", "--quiet")
    assert (res.code, res.err) == (0, "")
    html = (root / "build/html/gerd-filling.html").read_text("utf-8")
    style = html.split("<style>", 1)[1].split("</style>", 1)[0]
    # the variables come after brief.css's defaults, the extra stylesheet after them
    assert style.index("--accent: #1f3a5f;") < style.index("--accent: #0b6e4f;")
    assert '--sans: "DejaVu Sans", sans-serif;' in style
    assert style.index("--link: #0a5c42;") < style.index("extra-css-marker")
    assert ".cover-logo {" in style  # the brand rules, only for a project with a brand
    cover = html.split('<header class="cover">', 1)[1].split("</header>", 1)[0]
    assert '<p class="organisation">Nile Basin Policy Unit</p>' in cover
    assert re.search(
        r'<img class="cover-logo" src="data:image/svg\+xml;base64,[A-Za-z0-9+/=]+"', cover
    )
    md = (root / "build/md/gerd-filling.md").read_text("utf-8")
    assert "Nile Basin" not in md  # Markdown has no look


def test_without_a_theme_the_brief_is_the_default(tmp_path: Path) -> None:
    root = started(tmp_path, theme="")
    assert run("-C", root, "build", "--format", "html", "-j", "1", "--quiet").code == 0
    html = (root / "build/html/gerd-filling.html").read_text("utf-8")
    assert "cover-brand" not in html and "cover-logo" not in html
    assert html.count("--accent:") == 1


def test_editing_the_extra_css_rebuilds_html_not_markdown(tmp_path: Path) -> None:
    root = started(tmp_path)
    assert run("-C", root, "build", "--format", "md,html", "-j", "1", "--quiet").code == 0
    (root / "theme" / "extra.css").write_text(EXTRA.replace("uppercase", "lowercase"), "utf-8")
    res = run("-C", root, "build", "--format", "md,html", "-j", "1")
    assert res.code == 0, res.err
    assert "wrote build/html/gerd-filling.html" in res.out
    assert "build/md/" not in res.out
    assert "text-transform: lowercase" in (root / "build/html/gerd-filling.html").read_text("utf-8")
    again = run("-C", root, "build", "--format", "md,html", "-j", "1")
    assert again.out.startswith("up to date"), again.out


def test_a_missing_logo_or_stylesheet_is_one_located_error(tmp_path: Path) -> None:
    root = started(tmp_path)
    (root / "theme" / "logo.svg").unlink()
    (root / "theme" / "extra.css").unlink()
    for command in (["validate"], ["build", "--format", "html", "--quiet"]):
        res = run("-C", root, *command)
        assert res.code == 1
        assert "Traceback" not in res.err
        lines = res.err.splitlines()
        assert lines[0] == (
            f"briefgen.yaml:{line_of(root, 'logo:')}:9: error: file 'theme/logo.svg' not found"
        )
        assert lines[1] == (
            f"briefgen.yaml:{line_of(root, 'extra_css:')}:15: error: "
            "file 'theme/extra.css' not found"
        )


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        (
            LOGO.replace("<circle", "<script>alert(1)</script><circle"),
            "holds a <script> element; SVG logos may not",
        ),
        (
            LOGO.replace("<circle", '<circle onclick="x()"'),
            "has an event handler (onclick) on <circle>",
        ),
        (
            LOGO.replace("<circle", '<a href="https://evil.example/"><circle').replace(
                "</svg>", "</a></svg>"
            ),
            "holds a <a> element; SVG logos may not",
        ),
        (
            LOGO.replace('fill="#0b6e4f"', 'fill="url(https://x.example/p)"'),
            "refers to an external resource from <circle>",
        ),
        ('<!DOCTYPE svg [<!ENTITY a "aaaa">]>' + LOGO, "is not a well-formed SVG without a DTD"),
        (
            LOGO.replace("<circle", "<foreignObject/><circle"),
            "holds a <foreignObject> element; SVG logos may not",
        ),
        ("<html><body/></html>", "is not an SVG document (its root is not <svg>)"),
        ("<svg", "logo 'theme/logo.svg' is not a well-formed SVG without a DTD"),
    ],
)
def test_an_unsafe_svg_logo_is_refused(tmp_path: Path, svg: str, message: str) -> None:
    root = started(tmp_path)
    (root / "theme" / "logo.svg").write_text(svg, "utf-8")
    res = run("-C", root, "validate")
    assert res.code == 1
    first = res.err.splitlines()[0]
    assert first.startswith(f"briefgen.yaml:{line_of(root, 'logo:')}:9: error: "), first
    assert message in first, first


def test_a_logo_must_be_what_its_name_says_and_stay_in_the_project(tmp_path: Path) -> None:
    root = started(tmp_path, THEME.replace("theme/logo.svg", "theme/logo.png"))
    (root / "theme" / "logo.png").write_text(LOGO, "utf-8")
    res = run("-C", root, "validate")
    assert "error: theme/logo.png is not image/png data" in res.err
    outside = tmp_path / "secret.png"
    outside.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 64)
    (root / "theme" / "logo.png").unlink()
    (root / "theme" / "logo.png").symlink_to(outside)
    res = run("-C", root, "validate")
    assert "error: theme/logo.png: file is a link to a place outside the project" in res.err
    (root / "theme" / "logo.png").unlink()
    (root / "theme" / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * (256 * 1024))
    res = run("-C", root, "validate")
    assert "the limit is 262144 bytes" in res.err, res.err


def test_a_stylesheet_may_not_close_the_style_element(tmp_path: Path) -> None:
    root = started(tmp_path)
    (root / "theme" / "extra.css").write_text("p{}</style><script>x()</script>", "utf-8")
    res = run("-C", root, "validate")
    assert res.code == 1
    assert res.err.splitlines()[0].endswith(
        "error: theme/extra.css may not contain '</' (it is inlined into each brief's <style>)"
    )
    (root / "theme" / "extra.css").write_text('@import "other.css";', "utf-8")
    assert "may not @import" in run("-C", root, "validate").err


@pytest.mark.parametrize(
    ("theme", "where"),
    [
        ('theme:\n  colors: {accent: "red; } body { x: y"}\n', "accent"),
        ("theme:\n  fonts: {serif: ['Evil\"; } *{']}\n", "serif"),
        ("theme:\n  logo: ../outside.svg\n", "logo"),
        ("theme:\n  extra_css: [/etc/passwd.css]\n", "extra_css"),
        ("theme:\n  colour: {accent: '#fff'}\n", "colour"),
    ],
)
def test_theme_values_that_could_inject_css_are_schema_errors(
    tmp_path: Path, theme: str, where: str
) -> None:
    root = started(tmp_path, theme)
    res = run("-C", root, "validate")
    assert res.code == 1
    first = res.err.splitlines()[0]
    assert first.startswith(f"briefgen.yaml:{line_of(root, where)}:"), first


def test_the_site_links_the_theme_and_shows_the_brand(tmp_path: Path) -> None:
    root = started(tmp_path)
    res = run("-C", root, "site", "--no-pdf", "-j", "1", "--quiet")
    assert (res.code, res.err) == (0, "")
    site = root / "build/site"
    assert (site / "assets/logo.svg").read_text("utf-8") == LOGO
    assert (site / "assets/extra/01-extra.css").read_text("utf-8") == EXTRA
    theme_css = (site / "assets/theme.css").read_text("utf-8")
    assert theme_css.startswith(":root {\n  --accent: #0b6e4f;\n  --link: #0a5c42;\n")
    assert ".site-logo {" in theme_css
    for page, up in (("index.html", ""), ("gerd-filling.html", ""), ("actors/egypt.html", "../")):
        html = (site / page).read_text("utf-8")
        links = re.findall(r'<link rel="stylesheet" href="([^"]+)">', html)
        assert links == [
            f"{up}assets/site.css",
            f"{up}assets/theme.css",
            f"{up}assets/extra/01-extra.css",
        ], page
        header = html.split('<header class="site-header">', 1)[1].split("</header>", 1)[0]
        assert f'<img class="site-logo" src="{up}assets/logo.svg" alt="">' in header, page
        assert '<span class="site-organisation">Nile Basin Policy Unit</span>' in header
    brief = (site / "gerd-filling.html").read_text("utf-8")
    assert '<img class="cover-logo" src="assets/logo.svg" alt="">' in brief  # not inlined
    assert "<style" not in brief  # the CSP allows no inline style


def test_a_site_without_a_theme_links_only_its_own_stylesheet(tmp_path: Path) -> None:
    root = started(tmp_path, theme="")
    assert run("-C", root, "site", "--no-pdf", "-j", "1", "--quiet").code == 0
    site = root / "build/site"
    assert not (site / "assets/theme.css").exists() and not (site / "assets/extra").exists()
    html = (site / "index.html").read_text("utf-8")
    assert re.findall(r'<link rel="stylesheet" href="([^"]+)">', html) == ["assets/site.css"]
    assert "site-brand" not in html


def test_the_pdf_shows_the_organisation_and_the_logo(tmp_path: Path) -> None:
    from pypdf import PdfReader

    root = started(tmp_path)
    res = run("-C", root, "build", "--format", "pdf", "-j", "1", "--quiet")
    assert (res.code, res.err) == (0, "")
    cover = PdfReader(root / "build/pdf/gerd-filling.pdf").pages[0]
    assert "Nile Basin Policy Unit" in (cover.extract_text() or "")
    assert "RENAISSANCE DAM" in (cover.extract_text() or "")  # extra_css: text-transform
    resources = cover["/Resources"]
    xobjects = resources.get("/XObject", {}) if resources else {}
    assert xobjects, "the logo is drawn on the cover"


def test_the_word_brief_takes_the_theme(tmp_path: Path) -> None:
    """Colours and faces replace the default theme's in every Word style but the ones whose
    colour means something (confidence, gap); the cover shows the logo and organisation."""
    import zipfile

    from docx import Document

    root = started(tmp_path)
    res = run("-C", root, "build", "--format", "docx", "-j", "1", "--quiet")
    assert (res.code, res.err) == (0, "")
    path = root / "build/docx/gerd-filling.docx"
    doc = Document(str(path))
    style = doc.styles
    for name in ("Heading 1", "Heading 2", "Cover Title", "Organisation"):
        assert (style[name].font.name, str(style[name].font.color.rgb)) == ("DejaVu Sans", "0B6E4F")
    assert str(style["Hyperlink"].font.color.rgb) == "0A5C42"  # theme link
    moderate = style["Confidence Moderate"].font
    assert (moderate.name, str(moderate.color.rgb)) == ("DejaVu Sans", "1F4F8F")  # meaning kept
    assert style["Normal"].font.name == "PT Serif"  # the theme sets no serif face
    top = doc.paragraphs[:4]
    assert [p.style.name for p in top[1:3]] == ["Organisation", "Organisation"]
    assert top[1]._p.xpath(".//pic:pic"), "the logo is on the cover"
    assert top[2].text == "Nile Basin Policy Unit"
    body = zipfile.ZipFile(path).read("word/document.xml").decode()
    assert 'w:fill="0B6E4F"' in body and 'w:fill="1F3A5F"' not in body  # table header rows
    assert "1F3A5F" not in zipfile.ZipFile(path).read("word/styles.xml").decode()


def test_a_word_brief_without_a_theme_keeps_the_default_look(tmp_path: Path) -> None:
    from docx import Document

    root = tmp_path / "p"
    assert run("init", root).code == 0
    res = run("-C", root, "build", "--format", "docx", "-j", "1", "--quiet")
    assert (res.code, res.err) == (0, "")
    doc = Document(str(root / "build/docx/gerd-filling.docx"))
    h1 = doc.styles["Heading 1"].font
    assert (h1.name, str(h1.color.rgb)) == ("PT Sans", "1F3A5F")
    assert "Organisation" not in {p.style.name for p in doc.paragraphs}
