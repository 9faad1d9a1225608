"""Issue 23: what site readers see, in real headless Chromium. The site is published with its
base URL under a sub-path (as on GitHub Pages) and served from there by a host that answers a
missing page with 404.html; every page kind is looked at on a phone (390 px) and a desktop
(1280 px), light and dark, and compared with stored screenshots (tests/golden/site/, refreshed
by `make golden`)."""

from __future__ import annotations

import io
import os
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageStat
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from tests.conftest import run
from tests.test_site import with_build
from tests.test_site_browser import AXE, WAIT, driver, emulate, load, screenshot, serve_under

__all__ = ["driver"]  # the browser fixture, shared with test_site_browser

SUBPATH = "pages/sub/"
BASE_URL = f"https://briefs.example.org/{SUBPATH}"
TODAY = "2026-03-01"  # the shipped issues' reviews fell due on 6 February 2026
PHONE = (390, 844)
DESKTOP = (1280, 900)
GOLDEN = Path(__file__).parent / "golden" / "site"
UPDATE = bool(os.environ.get("BRIEFGEN_UPDATE_GOLDEN"))
ISSUES = ["ukraine", "nato", "sanctions", "new-start", "institutions"]
# Every kind of page: index, actors index, actor, issue, book, search, a missing page.
KINDS = {
    "index": "index.html",
    "actors": "actors/index.html",
    "actor": "actors/russia.html",
    "issue": "nato.html",
    "book": "us-russia-summit.html",
    "search": "search.html?q=crimea",
    "404": "actors/missing.html",
}


