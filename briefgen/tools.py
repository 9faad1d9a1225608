"""The two programs a DOCX needs besides Python: pandoc (HTML to Word) and cairo (SVG to PNG).

Outside render/ (whose package imports Jinja and markdown-it): a no-op build asks for
pandoc's version, part of every DOCX key, and must import no renderer.

pandoc comes from the `pypandoc_binary` wheel, so every machine runs the same pandoc version
and writes the same bytes (Debian bookworm's pandoc is 2.17, years older); BRIEFGEN_PANDOC
names another binary, and a `pandoc` on PATH is the last resort. It runs sandboxed (no
network, no file but those named on its command line) with a time budget.
"""

from __future__ import annotations

import functools
import importlib.util
import os
import shutil
import subprocess
from pathlib import Path

PANDOC_SECONDS = float(os.environ.get("BRIEFGEN_PANDOC_SECONDS", "120"))
PRINT_SCALE = 3.0  # 680 SVG units at 3x: 2040 px across a 174 mm text width, about 300 dpi


class DocxError(Exception):
    """A Word document could not be produced (pandoc missing, failed or too slow)."""


@functools.cache
def pandoc_path() -> str:
    """The pandoc binary: BRIEFGEN_PANDOC, else the pypandoc_binary wheel's, else PATH's."""
    chosen = os.environ.get("BRIEFGEN_PANDOC")
    if chosen:
        return chosen
    spec = importlib.util.find_spec("pypandoc")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        bundled = Path(folder) / "files" / "pandoc"
        if bundled.is_file():
            return str(bundled)
    found = shutil.which("pandoc")
    if found:
        return found
    raise DocxError(
        "pandoc is missing: install the Python package pypandoc_binary (a dependency of "
        "briefgen) or Debian's pandoc, or name one with BRIEFGEN_PANDOC"
    )


@functools.cache
def pandoc_version() -> str:
    """pandoc's version: part of every DOCX key (another pandoc writes other bytes). The
    wheel's version names its pandoc without running it (a no-op build stays quick)."""
    try:
        path = pandoc_path()
    except DocxError:
        return "missing"
    if "pypandoc" in Path(path).parts and not os.environ.get("BRIEFGEN_PANDOC"):
        from importlib.metadata import PackageNotFoundError, version

        try:
            return f"pypandoc_binary {version('pypandoc_binary')}"
        except PackageNotFoundError:
            pass
    try:
        proc = subprocess.run(
            [path, "--version"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return "missing"
    return proc.stdout.split("\n", 1)[0].strip() or "unknown"


def run_pandoc(html: str, reference: Path, lua_filter: Path, epoch: int) -> bytes:
    """HTML in, DOCX out, through pandoc's sandbox: it may read only the files named here."""
    command = [
        pandoc_path(),
        "--sandbox",
        "--from=html-raw_html",
        "--to=docx",
        f"--reference-doc={reference}",
        f"--lua-filter={lua_filter}",
        "--output=-",
    ]
    env = {"SOURCE_DATE_EPOCH": str(epoch), "LANG": "C.UTF-8", "PATH": os.defpath}
    try:
        proc = subprocess.run(
            command,
            input=html.encode(),
            capture_output=True,
            timeout=PANDOC_SECONDS,
            env=env,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise DocxError(f"pandoc took longer than {PANDOC_SECONDS:g} seconds") from None
    except OSError as exc:
        raise DocxError(f"pandoc could not run ({exc.strerror})") from None
    if proc.returncode != 0:
        first = proc.stderr.decode("utf-8", "replace").strip().splitlines()[:1]
        raise DocxError(f"pandoc failed: {first[0] if first else proc.returncode}")
    return proc.stdout


def _refuse(url: str, resource_type: str | None = None) -> dict[str, object]:
    """cairosvg's URL fetcher: a figure of ours names nothing outside itself."""
    raise ValueError(f"a figure may load nothing ({url[:80]})")


def svg_to_png(svg: str) -> bytes:
    """One figure at print resolution (the same SVG the HTML and PDF show)."""
    from cairosvg.surface import PNGSurface

    png: bytes = PNGSurface.convert(
        bytestring=svg.encode(), scale=PRINT_SCALE, unsafe=False, url_fetcher=_refuse
    )
    return png
