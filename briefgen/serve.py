"""Live preview: serve the site on localhost and rebuild it on every change to the content.

A watcher (the `watchfiles` library) sees changes to briefs/, templates/, briefgen.yaml and the
theme's logo and stylesheets, and rebuilds the preview site in memory, as `mkdocs serve` and
`hugo server` do: the loaded project, the compiled templates and the rendered pages stay in
this process between edits, so an edit re-validates and re-renders only what it changed.
Each preview page loads one small external script that polls `__briefgen/status.json` and
reloads the page after a good build. A failed build keeps the last good site on show and lists
its problems as file:line:col over the page and in the terminal; the server never stops on bad
content. PDFs are made only when a PDF link is followed, so a rebuild takes well under a second.

The server answers only its own origin: a request whose `Host` is not a loopback name (or the
`--host` given) with the bound port gets 421, which stops DNS rebinding; the PDF, Markdown and
live-reload endpoints refuse cross-site requests (403), so another web page cannot start a
PDF build or read the status. Every response says nosniff, no-referrer and the site's CSP.
Connections are bounded: a listen backlog, a timeout per connection and a cap on handler
threads (beyond it, 503 at once). See docs/security.md.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import html
import json
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from functools import partial
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import unquote, urlsplit

from .diagnostics import Diagnostic, Severity
from .project import CONFIG_NAME
from .render import asset_text
from .site import CSP, LIVE_PATH, preview_download, preview_site
from .site import Preview as PreviewSite

# The downloads made on request, each by a `briefgen build` of its format in a child process.
MADE_ON_REQUEST = re.compile(r"/(pdf|docx)/([a-z0-9]+(?:-[a-z0-9]+)*)\.(pdf|docx)")
WATCH_READY_SECONDS = 10.0
LOOPBACK_NAMES = ("127.0.0.1", "localhost", "[::1]")  # what a browser on this machine sends
LISTEN_BACKLOG = 128
CONNECTION_SECONDS = 10.0  # per socket operation: an idle or slow client is dropped
MAX_HANDLERS = 64  # handler threads at once; beyond it, 503 and close
PDF_SECONDS = 900
SECURITY_HEADERS = (
    ("X-Content-Type-Options", "nosniff"),
    ("Content-Security-Policy", CSP),
    ("Referrer-Policy", "no-referrer"),
)


class Preview:
    """The preview server: an HTTP server over a preview site, a watcher and the build status."""

    def __init__(
        self,
        root: Path,
        host: str = "127.0.0.1",
        port: int = 8000,
        *,
        out: TextIO | None = None,
        err: TextIO | None = None,
        debounce_ms: int = 150,
        max_handlers: int = MAX_HANDLERS,
    ) -> None:
        self.root = root.resolve()
        self.host = host
        self.port = port
        self.out = out or sys.stdout
        self.err = err or sys.stderr
        self.debounce_ms = debounce_ms
        self.max_handlers = max_handlers
        self.site = PreviewSite()  # the preview site, in memory
        self._lock = threading.Lock()  # one build (or Markdown download) at a time
        self._pdf_lock = threading.Lock()  # PDFs apart: a rebuild never waits for one
        self._stop = threading.Event()
        self._watching = threading.Event()
        self._server: _Server | None = None
        self.hosts: frozenset[str] = frozenset()  # the Host headers answered
        self._threads: list[threading.Thread] = []
        self.status: dict[str, Any] = {"build": 0, "ok": False, "errors": [], "warnings": []}

    # --- life cycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The address of the preview, with the port actually bound."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/"

    def start(self) -> None:
        """Bind the port, start watching, build once, then serve."""
        handler = partial(_Handler, preview=self)
        self._server = _Server((self.host, self.port), handler, self.max_handlers)
        self.port = int(self._server.server_address[1])
        self.hosts = allowed_hosts(self.host, self.port)
        watcher = threading.Thread(target=self._watch, name="briefgen-watch", daemon=True)
        watcher.start()
        self._threads.append(watcher)
        self._watching.wait(WATCH_READY_SECONDS)  # changes from now on are seen
        self.rebuild("first build")
        if self._theme_files():  # watched again, with the theme's folders, before serving
            self._watching.clear()
            self._watching.wait(WATCH_READY_SECONDS)
        server = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.1},
            name="briefgen-http",
            daemon=True,
        )
        server.start()
        self._threads.append(server)

    def wait(self) -> None:
        """Block until stop() is called (or Ctrl-C reaches the main thread)."""
        while not self._stop.wait(0.5):
            pass

    def stop(self) -> None:
        """Stop watching and serving, wait for both threads, remove the preview folder."""
        self._stop.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        for t in self._threads:
            t.join(timeout=10)
        if self._server is not None:
            self._server.join_handlers(timeout=CONNECTION_SECONDS)

    # --- building -----------------------------------------------------------------------------

    def rebuild(self, why: str) -> dict[str, Any]:
        """Rebuild the preview site; record and log the outcome; never raise."""
        with self._lock:
            started = time.perf_counter()
            try:
                report = preview_site(self.root, self.site)
                diags = report.diagnostics
            except Exception as exc:  # a preview server outlives any build failure
                diags = [Diagnostic("build", 1, 1, f"build failed: {exc}")]
            errors = [d.format() for d in diags if d.severity is Severity.ERROR]
            warnings = [d.format() for d in diags if d.severity is not Severity.ERROR]
            self.status = {
                "build": int(self.status["build"]) + 1,
                "ok": not errors,
                "errors": errors,
                "warnings": warnings,
            }
            seconds = time.perf_counter() - started
            if errors:
                self._log(f"{why}: build failed; still showing the last good site", self.err)
                for line in errors:
                    print(line, file=self.err)
            else:
                self._log(f"{why}: rebuilt in {seconds:.2f} s", self.out)
                for line in warnings:
                    print(line, file=self.err)
            self.err.flush()
            return dict(self.status)

    def markdown(self, ident: str) -> Path | None:
        """Bring build/md up to date (briefly: Markdown is quick) and return one file."""
        with self._lock:
            if not preview_download(self.root, self.site, "md").ok:
                return None
        path = self.root / "build" / "md" / f"{ident}.md"
        return path if path.is_file() else None

    def pdf(self, ident: str, fmt: str = "pdf") -> Path | None:
        """Bring build/pdf (or build/docx) up to date (in a child process, all cores) and
        return one PDF (or Word document).

        Under its own lock, not the build lock: rebuilds and live reload go on meanwhile."""
        command = [sys.executable, "-m", "briefgen", "-C", str(self.root), "build"]
        command += ["--format", fmt, "--quiet"]
        kind = "PDFs" if fmt == "pdf" else "Word documents"
        with self._pdf_lock:
            self._log(f"making {kind} for {ident}.{fmt}", self.out)
            try:
                proc = subprocess.run(
                    command, capture_output=True, text=True, timeout=PDF_SECONDS, check=False
                )
            except subprocess.TimeoutExpired:
                self._log(f"{fmt.upper()} build stopped after {PDF_SECONDS} s", self.err)
                return None
            if proc.returncode != 0:
                self._log(f"{fmt.upper()} build failed", self.err)
                print(proc.stderr.rstrip(), file=self.err)
                return None
        path = self.root / "build" / fmt / f"{ident}.{fmt}"
        return path if path.is_file() else None

    def _watch(self) -> None:
        """Watch the inputs; watched again with new paths when the theme names other files."""
        try:
            while not self._stop.is_set():
                self._watch_until_theme_changes(self._theme_files())
        except Exception as exc:  # the server keeps serving the last site
            self._log(f"watching stopped: {exc}", self.err)
        finally:
            self._watching.set()

    def _theme_files(self) -> tuple[str, ...]:
        """The logo and stylesheets the last good build's config named."""
        gathered = self.site.gathered
        return gathered.record.theme if gathered is not None else ()

    def _watch_paths(self, theme: tuple[str, ...]) -> list[Path]:
        """briefs/, templates/, the config, and the folder of each theme file (the file
        itself when it lies in the project's top folder, so build/ and .git/ are not watched)."""
        paths = [self.root / "briefs", self.root / "templates", self.root / CONFIG_NAME]
        for rel in theme:
            path = (self.root / rel).resolve()
            if path.is_relative_to(self.root) and path != self.root:
                paths.append(path.parent if path.parent != self.root else path)
        return sorted({p for p in paths if p.exists()})

    def _watch_until_theme_changes(self, theme: tuple[str, ...]) -> None:
        from watchfiles import watch

        for changes in watch(
            *self._watch_paths(theme),
            debounce=self.debounce_ms,
            step=20,  # a change is handled after 20 ms without another one
            rust_timeout=200,
            yield_on_timeout=True,
            stop_event=self._stop,
            raise_interrupt=False,
        ):
            if changes and not self._stop.is_set():
                changed = {Path(p) for _, p in changes}
                existing = {p for p in changed if p.exists()} or changed  # no editor temps
                names = sorted(_rel(self.root, p) for p in existing)
                shown = ", ".join(names[:3]) + (" …" if len(names) > 3 else "")
                self.rebuild(f"changed {shown}")
            if self._theme_files() != theme:
                return  # to be watched again with the paths the theme names now
            self._watching.set()  # the first (empty) yield means the watch is in place

    def _log(self, message: str, stream: TextIO) -> None:
        stamp = dt.datetime.now().strftime("%H:%M:%S")
        print(f"[{stamp}] {message}", file=stream)
        stream.flush()

    # --- what the server answers --------------------------------------------------------------

    def error_page(self) -> bytes:
        """A page for when no build has succeeded yet: the problems, and the reload script."""
        items = "\n".join(html.escape(e) for e in self.status["errors"])
        return (
            '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
            "<title>Build failed · briefgen serve</title></head><body>"
            "<main><h1>The site did not build</h1><p>Fix these problems; this page reloads by "
            f"itself.</p><pre>{items}</pre></main>"
            f'<script src="/{LIVE_PATH}live.js" defer></script></body></html>\n'
        ).encode()


TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".xml": "application/xml",
    ".txt": "text/plain; charset=utf-8",
    ".md": "text/markdown; charset=utf-8",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}
DOWNLOAD_PATH = re.compile(r"/md/([a-z0-9]+(?:-[a-z0-9]+)*)\.md")


def allowed_hosts(host: str, port: int) -> frozenset[str]:
    """The `Host` headers the preview answers: a loopback name or the host it was asked to
    listen on, with the bound port (without it only on port 80). Lower case."""
    names = {*LOOPBACK_NAMES, f"[{host}]" if ":" in host else host}
    hosts = {f"{name.lower()}:{port}" for name in names}
    return frozenset(hosts | ({name.lower() for name in names} if port == 80 else set()))


def _busy_response() -> bytes:
    body = b"The preview server is busy; try again.\n"
    head = [
        "HTTP/1.0 503 Service Unavailable",
        "Content-Type: text/plain; charset=utf-8",
        f"Content-Length: {len(body)}",
        "Retry-After: 1",
        "Cache-Control: no-store",
        "Connection: close",
        *(f"{name}: {value}" for name, value in SECURITY_HEADERS),
    ]
    return ("\r\n".join(head) + "\r\n\r\n").encode() + body


BUSY = _busy_response()
LINGER_SECONDS = 2.0  # a refused connection is drained this long, so the client reads the 503
MAX_LINGERING = 256


