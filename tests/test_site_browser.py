"""Issue 5: the site in a real browser. Debian's headless chromium (through chromedriver, never
Selenium Manager) loads the site from a loopback server under a sub-path, takes screenshots at
desktop and phone width, runs axe-core, and checks search, focus, dark mode, print, file://,
requests to other hosts and the live preview's reload.

Screenshots go to the test's temporary folder, or to $BRIEFGEN_SCREENSHOTS when set."""

from __future__ import annotations

import base64
import io
import json
import os
import shutil
import tempfile
import threading
from collections.abc import Iterator
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import selenium_axe_python
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from briefgen.serve import Preview
from tests.test_site import publish, with_build
from tests.test_site_serve import edit

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
AXE = Path(selenium_axe_python.__file__).parent / "axe-core" / "axe.min.js"
SUBPATH = "deep/sub/path/"  # the site must work from any sub-path
DESKTOP = (1280, 900)
PHONE = (390, 844)
WAIT = 20


class _QuietHandler(SimpleHTTPRequestHandler):
    """Static files; remembers every request with its status, prints nothing."""

    seen: list[tuple[str, int]]

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        self.seen.append((self.path, int(code) if str(code).isdigit() else 0))

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def site(built: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The published site folder."""
    return publish(built, tmp_path_factory.mktemp("browser") / "proj") / "build" / "site"


@pytest.fixture(scope="module")
def http_site(site: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, list]]:
    """The site on a loopback HTTP server, under a sub-path; yields (base URL, request log)."""
    www = tmp_path_factory.mktemp("www")
    (www / SUBPATH).parent.mkdir(parents=True)
    (www / SUBPATH.rstrip("/")).symlink_to(site, target_is_directory=True)
    seen: list[tuple[str, int]] = []
    handler = type("Handler", (_QuietHandler,), {"seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), partial(handler, directory=str(www)))
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.1})
    thread.daemon = True
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{SUBPATH}", seen
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)


@pytest.fixture(scope="module")
def driver() -> Iterator[webdriver.Chrome]:
    """Headless Debian chromium with a fresh profile and no background traffic."""
    assert CHROMIUM.is_file() and CHROMEDRIVER.is_file(), (
        "install Debian's chromium and chromium-driver: bash scripts/system-deps.sh test"
    )
    profile = tempfile.mkdtemp(prefix="briefgen-chromium-")
    opts = webdriver.ChromeOptions()
    opts.binary_location = str(CHROMIUM)
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
        f"--window-size={DESKTOP[0]},{DESKTOP[1]}",
    ):
        opts.add_argument(flag)
    opts.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    drv = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=opts)
    drv.set_page_load_timeout(60)
    drv.set_script_timeout(120)
    try:
        yield drv
    finally:
        drv.quit()
        shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go."""
    wanted = os.environ.get("BRIEFGEN_SCREENSHOTS")
    if wanted:
        Path(wanted).mkdir(parents=True, exist_ok=True)
        return Path(wanted)
    return tmp_path_factory.mktemp("screenshots")


def emulate(
    drv: webdriver.Chrome, width: int, height: int, *, dark: bool = False, media: str = "screen"
) -> None:
    """Viewport, touch-phone mode below 600 px, colour scheme and media type."""
    drv.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    drv.execute_cdp_cmd(
        "Emulation.setEmulatedMedia",
        {
            "media": media,
            "features": [{"name": "prefers-color-scheme", "value": "dark" if dark else "light"}],
        },
    )


def load(drv: webdriver.Chrome, url: str) -> None:
    """Open a page and wait until it is complete; drop earlier logs."""
    drv.get_log("performance")
    drv.get_log("browser")
    drv.get(url)
    WebDriverWait(drv, WAIT).until(
        lambda d: d.execute_script("return document.readyState") == "complete"
    )


def requested_urls(drv: webdriver.Chrome) -> list[str]:
    """Every URL the page asked for since the last load."""
    urls = []
    for entry in drv.get_log("performance"):
        msg = json.loads(entry["message"])["message"]
        if msg.get("method") == "Network.requestWillBeSent":
            urls.append(msg["params"]["request"]["url"])
    return urls


def console_errors(drv: webdriver.Chrome) -> list[str]:
    """Console errors (a CSP violation or a failed load shows up here)."""
    return [e["message"] for e in drv.get_log("browser") if e["level"] == "SEVERE"]


def screenshot(drv: webdriver.Chrome, path: Path, max_height: int = 4000) -> Path:
    """The page from its top, as tall as it is (up to max_height CSS pixels)."""
    metrics = drv.execute_cdp_cmd("Page.getLayoutMetrics", {})
    size = metrics["cssContentSize"]
    clip = {
        "x": 0,
        "y": 0,
        "width": size["width"],
        "height": min(size["height"], max_height),
        "scale": 1,
    }
    shot = drv.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.write_bytes(base64.b64decode(shot["data"]))
    return path


def axe(drv: webdriver.Chrome) -> list[dict[str, Any]]:
    """axe-core's serious and critical violations on the open page (WCAG A/AA, best practice)."""
    drv.execute_script(AXE.read_text("utf-8"))
    result = drv.execute_async_script(
        "const done = arguments[arguments.length - 1];"
        "axe.run(document, {resultTypes: ['violations']})"
        ".then(r => done(r.violations), e => done({error: String(e)}));"
    )
    assert isinstance(result, list), result
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [(n["target"], n.get("failureSummary", "")[:300]) for n in v["nodes"]][:4],
        }
        for v in result
        if v["impact"] in ("serious", "critical")
    ]


