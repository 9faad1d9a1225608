"""Issue 5: `briefgen serve`, the live preview: rebuilds on change, shows errors, stops cleanly.
Issue 18: it answers only its own origin, refuses cross-site work and stays bounded under load.

Loopback only, ephemeral ports, every wait bounded."""

from __future__ import annotations

import http.client
import io
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from briefgen.serve import CONNECTION_SECONDS, MAX_HANDLERS, Preview, serve
from briefgen.site.settings import CSP
from tests.test_site import with_build

TIMEOUT = 20.0


def fetch(url: str) -> tuple[int, bytes]:
    """GET a URL on this machine; (status, body), errors included."""
    assert url.startswith("http://127.0.0.1:")
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT) as resp:
            return resp.status, resp.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read()


def until(check: Callable[[], object], what: str, timeout: float = TIMEOUT) -> object:
    """Poll `check` until it returns something true, or fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def status(preview: Preview) -> dict[str, object]:
    """The build status as the page's script sees it."""
    code, body = fetch(preview.url + "__briefgen/status.json")
    assert code == 200
    data: dict[str, object] = json.loads(body)
    return data


def edit(path: Path, old: str, new: str) -> None:
    """Change a file the way an editor saves it."""
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), "utf-8")


@pytest.fixture
def preview_root(built: Path, tmp_path: Path) -> Path:
    """A project copy with up-to-date build outputs (so PDFs need no rendering)."""
    return with_build(built, tmp_path / "proj")


@pytest.fixture
def preview(preview_root: Path) -> Iterator[Preview]:
    """A running preview on an ephemeral loopback port, stopped whatever happens."""
    p = Preview(preview_root, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO())
    p.start()
    try:
        yield p
    finally:
        p.stop()


def test_preview_rebuilds_on_change_and_shows_errors(preview: Preview, preview_root: Path) -> None:
    first = status(preview)
    assert first["ok"] is True and first["build"] == 1
    code, page = fetch(preview.url + "nato.html")
    assert code == 200
    assert b'<script src="__briefgen/live.js" defer></script>' in page
    assert b'http-equiv="Content-Security-Policy"' in page
    code, script = fetch(preview.url + "actors/russia.html")
    assert code == 200 and b'src="../__briefgen/live.js"' in script
    code, script = fetch(preview.url + "__briefgen/live.js")
    assert code == 200 and b"status.json" in script
    code, missing = fetch(preview.url + "no-such-page.html")
    assert code == 404 and b"Page not found" in missing

    # A change to a brief rebuilds the site; the page shows the new text.
    nato = preview_root / "briefs" / "issues" / "nato.yaml"
    edit(nato, "title: NATO Enlargement", "title: Revised NATO Enlargement")
    until(lambda: b"Revised NATO Enlargement" in fetch(preview.url + "nato.html")[1], "rebuild")
    assert status(preview)["ok"] is True

    # A mistake: the status carries it with file:line:col, the terminal too, the old site stays.
    edit(nato, "status: draft", "status: sketchy")
    bad = until(lambda: s if (s := status(preview))["ok"] is False else None, "failed build")
    assert isinstance(bad, dict)
    assert any(
        re.match(r"briefs/issues/nato\.yaml:\d+:\d+: error: .*sketchy", e) for e in bad["errors"]
    ), bad
    assert isinstance(preview.err, io.StringIO)
    assert re.search(r"briefs/issues/nato\.yaml:\d+:\d+: error: ", preview.err.getvalue())
    code, page = fetch(preview.url + "nato.html")
    assert code == 200 and b"Revised NATO Enlargement" in page

    # Fixed again: a good build, and the server never stopped.
    edit(nato, "status: sketchy", "status: draft")
    until(lambda: status(preview)["ok"] is True, "recovery")

    # A template change is a change too.
    tpl = preview_root / "templates" / "site" / "partials" / "footer.html.j2"
    edit(tpl, "<p>{{ site.title }}", "<p>Preview footer · {{ site.title }}")
    until(lambda: b"Preview footer" in fetch(preview.url + "index.html")[1], "template rebuild")


def test_preview_makes_pdfs_on_request(preview: Preview) -> None:
    code, body = fetch(preview.url + "pdf/new-start.pdf")
    assert code == 200 and body.startswith(b"%PDF-")
    code, page = fetch(preview.url + "index.html")
    assert b'href="pdf/new-start.pdf"' in page


def test_preview_makes_word_documents_on_request(preview: Preview) -> None:
    code, page = fetch(preview.url + "new-start.html")
    assert code == 200 and b'href="docx/new-start.docx"' in page
    code, body = fetch(preview.url + "docx/new-start.docx")
    assert code == 200 and body.startswith(b"PK\x03\x04")
    from docx import Document

    doc = Document(io.BytesIO(body))
    assert "New START" in " ".join(p.text for p in doc.paragraphs[:6])
    code, _ = fetch(preview.url + "docx/new-start.pdf")  # the suffix names the folder
    assert code == 404


