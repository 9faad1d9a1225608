"""Issue 5: `briefgen serve`, the live preview: rebuilds on change, shows errors, stops cleanly.

Loopback only, ephemeral ports, every wait bounded."""

from __future__ import annotations

import io
import json
import os
import re
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

from briefgen.serve import Preview, serve
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