def page_overflows(drv: webdriver.Chrome) -> bool:
    """True when the page scrolls sideways (something does not fit the viewport)."""
    return bool(
        drv.execute_script("return document.documentElement.scrollWidth > window.innerWidth + 1;")
    )


# --- the checks -------------------------------------------------------------------------------

PAGES = [
    "index.html",
    "nato.html",
    "us-russia-summit.html",
    "actors/russia.html",
    "search.html?q=article+5",
    "404.html",
]


def test_screenshots_desktop_and_phone(
    driver: webdriver.Chrome, http_site: tuple[str, list], shots: Path
) -> None:
    base, _ = http_site
    taken = []
    for name, (w, h) in (("desktop", DESKTOP), ("phone", PHONE)):
        for page, stem in (("index.html", "index"), ("nato.html", "issue")):
            for dark in (False, True):
                emulate(driver, w, h, dark=dark)
                load(driver, base + page)
                assert not page_overflows(driver), f"{page} scrolls sideways at {w}px"
                suffix = "-dark" if dark else ""
                taken.append(screenshot(driver, shots / f"{stem}-{name}{suffix}.png"))
    assert all(p.stat().st_size > 10_000 for p in taken)


@pytest.mark.parametrize("width", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_no_page_scrolls_sideways(
    driver: webdriver.Chrome, http_site: tuple[str, list], width: tuple[int, int]
) -> None:
    base, _ = http_site
    emulate(driver, *width)
    wide = []
    for page in PAGES:
        load(driver, base + page)
        if page_overflows(driver):
            wide.append(page)
        main = driver.execute_script(
            "const r = document.querySelector('main').getBoundingClientRect();"
            "return [r.left, r.width, window.innerWidth];"
        )
        assert main[0] >= 0 and main[1] >= min(width[0] * 0.5, 300), (page, main)  # not squeezed
    assert wide == []


@pytest.mark.parametrize("dark", [False, True], ids=["light", "dark"])
def test_axe_finds_no_serious_or_critical_violations(
    driver: webdriver.Chrome, http_site: tuple[str, list], dark: bool
) -> None:
    base, _ = http_site
    found = {}
    for width in (DESKTOP, PHONE) if not dark else (DESKTOP,):
        emulate(driver, *width, dark=dark)
        for page in PAGES if width == DESKTOP else PAGES[:2] + PAGES[4:5]:  # phone: one of each
            load(driver, base + page)
            if "search" in page:
                WebDriverWait(driver, WAIT).until(
                    lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li")
                )
            violations = axe(driver)
            if violations:
                found[f"{page}@{width[0]}"] = violations
    assert found == {}, json.dumps(found, indent=1)


def test_pages_load_only_from_their_own_server_without_errors(
    driver: webdriver.Chrome, http_site: tuple[str, list]
) -> None:
    base, seen = http_site
    emulate(driver, *DESKTOP)
    origin = base.split(SUBPATH)[0]
    for page in PAGES[:-1]:
        seen.clear()
        load(driver, base + page)
        urls = requested_urls(driver)
        assert urls, page
        assert all(u.startswith(origin) or u.startswith("data:") for u in urls), urls
        assert all(u.startswith(base) for u in urls if u.startswith(origin)), urls
        assert console_errors(driver) == [], page
        assert [p for p, code in seen if code >= 400] == [], page
        # The stylesheet applied (the CSP allowed it) from under the sub-path.
        bg = driver.execute_script(
            "return getComputedStyle(document.querySelector('.site-header')).backgroundColor"
        )
        assert bg == "rgb(31, 58, 95)", bg


def test_search_finds_sections_offline(
    driver: webdriver.Chrome, http_site: tuple[str, list], site: Path
) -> None:
    base, _ = http_site
    emulate(driver, *DESKTOP)
    load(driver, base + "index.html")
    box = driver.find_element(By.ID, "site-q")
    box.send_keys("Article 5", Keys.ENTER)
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li")
    )
    assert driver.current_url.startswith(base + "search.html?q=Article+5")
    first = driver.find_element(By.CSS_SELECTOR, "#search-results li a")
    assert "nato.html#" in (first.get_attribute("href") or "")
    assert driver.find_elements(By.CSS_SELECTOR, "#search-results mark")
    status = driver.find_element(By.ID, "search-status").text
    assert "for: Article 5" in status
    # Typing refines the results without a page load.
    q = driver.find_element(By.ID, "q")
    q.clear()
    q.send_keys("zzzznothing")
    WebDriverWait(driver, WAIT).until(
        lambda d: "No section" in d.find_element(By.ID, "search-status").text
    )
    # From file://, with no server at all: search and styles still work.
    load(driver, (site / "search.html").as_uri() + "?q=crimea")
    WebDriverWait(driver, WAIT).until(
        lambda d: d.find_elements(By.CSS_SELECTOR, "#search-results li")
    )
    assert console_errors(driver) == []
    links = [
        a.get_attribute("href") or ""
        for a in driver.find_elements(By.CSS_SELECTOR, "#search-results li a")
    ]
    assert links and all(link.startswith("file://") for link in links)
    load(driver, links[0])
    assert driver.find_element(By.CSS_SELECTOR, "h1").text