class _Server(ThreadingHTTPServer):
    """A threading HTTP server with a bounded number of handler threads.

    A connection beyond the cap is answered 503 from the accepting thread without reading it
    (the answer fits in the socket buffer), its sending side is shut, and it is drained and
    closed between accepts (`service_actions`), so the client reads the 503, not a reset."""

    request_queue_size = LISTEN_BACKLOG
    daemon_threads = True

    def __init__(
        self,
        address: tuple[str, int],
        handler: Any,
        max_handlers: int,
    ) -> None:
        self.address_family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self._slots = threading.BoundedSemaphore(max_handlers)
        self._handlers: set[threading.Thread] = set()
        self._handlers_lock = threading.Lock()
        self._lingering: list[tuple[float, socket.socket]] = []
        super().__init__(address, handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self._refuse(request)
            return
        thread = threading.Thread(
            target=self._handle,
            args=(request, client_address),
            name="briefgen-request",
            daemon=True,
        )
        with self._handlers_lock:
            self._handlers.add(thread)
        try:
            thread.start()
        except RuntimeError:  # no thread to be had: refuse rather than fail the accept loop
            with self._handlers_lock:
                self._handlers.discard(thread)
            self._slots.release()
            self._refuse(request)

    def _handle(self, request: Any, client_address: Any) -> None:
        try:
            self.process_request_thread(request, client_address)
        finally:
            with self._handlers_lock:
                self._handlers.discard(threading.current_thread())
            self._slots.release()

    def _refuse(self, sock: socket.socket) -> None:
        try:
            sock.setblocking(False)
            sock.send(BUSY)
            sock.shutdown(socket.SHUT_WR)
        except OSError:
            sock.close()
            return
        if len(self._lingering) >= MAX_LINGERING:
            sock.close()
            return
        self._lingering.append((time.monotonic() + LINGER_SECONDS, sock))

    def service_actions(self) -> None:
        """Between accepts: read what refused clients sent; close them at EOF or when late."""
        now = time.monotonic()
        kept: list[tuple[float, socket.socket]] = []
        for deadline, sock in self._lingering:
            try:
                done = sock.recv(65536) == b"" or now > deadline
            except BlockingIOError:
                done = now > deadline
            except OSError:
                done = True
            if done:
                sock.close()
            else:
                kept.append((deadline, sock))
        self._lingering = kept

    def server_close(self) -> None:
        super().server_close()
        for _, sock in self._lingering:
            sock.close()
        self._lingering = []

    def join_handlers(self, timeout: float) -> None:
        """Wait, at most `timeout` seconds in all, for the requests being answered."""
        deadline = time.monotonic() + timeout
        with self._handlers_lock:
            running = list(self._handlers)
        for thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))