@pytest.fixture(scope="module")
def published(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content published with a Pages sub-path as its base URL."""
    root = with_build(built, tmp_path_factory.mktemp("layout") / "proj")
    cfg = root / "briefgen.yaml"
    cfg.write_text(cfg.read_text("utf-8").replace("https://briefs.example.org/", BASE_URL), "utf-8")
    res = run("-C", root, "site", "--today", TODAY)
    assert res.code == 0, res.err
    return root / "build" / "site"


class _Host(SimpleHTTPRequestHandler):
    """Static files; a missing one gets the site's 404.html, as GitHub Pages does."""

    site: Path

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        if code != 404:
            super().send_error(code, message, explain)
            return
        body = (self.site / "404.html").read_bytes()
        self.send_response(404)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def base(published: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The site on a loopback host at /pages/sub/ (its base URL's path)."""
    handler = type("Host", (_Host,), {"site": published})
    with serve_under(published, tmp_path_factory.mktemp("www"), SUBPATH, handler) as url:
        yield url


def open_page(drv: webdriver.Chrome, url: str) -> None:
    """Load a page; on the search page, wait for its results."""
    load(drv, url)
    if "search.html?q=" in url:  # the status line says how many results, or none
        WebDriverWait(drv, WAIT).until(lambda d: d.find_element(By.ID, "search-status").text)


def js(drv: webdriver.Chrome, script: str, *args: Any) -> Any:
    return drv.execute_script(script, *args)


# --- no page scrolls sideways, the bottom line comes first -----------------------------------


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_no_page_kind_scrolls_sideways_on_a_phone(
    driver: webdriver.Chrome, base: str, dark: bool
) -> None:
    emulate(driver, *PHONE, dark=dark)
    wide = {}
    for kind, page in KINDS.items():
        open_page(driver, base + page)
        sizes = js(driver, "return [document.scrollingElement.scrollWidth, window.innerWidth]")
        if sizes[0] > sizes[1]:
            wide[kind] = sizes
    assert wide == {}


def test_bottom_line_is_on_the_first_screen_at_1280(driver: webdriver.Chrome, base: str) -> None:
    emulate(driver, *DESKTOP)
    tops = {}
    for ident in [*ISSUES, "us-russia-summit"]:
        open_page(driver, f"{base}{ident}.html")
        tops[ident] = js(
            driver,
            "const b = document.querySelector("
            "'.top-sheet, .brief > .summary, .issue-body > .bluf');"
            "return b.getBoundingClientRect().top + window.scrollY;",
        )
    assert all(top < 800 for top in tops.values()), tops


def test_contents_stay_beside_the_text_and_tables_use_the_width(
    driver: webdriver.Chrome, base: str
) -> None:
    emulate(driver, *DESKTOP)
    open_page(driver, base + "us-russia-summit.html")
    toc, text, table = (
        js(driver, f"return document.querySelector('{sel}').getBoundingClientRect().toJSON()")
        for sel in (".brief > .toc", ".brief > .summary", ".positions-table")
    )
    assert toc["right"] <= text["left"], "the contents sit beside the text"
    assert table["width"] >= 900, table  # not an 830 px column with 450 px to spare
    js(driver, "document.getElementById('nato').scrollIntoView()")
    toc = js(driver, "return document.querySelector('.brief > .toc').getBoundingClientRect().top")
    assert 0 <= toc < 100, "the contents stay in view deep in the book"
    # Each chapter ends with the way to the previous and next ones and back to the contents.
    nav = driver.find_elements(By.CSS_SELECTOR, "#nato .chapter-nav a")
    hrefs = [(a.get_attribute("href") or "").rsplit("#", 1)[-1] for a in nav]
    assert hrefs == ["ukraine", "toc-title", "sanctions"]


# --- phones: cards and figures ----------------------------------------------------------------


def test_stance_tables_become_cards_and_figures_scroll_with_a_cue(
    driver: webdriver.Chrome, base: str
) -> None:
    emulate(driver, *PHONE)
    open_page(driver, base + "nato.html")
    card = js(
        driver,
        "const tr = document.querySelector('.positions-table tbody tr[id]');"
        "const td = tr.querySelector('td[data-label]');"
        "return [getComputedStyle(tr).display, tr.getBoundingClientRect().width,"
        " getComputedStyle(td, '::before').content, td.getBoundingClientRect().width];",
    )
    assert card[0] == "block" and card[1] <= PHONE[0], card
    assert card[2] == '"United States"' and card[3] > 300, card  # the stance under its actor
    empty = js(
        driver,
        "return [...document.querySelectorAll('.positions-table td')]"
        ".filter(td => td.querySelector('.none') && td.offsetParent !== null).length",
    )
    assert empty == 0, "cells without a stance are left out of the cards"
    fig = js(
        driver,
        "const f = document.querySelector('.figure:has(svg.gap-matrix)');"
        "const t = f.querySelector('svg text');"
        "return [f.scrollWidth, f.clientWidth, getComputedStyle(f, '::before').content,"
        " t.getBoundingClientRect().height];",
    )
    assert fig[0] > fig[1], "the figure keeps its size and scrolls inside its frame"
    assert "Scroll sideways" in fig[2]
    assert fig[3] >= 8, f"figure text {fig[3]:.1f} px tall"


# --- the 404 page in a sub-folder ---------------------------------------------------------------


def test_404_in_a_sub_folder_keeps_its_styles_and_links(
    driver: webdriver.Chrome, base: str
) -> None:
    emulate(driver, *DESKTOP)
    open_page(driver, base + "actors/no/such/page.html")
    assert driver.find_element(By.TAG_NAME, "h1").text == "Page not found"
    bg = js(
        driver,
        "return getComputedStyle(document.querySelector('.site-header'))[arguments[0]]",
        "backgroundColor",
    )
    assert bg == "rgb(31, 58, 95)", "the stylesheet loaded from the site's root path"
    driver.find_element(By.LINK_TEXT, "See every brief").click()
    WebDriverWait(driver, WAIT).until(lambda d: d.current_url == base + "index.html")


# --- search ----------------------------------------------------------------------------------


def results(drv: webdriver.Chrome, base: str, query: str) -> list[dict[str, Any]]:
    """The results of one query: link, title, snippet text and its marked words."""
    open_page(drv, f"{base}search.html?q={query}")
    return list(
        js(
            drv,
            "return [...document.querySelectorAll('#search-results li')].map(li => ({"
            " href: li.querySelector('a').getAttribute('href'),"
            " title: li.querySelector('a').textContent,"
            " text: (li.querySelector('.hit-text') || {}).textContent || '',"
            " marks: [...li.querySelectorAll('mark')].map(m => m.textContent)}))",
        )
    )


def test_search_phrases_hyphens_snippets_and_marks(driver: webdriver.Chrome, base: str) -> None:
    emulate(driver, *DESKTOP)
    crimea = results(driver, base, "crimea")
    assert crimea[0]["href"] == "ukraine.html#ukraine--row-crimea", crimea[0]
    assert crimea[0]["title"] == "Status of Crimea"
    assert "United States: Crimea must revert" in crimea[0]["text"]  # a row, not a table
    sections = {
        (s[0], s[2])
        for p in js(driver, "return window.briefgenSearch")
        for s in p["s"]
        if s[0] and s[2]
    }
    for hit in crimea:
        assert all(m.lower() == "crimea" for m in hit["marks"]), hit
        if not hit["text"].startswith("… "):
            continue
        shown = hit["text"][2:].removesuffix(" …")
        whole = next(t for a, t in sections if hit["href"].endswith("#" + a) and shown in t)
        before = whole[: whole.index(shown)]
        assert before.endswith(" "), f"snippet starts mid-word: {shown[:40]!r}"
    assert any(h["marks"] for h in crimea[:3])
    # A quoted phrase finds the words together, in order; apart they do not count.
    phrase = results(driver, base, '"article 5"')
    assert phrase and all("article 5" in (h["title"] + " " + h["text"]).lower() for h in phrase), (
        phrase
    )
    assert "Article 5" in {m for h in phrase for m in h["marks"]}
    assert not results(driver, base, '"5 article"')
    # A hyphenated word finds the words it joins: new-start is "New START".
    hyphen = results(driver, base, "new-start")
    assert hyphen and hyphen[0]["href"].startswith("new-start.html"), hyphen[:2]
    assert any(m == "New START" for h in hyphen for m in h["marks"])


# --- the index ---------------------------------------------------------------------------------


def test_index_lists_issues_as_the_book_does_and_shows_overdue_reviews(
    driver: webdriver.Chrome, base: str
) -> None:
    emulate(driver, *DESKTOP)
    open_page(driver, base + "index.html")
    cards = driver.find_elements(By.CSS_SELECTOR, "#issues .card")
    hrefs = [c.find_element(By.CSS_SELECTOR, "a").get_attribute("href") or "" for c in cards]
    assert [h.rsplit("/", 1)[-1] for h in hrefs] == [f"{i}.html" for i in ISSUES]
    overdue = [c.find_element(By.CSS_SELECTOR, ".card-overdue").text for c in cards]
    assert overdue == ["Review overdue since 6 February 2026"] * 5
    heights = {
        round(
            js(
                driver,
                "return arguments[0].getBoundingClientRect().height",
                c.find_element(By.CSS_SELECTOR, ".card-summary"),
            )
        )
        for c in cards
    }
    assert max(heights) <= 4 * 26, heights  # four lines at most: excerpts stay even
    dark = js(driver, "return getComputedStyle(document.getElementById('site-q')).backgroundColor")
    emulate(driver, *DESKTOP, dark=True)
    open_page(driver, base + "index.html")
    box = js(driver, "return getComputedStyle(document.getElementById('site-q')).backgroundColor")
    assert dark == "rgb(255, 255, 255)" and box != dark, "the search box follows dark mode"
    assert not driver.find_elements(By.CSS_SELECTOR, ".site-footer a[href$='sitemap.xml']")


# --- touch targets (WCAG 2.2 target size) -----------------------------------------------------

# Each source number and download button on the page that is too small for a finger (under
# 24 x 24 CSS px) and is not a word in a sentence (axe's rule: its block holds more plain text
# than other links' text) must keep every other target outside a 24 px circle round its centre.
CRAMPED_TARGETS = """
const targets = [...document.querySelectorAll('a[href], button, input, summary')]
  .filter(e => e.getClientRects().length);
const inSentence = el => {
  const block = el.closest('p, li, td, th, dd, dt, caption, figcaption, h2, h3, h4, div');
  let plain = 0, linked = 0;
  const walk = n => { for (const c of n.childNodes) {
    if (c.nodeType === 3) plain += c.textContent.trim().length;
    else if (c.nodeType !== 1 || c === el) continue;
    else if (c.matches('a, button, input')) linked += c.textContent.trim().length;
    else walk(c);
  } };
  walk(block);
  return plain > linked;
};
return [...document.querySelectorAll('a.noteref, a.download')].filter(e => {
  const r = e.getBoundingClientRect();
  if (!r.width || (r.width >= 24 && r.height >= 24) || inSentence(e)) return false;
  const x = r.left + r.width / 2, y = r.top + r.height / 2;
  return targets.some(o => o !== e && !o.contains(e) && [...o.getClientRects()].some(q =>
    Math.hypot(Math.max(q.left - x, 0, x - q.right), Math.max(q.top - y, 0, y - q.bottom)) < 12));
}).map(e => [e.closest('[id]')?.id, e.textContent, e.getBoundingClientRect().toJSON()]);
"""


def axe_rules(drv: webdriver.Chrome, *rules: str) -> dict[str, list[str]]:
    """axe-core's violations of the given rules on the open page: rule -> offending nodes."""
    drv.execute_script(AXE.read_text("utf-8"))
    found = drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'rule', values: arguments[0]}})"
        ".then(r => done(r.violations.map(v => [v.id, v.nodes.map(n => n.target.join(' '))])),"
        " e => done([['error', [String(e)]]]));",
        list(rules),
    )
    return {rule: nodes[:5] for rule, nodes in found}


