"""PDF from the brief's HTML through WeasyPrint, with a fetcher that reads nothing untrusted.

WeasyPrint is imported here only, so commands that write no PDF never pay its import cost.
Each PDF is laid out in a forked child process with a wall-clock budget (and a memory cap),
so one hostile brief (an enormous table, say) fails alone with a clear message instead of
stalling the build; the child runs the same code on the same HTML, so the bytes are the same
as an in-process render and serial and parallel builds stay identical.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
import re
import select
import signal
import struct
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from ..project import template_dirs

PDF_VARIANT = "pdf/ua-1"
# A real briefing book takes a few seconds; overridable for slow machines and for tests.
PDF_SECONDS = float(os.environ.get("BRIEFGEN_PDF_SECONDS", "120"))
PDF_MEMORY = int(os.environ.get("BRIEFGEN_PDF_MEMORY_MB", "4096")) * 1024 * 1024


class PdfError(Exception):
    """A PDF could not be produced (for example, the page budget was exceeded)."""


DATA_IMAGE = re.compile(r"data:(image/(?:svg\+xml|png|jpeg));base64,")


def _fetcher_class() -> Any:
    from weasyprint.urls import URLFetcher

    class AssetFetcher(URLFetcher):  # type: ignore[misc]
        """Serve only files inside the template folders; refuse every other URL."""

        def __init__(self, allowed: list[Path]) -> None:
            super().__init__(allowed_protocols=("file",), allow_redirects=False)
            self._allowed = [a.resolve() for a in allowed]
            self.refused: list[str] = []

        def fetch(self, url: str, headers: Any = None) -> Any:
            from urllib.parse import unquote, urlsplit

            from weasyprint.urls import URLFetcherResponse

            image = DATA_IMAGE.match(url)
            if image:  # the theme's logo, inlined by the renderer (checked when validated)
                body = base64.b64decode(url[image.end() :], validate=True)
                return URLFetcherResponse(url, body, {"Content-Type": image.group(1)})
            parts = urlsplit(url)
            if parts.scheme == "file" and not parts.netloc:
                path = Path(unquote(parts.path)).resolve()
                for base in self._allowed:
                    if path.is_relative_to(base) and path.is_file():
                        return URLFetcherResponse(url, path.read_bytes(), {})
            self.refused.append(url)
            raise ValueError(f"briefgen refuses to fetch {url[:200]}")

    return AssetFetcher


def render_pdf(
    html: str, *, root: Path | None, max_pages: int = 400, seconds: float | None = None
) -> bytes:
    """Lay out and write one PDF within a time budget; deterministic for the same HTML."""
    budget = PDF_SECONDS if seconds is None else seconds
    return run_with_budget(lambda: _render_pdf(html, root, max_pages), budget, PDF_MEMORY)


@contextlib.contextmanager
def _no_library_search() -> Iterator[None]:
    """While WeasyPrint loads its C libraries, skip ctypes.util.find_library on Linux.

    WeasyPrint tries several names per library ("libpango-1.0-0", "pango-1.0", ...,
    "libpango-1.0.so.0"); for each name that is not a file, cffi asks find_library, which on
    Linux runs ldconfig, gcc and ld: about 0.3 s of every PDF build's serial start-up, spent
    on names that cannot match. The ".so.N" names WeasyPrint also tries are opened by
    dlopen itself, through the same search path; if none loads, the import is retried with
    the real search (see load_weasyprint), so a library only find_library finds still works.
    """
    import ctypes.util

    real = ctypes.util.find_library
    if not sys.platform.startswith("linux"):
        yield
        return
    ctypes.util.find_library = lambda name: None
    try:
        yield
    finally:
        ctypes.util.find_library = real


def load_weasyprint() -> Any:
    """Import WeasyPrint, or say which Debian packages to install when Pango is missing."""
    try:
        try:
            with _no_library_search():
                import weasyprint
        except OSError:  # retried with the full library search; a second failure is real
            import weasyprint
    except OSError as exc:  # cffi could not dlopen libpango / libpangoft2
        raise PdfError(
            f"WeasyPrint cannot load Pango ({exc}); install the Debian packages "
            "libpango-1.0-0 and libpangoft2-1.0-0 (or run `make brief`, which does)"
        ) from None
    return weasyprint


def _render_pdf(html: str, root: Path | None, max_pages: int) -> bytes:
    """Lay out and write one PDF in this process (dates come from <meta>, not the clock)."""
    weasyprint = load_weasyprint()

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    allowed = [d / "assets" for d in template_dirs(root)]
    fetcher = _fetcher_class()(allowed)
    # No base URL: relative links stay relative instead of becoming file:// URLs that carry
    # this machine's checkout path into the PDF (and make its bytes depend on that path).
    # The brief's CSS is inlined; an asset a template needs is named by an absolute file URL.
    document = weasyprint.HTML(string=html, base_url=None, url_fetcher=fetcher).render(
        pdf_variant=PDF_VARIANT, pdf_tags=True
    )
    if len(document.pages) > max_pages:
        raise PdfError(f"{len(document.pages)} pages exceed the budget of {max_pages}")
    pdf: bytes = document.write_pdf(
        pdf_variant=PDF_VARIANT,
        pdf_tags=True,
        pdf_identifier=b"briefgen",
        attachments=[],
    )
    return pdf


_OK, _FAILED = b"\x00", b"\x01"
_PR_SET_PDEATHSIG = 1


def memory_cap(memory: int) -> int:
    """The address-space budget a layout child really gets: `memory`, but never more than the
    hard limit this process inherited (`ulimit -v`), which it may not raise (asking would
    fail, and every PDF with it); 0 for no cap."""
    import resource

    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if memory > 0 and hard != resource.RLIM_INFINITY:
        return min(memory, hard)
    return memory


def _budget_words(memory: int) -> str:
    """The memory budget and where it comes from, for a message."""
    cap = memory_cap(memory)
    source = "BRIEFGEN_PDF_MEMORY_MB" if cap == memory else "the `ulimit -v` this build inherited"
    return f"its memory budget of {cap // (1024 * 1024)} MB (set by {source})"


def _child(fn: Callable[[], bytes], fd: int, memory: int) -> None:
    """In the forked child: cap memory, run, send the result or the failure, never return."""
    try:
        try:
            cap = memory_cap(memory)
            if cap > 0:
                import resource

                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
            payload = _OK + fn()
        except MemoryError:
            payload = _FAILED + f"the PDF ran out of {_budget_words(memory)}".encode()
        except Exception as exc:  # reported to the parent as a PdfError
            payload = _FAILED + str(exc).encode("utf-8", "replace")[:2000]
        data = struct.pack(">Q", len(payload)) + payload
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os._exit(0)


def _die_with(parent: int) -> None:
    """The layout child gets SIGKILL when its parent (a build worker) dies: a `kill -9` of
    the build must not leave a hostile layout running for its whole budget, unwatched."""
    import ctypes

    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:
        os._exit(1)


def run_with_budget(fn: Callable[[], bytes], seconds: float, memory: int = 0) -> bytes:
    """Run `fn` in a forked child; its bytes, or a PdfError if it fails or overruns `seconds`."""
    r, w = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child, measured through the parent
        os.close(r)
        _die_with(parent)
        _child(fn, w, memory)
    os.close(w)
    chunks: list[bytes] = []
    deadline = time.monotonic() + seconds
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise PdfError(
                    f"laying out the PDF took longer than {seconds:g} seconds; "
                    "make the brief shorter or its tables smaller"
                )
            ready, _, _ = select.select([r], [], [], left)
            if ready:
                chunk = os.read(r, 1 << 20)
                if not chunk:
                    break
                chunks.append(chunk)
    finally:
        os.close(r)
        with contextlib.suppress(ProcessLookupError):  # already gone
            os.kill(pid, signal.SIGKILL)
        _, status = os.waitpid(pid, 0)
    data = b"".join(chunks)
    if len(data) < 9 or struct.unpack(">Q", data[:8])[0] != len(data) - 8:
        why = f"signal {-os.waitstatus_to_exitcode(status)}" if os.WIFSIGNALED(status) else "exit"
        budget = f"; it may have run out of {_budget_words(memory)}" if memory > 0 else ""
        raise PdfError(f"the PDF renderer stopped unexpectedly ({why}){budget}")
    if data[8:9] != _OK:
        raise PdfError(data[9:].decode("utf-8", "replace"))
    return data[9:]


def NO_FETCH(url: str, *args: Any, **kwargs: Any) -> Any:
    """A URL fetcher for pages that must fetch nothing (the warm-up page)."""
    raise ValueError(f"this page fetches nothing ({url[:80]})")