class _Handler(BaseHTTPRequestHandler):
    """The preview site from memory, plus the status file, the reload script and downloads."""

    timeout = CONNECTION_SECONDS

    def __init__(self, *args: Any, preview: Preview, **kwargs: Any) -> None:
        self.preview = preview
        super().__init__(*args, **kwargs)

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        if not self._host_ok():
            body = b"<h1>Misdirected request</h1><p>Open the preview at its own address.</p>"
            self._send(body, TYPES[".html"], HTTPStatus.MISDIRECTED_REQUEST)
            return
        path = unquote(urlsplit(self.path).path)
        if self._guarded(path) and self._cross_site():
            body = b"<h1>Forbidden</h1><p>Only the preview's own pages may ask for this.</p>"
            self._send(body, TYPES[".html"], HTTPStatus.FORBIDDEN)
            return
        if any(part.startswith(".") for part in path.split("/")):
            self._not_found()  # dot-files, and `..`, are never served
            return
        self._route(path)

    def _route(self, path: str) -> None:
        if path == f"/{LIVE_PATH}status.json":
            self._send(json.dumps(self.preview.status).encode(), "application/json")
            return
        if path == f"/{LIVE_PATH}live.js":
            script = asset_text(self.preview.root, "live.js").encode()
            self._send(script, TYPES[".js"])
            return
        made = MADE_ON_REQUEST.fullmatch(path)
        if made and made.group(1) == made.group(3):
            fmt = made.group(1)
            self._file(self.preview.pdf(made.group(2), fmt), TYPES[f".{fmt}"])
            return
        if not self.preview.site.files:
            self._send(self.preview.error_page(), TYPES[".html"])
            return
        md = DOWNLOAD_PATH.fullmatch(path)
        if md:
            self._file(self.preview.markdown(md.group(1)), TYPES[".md"])
            return
        self._page(path.lstrip("/"))

    def _page(self, rel: str) -> None:
        """A page of the site; a folder shows its index page if it has one (never a listing)."""
        files = self.preview.site.files
        rel = f"{rel}index.html" if rel == "" or rel.endswith("/") else rel
        body = files.get(rel)
        if body is not None:
            self._send(body, TYPES.get(Path(rel).suffix, "application/octet-stream"))
        elif f"{rel}/index.html" in files:  # a folder named without its slash
            self.send_response(HTTPStatus.MOVED_PERMANENTLY)
            self.send_header("Location", f"/{rel}/")
            self.send_header("Content-Length", "0")
            self.end_headers()
        else:
            self._not_found()

    def _host_ok(self) -> bool:
        """One `Host` header naming the preview itself: anything else may be DNS rebinding."""
        hosts = self.headers.get_all("Host") or []
        return len(hosts) == 1 and hosts[0].strip().lower() in self.preview.hosts

    @staticmethod
    def _guarded(path: str) -> bool:
        """Endpoints that start work or show state: only the preview's own pages may ask."""
        return (
            path.startswith(f"/{LIVE_PATH}")
            or MADE_ON_REQUEST.fullmatch(path) is not None
            or DOWNLOAD_PATH.fullmatch(path) is not None
        )

    def _cross_site(self) -> bool:
        """A request another site's page made: by Sec-Fetch-Site, Origin or Referer."""
        site = (self.headers.get("Sec-Fetch-Site") or "").strip().lower()
        if site in ("cross-site", "same-site"):
            return True
        own = f"http://{self.headers['Host'].strip().lower()}"
        origins = self.headers.get_all("Origin") or []
        if any(o.strip().lower() != own for o in origins):
            return True
        referers = [v.strip().lower() for v in self.headers.get_all("Referer") or []]
        return any(r != own and not r.startswith(f"{own}/") for r in referers)

    def _file(self, path: Path | None, ctype: str) -> None:
        if path is None:
            self._not_found()
        else:
            self._send(path.read_bytes(), ctype)

    def _not_found(self) -> None:
        """Missing pages get the site's own 404 page, as a static host would serve it."""
        page = self.preview.site.files.get("404.html", b"<h1>Not found</h1>")
        self._send(page, TYPES[".html"], HTTPStatus.NOT_FOUND)

    def _send(self, body: bytes, ctype: str, status: HTTPStatus = HTTPStatus.OK) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def end_headers(self) -> None:
        """Every response, errors from http.server included, carries the security headers."""
        for name, value in SECURITY_HEADERS:
            self.send_header(name, value)
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the terminal shows builds, not every request."""


def _rel(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


@contextlib.contextmanager
def _sigterm_stops() -> Iterator[None]:
    """Let SIGTERM end the server the way Ctrl-C does (main thread only)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def serve(
    root: Path,
    host: str = "127.0.0.1",
    port: int = 8000,
    out: TextIO | None = None,
    err: TextIO | None = None,
) -> int:
    """Serve the live preview until Ctrl-C or SIGTERM; returns the exit code."""
    out = out or sys.stdout
    err = err or sys.stderr
    preview = Preview(root, host, port, out=out, err=err)
    with _sigterm_stops():
        try:
            preview.start()
        except OSError as exc:
            preview.stop()
            print(f"briefgen serve: cannot listen on {host}:{port}: {exc.strerror}", file=err)
            return 2
        except KeyboardInterrupt:
            preview.stop()
            return 0
        if host not in ("127.0.0.1", "localhost", "::1"):
            print(f"briefgen serve: warning: {host} is reachable from other machines", file=err)
        print(f"Preview ready: open {preview.url} (serving {root}; Ctrl-C to stop)", file=out)
        out.flush()
        try:
            preview.wait()
        except KeyboardInterrupt:
            pass
        finally:
            preview.stop()
    print("stopped", file=out)
    return 0
