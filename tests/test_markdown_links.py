"""Issue 23: every link of a Markdown brief resolves where readers open it, on GitHub (rendered
here with Debian's cmark-gfm, the GFM reference renderer, plus GitHub's heading ids) and with
pandoc's gfm reader; no heading carries a footnote marker."""

from __future__ import annotations

import re
import shutil
import subprocess
import unicodedata
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.conftest import run

CMARK = shutil.which("cmark-gfm")
PANDOC = shutil.which("pandoc")
NEEDS = "install Debian's cmark-gfm and pandoc: bash scripts/system-deps.sh test"


class _Links(HTMLParser):
    """Every href, every id, and the text of every heading, in order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.hrefs: list[str] = []
        self.ids: set[str] = set()
        self.headings: list[str] = []
        self.heading_sups: list[str] = []
        self._heading: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if a.get("href"):
            self.hrefs.append(a["href"] or "")
        if a.get("id"):
            self.ids.add(a["id"] or "")
        if re.fullmatch(r"h[1-6]", tag):
            self._heading = []
        elif tag == "sup" and self._heading is not None:
            self.heading_sups.append("".join(self._heading))

    def handle_endtag(self, tag: str) -> None:
        if re.fullmatch(r"h[1-6]", tag) and self._heading is not None:
            self.headings.append("".join(self._heading))
            self._heading = None

    def handle_data(self, data: str) -> None:
        if self._heading is not None:
            self._heading.append(data)


def github_ids(headings: list[str]) -> set[str]:
    """The ids GitHub gives headings (github-slugger): lower case, Unicode punctuation and
    symbols dropped but '-' and '_', spaces to '-', repeats numbered -1, -2, ..."""
    seen: dict[str, int] = {}
    out = set()
    for text in headings:
        slug = "".join(
            c
            for c in text.strip().lower()
            if c in "-_ " or unicodedata.category(c)[0] not in "PSZC"
        ).replace(" ", "-")
        n = seen.get(slug, 0)
        seen[slug] = n + 1
        out.add(slug if n == 0 else f"{slug}-{n}")
    return out


def parsed(html: str) -> _Links:
    p = _Links()
    p.feed(html)
    p.close()
    return p


@pytest.fixture(scope="module")
def markdown(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped briefs built as Markdown only (no PDF: seconds)."""
    from tests.conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("md") / "proj")
    res = run("-C", root, "build", "--format", "md", "--quiet")
    assert res.code == 0, res.err
    return root / "build" / "md"


def unresolved(md: Path, html: str, ids: set[str]) -> list[str]:
    """Links of one rendered brief that lead nowhere: a missing anchor or file."""
    bad = []
    for href in parsed(html).hrefs:
        if href.startswith(("http://", "https://", "mailto:")):
            continue
        path, _, anchor = href.partition("#")
        missing = not (md.parent / path).is_file() if path else anchor not in ids
        if missing:
            bad.append(href)
    return bad


def test_every_link_resolves_on_github_cmark_gfm(markdown: Path) -> None:
    assert CMARK, NEEDS
    files = sorted(markdown.glob("*.md"))
    assert len(files) >= 6
    for md in files:
        html = subprocess.run(
            [CMARK, "-e", "footnotes", "-e", "table", "-e", "strikethrough", "-e", "autolink", md],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        page = parsed(html)
        ids = page.ids | github_ids(page.headings)
        assert unresolved(md, html, ids) == [], md.name
        assert page.heading_sups == [], f"{md.name}: footnote markers in headings"
        assert not any(re.search(r"\[\^\d+\]", h) for h in page.headings), md.name
    book = (markdown / "us-russia-summit.md").read_text("utf-8")
    assert len(re.findall(r"\]\(#issue-\d", book)) == 14  # related issues inside the book


def test_every_link_resolves_with_pandoc_gfm(markdown: Path) -> None:
    assert PANDOC, NEEDS
    for md in sorted(markdown.glob("*.md")):
        html = subprocess.run(
            [PANDOC, "-f", "gfm", "-t", "html", md], capture_output=True, text=True, check=True
        ).stdout
        page = parsed(html)
        assert unresolved(md, html, page.ids) == [], md.name


def test_a_chapter_link_breaks_when_the_heading_moves(markdown: Path, tmp_path: Path) -> None:
    # The check can fail: a link to the HTML-only id of a chapter resolves nowhere.
    assert CMARK, NEEDS
    md = tmp_path / "book.md"
    md.write_text("## Issue 1: Ukraine\n\nSee [Ukraine](#ukraine).\n", "utf-8")
    html = subprocess.run([CMARK, md], capture_output=True, text=True, check=True).stdout
    page = parsed(html)
    assert unresolved(md, html, page.ids | github_ids(page.headings)) == ["#ukraine"]