def test_preview_starts_even_when_content_is_broken(preview_root: Path) -> None:
    nato = preview_root / "briefs" / "issues" / "nato.yaml"
    edit(nato, "status: draft", "status: <sketchy>")
    p = Preview(preview_root, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO())
    p.start()
    try:
        assert status(p)["ok"] is False
        code, page = fetch(p.url + "index.html")
        assert code == 200
        assert b"briefs/issues/nato.yaml:" in page and b"&lt;sketchy&gt;" in page
        assert b"__briefgen/live.js" in page
        edit(nato, "status: <sketchy>", "status: draft")
        until(lambda: b"gap-matrix" in fetch(p.url + "index.html")[1], "first good build")
    finally:
        p.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("briefgen-")]


def test_serve_command_runs_and_stops_on_signal(preview_root: Path) -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "-C", str(preview_root), "serve", "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        assert proc.stdout is not None
        lines: list[str] = []
        reader = threading.Thread(target=lambda: lines.extend(iter(proc.stdout.readline, "")))
        reader.daemon = True
        reader.start()
        found = until(
            lambda: next(
                (m for ln in lines if (m := re.search(r"http://127\.0\.0\.1:\d+/", ln))), None
            ),
            "the serve banner",
            timeout=30,
        )
        assert isinstance(found, re.Match)
        code, page = fetch(found.group(0) + "index.html")
        assert code == 200 and b"gap-matrix" in page
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=15) == 0
        reader.join(timeout=5)
        assert any("stopped" in ln for ln in lines)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