def test_keyboard_skip_link_and_visible_focus(
    driver: webdriver.Chrome, http_site: tuple[str, list]
) -> None:
    base, _ = http_site
    emulate(driver, *DESKTOP)
    load(driver, base + "nato.html")
    driver.find_element(By.TAG_NAME, "body").send_keys(Keys.TAB)
    active = driver.switch_to.active_element
    assert active.get_attribute("class") == "skip-link"
    rect = driver.execute_script("return arguments[0].getBoundingClientRect().toJSON()", active)
    assert rect["left"] >= 0 and rect["top"] >= 0, "the skip link shows when focused"
    outline = driver.execute_script("return getComputedStyle(arguments[0]).outlineStyle", active)
    assert outline != "none"
    active.send_keys(Keys.ENTER)
    assert driver.current_url.endswith("#main")
    # The next tab stop after the skip link and the site bar is visibly focused too.
    driver.switch_to.active_element.send_keys(Keys.TAB)
    nxt = driver.switch_to.active_element
    assert (
        driver.execute_script("return getComputedStyle(arguments[0]).outlineStyle", nxt) != "none"
    )


def test_dark_mode_and_print(driver: webdriver.Chrome, http_site: tuple[str, list]) -> None:
    base, _ = http_site
    emulate(driver, *DESKTOP, dark=True)
    load(driver, base + "nato.html")

    def luminance(css: str) -> float:
        r, g, b = (int(x) for x in css[css.index("(") + 1 : css.index(")")].split(",")[:3])
        return (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255

    bg = driver.execute_script("return getComputedStyle(document.documentElement).backgroundColor")
    ink = driver.execute_script("return getComputedStyle(document.body).color")
    assert luminance(bg) < 0.2 and luminance(ink) > 0.7, (bg, ink)
    label = driver.find_element(By.CSS_SELECTOR, "svg.gap-matrix .gm-issue")
    fill = driver.execute_script("return getComputedStyle(arguments[0]).fill", label)
    assert luminance(fill) > 0.5, fill
    emulate(driver, *DESKTOP, media="print")
    hidden = driver.execute_script(
        "return ['.site-header', '.site-footer', '.page-tools']"
        ".map(s => getComputedStyle(document.querySelector(s)).display)"
    )
    assert hidden == ["none", "none", "none"]
    bg = driver.execute_script("return getComputedStyle(document.documentElement).backgroundColor")
    assert luminance(bg) > 0.9  # print is never dark


def test_live_preview_reloads_the_open_page_and_shows_errors(
    driver: webdriver.Chrome, built: Path, tmp_path: Path
) -> None:
    root = with_build(built, tmp_path / "proj")
    preview = Preview(root, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO())
    preview.start()
    try:
        emulate(driver, *DESKTOP)
        load(driver, preview.url + "nato.html")
        assert console_errors(driver) == []
        driver.execute_script("window.__notReloaded = true;")
        nato = root / "briefs" / "issues" / "nato.yaml"
        edit(nato, "title: NATO Enlargement", "title: Live NATO Enlargement")
        WebDriverWait(driver, WAIT).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "h1").text.startswith("Live NATO")
        )
        assert driver.execute_script("return window.__notReloaded === undefined")
        edit(nato, "status: draft", "status: sketchy")
        panel = WebDriverWait(driver, WAIT).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, ".live-error")
        )[0]
        assert "briefs/issues/nato.yaml:" in panel.text and "sketchy" in panel.text
        assert panel.get_attribute("role") == "alert"
        edit(nato, "status: sketchy", "status: draft")
        WebDriverWait(driver, WAIT).until(
            lambda d: not d.find_elements(By.CSS_SELECTOR, ".live-error")
        )
        assert console_errors(driver) == []
    finally:
        preview.stop()