def test_touch_targets_are_big_enough_or_far_enough_apart(
    driver: webdriver.Chrome, base: str
) -> None:
    cramped, axe_found = {}, {}
    for size in (PHONE, DESKTOP):
        emulate(driver, *size)
        for page in [*KINDS.values(), "actors/united-states.html"]:
            open_page(driver, base + page)
            # each chapter of a book holds its content (no box smaller than what it lays out,
            # as content-visibility's placeholders were): what a checker measures is on screen
            spill = js(
                driver,
                "return [...document.querySelectorAll('.chapter')].filter(c =>"
                " c.lastElementChild.getBoundingClientRect().bottom"
                " > c.getBoundingClientRect().bottom + 1).map(c => c.id)",
            )
            assert spill == [], f"{page}: chapters smaller than their content: {spill}"
            if found := js(driver, CRAMPED_TARGETS):
                cramped[f"{page}@{size[0]}"] = found
            if found := axe_rules(driver, "target-size", "color-contrast"):
                axe_found[f"{page}@{size[0]}"] = found
    assert cramped == {}
    assert axe_found == {}


# --- overdue reviews --------------------------------------------------------------------------


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_issue_pages_and_book_chapters_show_an_overdue_review(
    driver: webdriver.Chrome, base: str, dark: bool
) -> None:
    emulate(driver, *PHONE, dark=dark)
    for ident in ISSUES:
        open_page(driver, f"{base}{ident}.html")
        note = js(
            driver,
            "const n = document.querySelector('.cover .overdue-note');"
            "if (!n) return null; const s = getComputedStyle(n);"
            "return [n.textContent, n.getBoundingClientRect().top, s.color, s.backgroundColor,"
            " getComputedStyle(document.body).backgroundColor];",
        )
        assert note is not None, f"{ident}.html says nothing of its overdue review"
        text, top, ink, paper, page = note
        assert text == "Review overdue since 6 February 2026: last reviewed 10 August 2025."
        assert top < PHONE[1], f"{ident}.html: the notice is below the first screen ({top} px)"
        assert paper != page, "the notice stands out from the page"
        assert contrast(ink, paper) >= 4.5, (ident, ink, paper)
    open_page(driver, base + "us-russia-summit.html")
    lines = js(
        driver,
        "return [...document.querySelectorAll('.chapter .revision-line .overdue')]"
        ".map(s => s.textContent)",
    )
    assert lines == ["review overdue since 6 February 2026"] * len(ISSUES)