def test_serve_reports_a_busy_port(preview_root: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        out, err = io.StringIO(), io.StringIO()
        assert serve(preview_root, "127.0.0.1", port, out=out, err=err) == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err.getvalue()


# --- issue 18: the preview answers only its own origin, and stays bounded ---------------------


def own_host(preview: Preview) -> str:
    return f"127.0.0.1:{preview.port}"


def ask(
    preview: Preview,
    path: str,
    headers: dict[str, str] | None = None,
    *,
    hosts: list[str] | None = None,
    method: str = "GET",
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these Host headers (default: the preview's own; [] for none)
    and other headers; (status, lower-cased headers, body)."""
    conn = http.client.HTTPConnection("127.0.0.1", preview.port, timeout=TIMEOUT)
    try:
        conn.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        for host in [own_host(preview)] if hosts is None else hosts:
            conn.putheader("Host", host)
        for name, value in (headers or {}).items():
            conn.putheader(name, value)
        conn.endheaders()
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def assert_hardened(headers: dict[str, str]) -> None:
    assert headers.get("x-content-type-options") == "nosniff", headers
    assert headers.get("content-security-policy") == CSP, headers
    assert headers.get("referrer-policy") == "no-referrer", headers


def request_threads() -> int:
    return sum(t.name == "briefgen-request" for t in threading.enumerate())


def test_preview_answers_only_its_own_host_names(preview: Preview, preview_root: Path) -> None:
    shutil.rmtree(preview_root / "build" / "pdf")
    port = preview.port
    other = port + 1 if port < 65535 else port - 1
    forged = [
        "evil.example",
        f"evil.example:{port}",
        f"127.0.0.1:{other}",  # the right name, another port
        f"localhost:{other}",
        "127.0.0.1",  # no port: only right on port 80
        f"rebind.127.0.0.1.nip.io:{port}",  # a rebinding name resolving to loopback
        f"7f000001.c0a80001.rbndr.us:{port}",
        f"localhost.:{port}",
        f"127.0.0.1:{port}.evil.example",
        f"127.0.0.2:{port}",
        f"0.0.0.0:{port}",
        "",
    ]
    for host in forged:
        for path in ("/index.html", "/__briefgen/status.json", "/pdf/nato.pdf", "/md/nato.md"):
            code, headers, body = ask(preview, path, hosts=[host])
            assert code == 421, (host, path, code)
            assert_hardened(headers)
            assert b"gap-matrix" not in body and b'"build"' not in body
    assert ask(preview, "/index.html", hosts=[])[0] == 421  # no Host at all
    assert ask(preview, "/index.html", hosts=[own_host(preview), "evil.example"])[0] == 421
    assert not (preview_root / "build" / "pdf").exists()
    assert isinstance(preview.out, io.StringIO)
    assert "making PDFs" not in preview.out.getvalue()

    for host in (f"127.0.0.1:{port}", f"localhost:{port}", f"[::1]:{port}", f"LocalHost:{port}"):
        code, headers, body = ask(preview, "/index.html", hosts=[host])
        assert code == 200 and b"gap-matrix" in body, host
        assert_hardened(headers)


CROSS_SITE = [
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Origin": "http://localhost:{port}"},  # another origin, even on this machine
    {"Origin": "http://127.0.0.1:{port}.evil.example"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
    {"Origin": "http://127.0.0.1:{port}", "Sec-Fetch-Site": "cross-site"},
    {"Referer": "http://evil.example/attack.html"},
]


def test_cross_site_requests_neither_build_nor_read(
    preview: Preview, preview_root: Path, tmp_path: Path
) -> None:
    build = preview_root / "build"
    shutil.move(build / "pdf", tmp_path / "pdf-aside")
    shutil.move(build / "md", tmp_path / "md-aside")
    guarded = ["/pdf/nato.pdf", "/md/nato.md", "/__briefgen/status.json", "/__briefgen/live.js"]
    for template in CROSS_SITE:
        headers = {k: v.format(port=preview.port) for k, v in template.items()}
        for path in guarded:
            for method in ("GET", "HEAD"):
                code, got, body = ask(preview, path, headers, method=method)
                assert code == 403, (headers, path, method, code)
                assert_hardened(got)
                assert b"%PDF" not in body and b'"build"' not in body and b"fetch(" not in body
    assert not (build / "pdf").exists() and not (build / "md").exists()
    assert isinstance(preview.out, io.StringIO)
    assert "making PDFs" not in preview.out.getvalue()

    # The pages themselves stay open to a link from anywhere.
    code, _, page = ask(preview, "/nato.html", {"Sec-Fetch-Site": "cross-site"})
    assert code == 200 and b"NATO" in page

    # The preview's own pages (same origin, as live.js and the download links ask) are served.
    own = f"http://{own_host(preview)}"
    same = {"Origin": own, "Sec-Fetch-Site": "same-origin"}
    code, got, body = ask(preview, "/__briefgen/status.json", same)
    assert code == 200 and json.loads(body)["ok"] is True
    assert_hardened(got)
    assert ask(preview, "/__briefgen/live.js", {"Sec-Fetch-Site": "same-origin"})[0] == 200
    code, _, md = ask(preview, "/md/nato.md", same)
    assert code == 200 and b"NATO" in md
    shutil.move(tmp_path / "pdf-aside", build / "pdf")  # up to date again: no layout needed
    code, got, pdf = ask(preview, "/pdf/new-start.pdf", {**same, "Referer": own + "/index.html"})
    assert code == 200 and pdf.startswith(b"%PDF-")
    assert got["content-type"] == "application/pdf"
    assert_hardened(got)


def test_rebuilds_do_not_wait_for_a_pdf(preview: Preview, preview_root: Path) -> None:
    nato = preview_root / "briefs" / "issues" / "nato.yaml"
    with preview._pdf_lock:  # as while a PDF build runs
        edit(nato, "title: NATO Enlargement", "title: Rebuilt Meanwhile")
        until(lambda: b"Rebuilt Meanwhile" in fetch(preview.url + "nato.html")[1], "rebuild")
        assert status(preview)["ok"] is True


def test_preview_sends_security_headers_on_every_response(preview: Preview) -> None:
    for path, expected in [
        ("/", 200),
        ("/nato.html", 200),
        ("/__briefgen/status.json", 200),
        ("/__briefgen/live.js", 200),
        ("/no-such-page.html", 404),
    ]:
        code, headers, _ = ask(preview, path)
        assert code == expected, path
        assert_hardened(headers)
    code, headers, _ = ask(preview, "/index.html", method="POST")  # http.server's own errors
    assert code == 501
    assert_hardened(headers)


def test_preview_never_serves_dot_files_or_folder_listings(preview: Preview) -> None:
    for path in (
        "/.something",
        "/.git/config",
        "/actors/.hidden.html",
        "/.briefgen/state.json",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/actors/../index.html",
        "/%2Egit/config",
    ):
        code, headers, body = ask(preview, path)
        assert code == 404 and b"Page not found" in body, path
        assert_hardened(headers)
    for path in ("/search/", "/pdf/", "/md/", "/__briefgen/"):
        code, _, body = ask(preview, path)
        assert code == 404 and b"Page not found" in body, path
        assert b"Directory listing" not in body and b"russia.html" not in body, path

    # /actors/ shows the site's actors index page, not a listing of the folder (and a folder
    # named without its slash is sent to it, so the page's relative links work).
    code, _, body = ask(preview, "/actors/")
    assert code == 200 and b"<h1>Actors</h1>" in body and b'href="russia.html"' in body
    assert b"Directory listing" not in body
    code, headers, _ = ask(preview, "/actors")
    assert code == 301 and headers["location"] == "/actors/"
    assert_hardened(headers)


def test_preview_answers_200_concurrent_connections(preview: Preview) -> None:
    n = 200
    start = threading.Barrier(n + 1, timeout=TIMEOUT)
    results: list[int | str] = []
    lock = threading.Lock()
    request = f"GET /nato.html HTTP/1.1\r\nHost: {own_host(preview)}\r\n"
    request += "Connection: close\r\n\r\n"

    def client() -> None:
        try:
            start.wait()
            with socket.create_connection(("127.0.0.1", preview.port), timeout=TIMEOUT) as s:
                s.sendall(request.encode())
                data = b""
                while chunk := s.recv(65536):
                    data += chunk
            result: int | str = int(data.split(b" ", 2)[1])
        except Exception as exc:  # every failure is reported, none hides
            result = repr(exc)
        with lock:
            results.append(result)

    peak = 0
    done = threading.Event()

    def monitor() -> None:
        nonlocal peak
        while not done.is_set():
            peak = max(peak, request_threads())
            time.sleep(0.002)

    watcher = threading.Thread(target=monitor, daemon=True)
    watcher.start()
    clients = [threading.Thread(target=client, daemon=True) for _ in range(n)]
    for t in clients:
        t.start()
    started = time.monotonic()
    start.wait()
    deadline = started + 60
    for t in clients:
        t.join(max(0.0, deadline - time.monotonic()))
    done.set()
    watcher.join(5)
    assert not [t for t in clients if t.is_alive()], "clients still waiting after 60 s"
    assert len(results) == n
    assert set(results) <= {200, 503}, sorted(map(str, results))[:5]
    assert results.count(200) > 0
    # A handler gives its slot back just before its thread ends: allow a few ending threads.
    assert peak <= MAX_HANDLERS + 8, peak
    code, page = fetch(preview.url + "nato.html")
    assert code == 200 and b"NATO" in page
    assert status(preview)["ok"] is True


def test_preview_refuses_beyond_its_thread_cap_and_drops_idle_clients(
    preview_root: Path,
) -> None:
    cap = 4
    p = Preview(
        preview_root, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO(), max_handlers=cap
    )
    p.start()
    idle: list[socket.socket] = []
    try:
        # Clients that connect and say nothing hold every handler ...
        idle = [
            socket.create_connection(("127.0.0.1", p.port), timeout=TIMEOUT) for _ in range(cap)
        ]
        until(lambda: request_threads() == cap, "the idle clients to hold every handler")
        # ... so the next one is told 503 at once, with the headers, not queued behind them.
        began = time.monotonic()
        code, headers, body = ask(p, "/index.html")
        assert code == 503 and b"busy" in body
        assert time.monotonic() - began < 2
        assert headers.get("retry-after") == "1"
        assert_hardened(headers)
        assert request_threads() <= cap
        # The idle clients are dropped after the connection timeout; then pages are served.
        began = time.monotonic()
        for s in idle:
            s.settimeout(CONNECTION_SECONDS + 10)
            assert s.recv(1024) == b""
        assert time.monotonic() - began < CONNECTION_SECONDS + 10
        until(lambda: ask(p, "/index.html")[0] == 200, "the server to answer again")
    finally:
        for s in idle:
            s.close()
        p.stop()
    assert not [t for t in threading.enumerate() if t.name.startswith("briefgen-")]


def test_preview_sees_edits_to_theme_files_outside_briefs_and_templates(
    preview_root: Path,
) -> None:
    """The logo and stylesheets briefgen.yaml names are inputs wherever they live: editing one
    rebuilds the preview, and so does one the config starts naming while it runs."""
    theme = preview_root / "theme"
    theme.mkdir()
    (theme / "extra.css").write_text("/* first-marker */\n", "utf-8")
    (theme / "more.css").write_text("/* more-marker */\n", "utf-8")
    config = preview_root / "briefgen.yaml"
    with config.open("a", encoding="utf-8") as fh:
        fh.write("theme:\n  extra_css: [theme/extra.css]\n")
    p = Preview(preview_root, "127.0.0.1", 0, out=io.StringIO(), err=io.StringIO())
    p.start()
    try:
        extra, more = p.url + "assets/extra/01-extra.css", p.url + "assets/extra/02-more.css"
        assert b"first-marker" in fetch(extra)[1]
        edit(theme / "extra.css", "first-marker", "second-marker")
        until(lambda: b"second-marker" in fetch(extra)[1], "theme rebuild")
        edit(config, "extra_css: [theme/extra.css]", "extra_css: [theme/extra.css, theme/more.css]")
        until(lambda: b"more-marker" in fetch(more)[1], "config rebuild")
        time.sleep(0.5)  # the watcher takes up the new file list on its next turn
        edit(theme / "more.css", "more-marker", "changed-marker")
        until(lambda: b"changed-marker" in fetch(more)[1], "new file")
    finally:
        p.stop()