def test_standalone_html_renders_under_its_own_strict_csp(
    driver: webdriver.Chrome, built: Path
) -> None:
    # build/html/*.html carries a CSP of its own: no script, its inline <style>, data: images.
    emulate(driver, *DESKTOP)
    page = built / "build" / "html" / "nato.html"
    assert "Content-Security-Policy" in page.read_text("utf-8")
    load(driver, page.as_uri())
    assert console_errors(driver) == []  # a CSP violation would be reported here
    urls = requested_urls(driver)
    assert all(u.startswith(("file:", "data:")) for u in urls), urls
    # The inline stylesheet applied, and the figures (inline SVG) are there.
    color = driver.execute_script("return getComputedStyle(document.querySelector('h1')).color")
    assert color == "rgb(31, 58, 95)", color
    assert driver.find_elements(By.CSS_SELECTOR, "svg")
    # The policy is in force: an image from elsewhere, or a script, is refused.
    driver.execute_script(
        "document.body.insertAdjacentHTML('beforeend',"
        ' \'<img src="https://example.invalid/x.png"><iframe srcdoc="x"></iframe>\');'
        "const s = document.createElement('script'); s.textContent = 'window.ran = 1';"
        "document.body.appendChild(s);"
    )
    assert driver.execute_script("return window.ran === undefined")
    refused = [m for m in console_errors(driver) if "Content Security Policy" in m]
    assert refused, console_errors(driver)


def test_a_themed_site_and_brief_apply_their_colours_and_logo(
    driver: webdriver.Chrome, tmp_path: Path
) -> None:
    """Issue 19: briefgen.yaml's theme in a real browser: the configured accent colours the
    site's header in the light scheme (dark mode keeps its palette), the logo loads under
    the site's CSP and the standalone brief's, and axe finds nothing serious."""
    from tests.conftest import run
    from tests.test_theme import started

    root = started(tmp_path)
    assert run("-C", root, "site", "--no-pdf", "-j", "1", "--quiet").code == 0
    assert run("-C", root, "build", "--format", "html", "-j", "1", "--quiet").code == 0
    site = root / "build" / "site"
    header = "return getComputedStyle(document.querySelector('.site-header')).backgroundColor"
    loaded = "return [...document.images].map(i => [i.className, i.complete && i.naturalWidth])"
    for dark, colour in ((False, "rgb(11, 110, 79)"), (True, "rgb(11, 26, 44)")):
        emulate(driver, *DESKTOP, dark=dark)
        for page in ("index.html", "gerd-filling.html", "actors/egypt.html"):
            load(driver, (site / page).as_uri())
            assert console_errors(driver) == [], page  # a CSP violation would be reported
            assert driver.execute_script(header) == colour, (page, dark)
            images = dict(driver.execute_script(loaded))
            assert images.get("site-logo") == 40, (page, images)
            if page == "gerd-filling.html":
                assert images.get("cover-logo") == 40, images
            assert axe(driver) == [], page
    emulate(driver, *DESKTOP)
    load(driver, (root / "build" / "html" / "gerd-filling.html").as_uri())
    assert console_errors(driver) == []
    images = dict(driver.execute_script(loaded))
    assert images.get("cover-logo") == 40, images  # inline data: image, allowed by its CSP
    title = "return getComputedStyle(document.querySelector('.doc-title')).textTransform"
    assert driver.execute_script(title) == "uppercase"  # the extra stylesheet applied