def contrast(ink: str, paper: str) -> float:
    """WCAG contrast ratio of two CSS rgb()/rgba() colours (opaque ones)."""

    def lum(css: str) -> float:
        parts = [float(v) / 255 for v in css[css.index("(") + 1 : -1].split(",")[:3]]
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in parts]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]

    hi, lo = sorted((lum(ink), lum(paper)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# --- screenshots compared with stored references -------------------------------------------------

SHOTS = [
    ("index", PHONE, False),
    ("index", DESKTOP, True),
    ("issue", PHONE, False),
    ("issue", PHONE, True),
    ("issue", DESKTOP, False),
    ("book", DESKTOP, False),
    ("actor", PHONE, True),
    ("search", PHONE, False),
    ("404", DESKTOP, False),
]
SCALE = 4  # references are stored at a quarter of the size: small, and blind to anti-aliasing
TOLERANCE = 4.0  # mean difference per channel (0-255) the eye would not call a change
SHOT_HEIGHT = 2400


def shrink(png: Path) -> Image.Image:
    with Image.open(png) as im:
        im = im.convert("RGB")
        return im.resize((im.width // SCALE, im.height // SCALE), Image.Resampling.BOX)


@pytest.mark.parametrize(
    ("kind", "size", "dark"),
    SHOTS,
    ids=[f"{k}-{s[0]}{'-dark' if d else ''}" for k, s, d in SHOTS],
)
def test_screenshots_match_the_references(
    driver: webdriver.Chrome,
    base: str,
    tmp_path: Path,
    kind: str,
    size: tuple[int, int],
    dark: bool,
) -> None:
    emulate(driver, *size, dark=dark)
    open_page(driver, base + KINDS[kind])
    js(driver, "document.activeElement && document.activeElement.blur()")
    name = f"{kind}-{size[0]}{'-dark' if dark else ''}.png"
    shot = shrink(screenshot(driver, tmp_path / name, max_height=SHOT_HEIGHT))
    ref = GOLDEN / name
    if UPDATE:
        GOLDEN.mkdir(parents=True, exist_ok=True)
        buf = io.BytesIO()
        shot.quantize(32, method=Image.Quantize.MEDIANCUT).save(buf, "PNG", optimize=True)
        ref.write_bytes(buf.getvalue())
        return
    assert ref.is_file(), f"no reference {ref.name}: run `make golden`"
    with Image.open(ref) as im:
        want = im.convert("RGB")
    assert shot.size == want.size, f"{name}: {shot.size} != reference {want.size}"
    diff = sum(ImageStat.Stat(ImageChops.difference(shot, want)).mean) / 3
    assert diff <= TOLERANCE, f"{name} differs from its reference by {diff:.1f} (see {tmp_path})"


def test_a_screenshot_change_is_seen() -> None:
    # The comparison can fail: light against dark, or the page with its text a shade darker.
    with Image.open(GOLDEN / "issue-390.png") as im:
        light = im.convert("RGB")
    with Image.open(GOLDEN / "issue-390-dark.png") as im:
        dark = im.convert("RGB")
    assert sum(ImageStat.Stat(ImageChops.difference(light, dark)).mean) / 3 > TOLERANCE
    darker = light.point(lambda v: max(0, v - 40))
    assert sum(ImageStat.Stat(ImageChops.difference(light, darker)).mean) / 3 > TOLERANCE
