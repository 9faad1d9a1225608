"""Figures are content too: a file under briefs/figures/, PNG, JPEG or SVG, size- and
dimension-limited; an SVG with scripts, event handlers, embedded HTML, links or external
references is refused (it would be embedded in pages and PDFs). Used by validation (located
errors) and by the renderer (which embeds the checked bytes as a data: URL).
"""

from __future__ import annotations

import base64
import io
import re
from dataclasses import dataclass
from pathlib import Path

FIGURES_DIR = "briefs/figures"
MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 6000  # pixels, either side of a raster image
MIME = {".png": "image/png", ".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".svg": "image/svg+xml"}
SVG_NS = "{http://www.w3.org/2000/svg}"
XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
# Elements that run code, embed other documents or fetch: none may appear in a figure.
FORBIDDEN = frozenset(
    {"script", "foreignObject", "iframe", "object", "embed", "audio", "video", "a", "handler"}
)
_URL = re.compile(r"url\(\s*['\"]?\s*([^)'\"\s]*)", re.IGNORECASE)


class FigureError(ValueError):
    """Why a figure cannot be used (the message a located error carries)."""


@dataclass(frozen=True)
class Image:
    """A checked figure: its bytes and what the outputs need to embed it."""

    rel: str
    mime: str
    data: bytes

    @property
    def data_url(self) -> str:
        """The image as a data: URL: pages and PDFs embed it and fetch nothing."""
        return f"data:{self.mime};base64,{base64.b64encode(self.data).decode('ascii')}"


def figure_path(root: Path, file: str) -> Path:
    """The figure's file inside briefs/figures/; FigureError when it would lie elsewhere."""
    folder = (root / FIGURES_DIR).resolve()
    path = (folder / file).resolve()
    climbs = ".." in file.split("/")
    if file.startswith("/") or "\\" in file or climbs or not path.is_relative_to(folder):
        raise FigureError(f"figure file '{file}' is outside {FIGURES_DIR}/; put images there")
    return path


def load_image(root: Path, file: str) -> Image:
    """Read and check one figure file (FigureError says what is wrong)."""
    path = figure_path(root, file)
    mime = MIME.get(path.suffix.lower())
    if mime is None:
        raise FigureError(f"figure '{file}' must be a PNG, JPEG or SVG file")
    try:
        if not path.is_file():
            raise FigureError(f"figure file '{FIGURES_DIR}/{file}' does not exist")
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise FigureError(
                f"figure '{file}' is {size} bytes; at most {MAX_BYTES} bytes (5 MB) are allowed"
            )
        data = path.read_bytes()
    except OSError as exc:
        raise FigureError(f"figure '{file}' cannot be read: {exc.strerror}") from None
    if mime == "image/svg+xml":
        check_svg(data, file)
    else:
        _check_raster(data, file, "PNG" if mime == "image/png" else "JPEG")
    return Image(f"{FIGURES_DIR}/{file}", mime, data)


def _check_raster(data: bytes, file: str, fmt: str) -> None:
    """The bytes are the format the name says, within the pixel limits."""
    from PIL import Image as PILImage
    from PIL import UnidentifiedImageError

    try:
        with PILImage.open(io.BytesIO(data), formats=[fmt]) as im:
            width, height = im.size
    except (UnidentifiedImageError, OSError, ValueError):
        raise FigureError(f"figure '{file}' is not a readable {fmt} image") from None
    if width > MAX_SIDE or height > MAX_SIDE:
        raise FigureError(
            f"figure '{file}' is {width}x{height} pixels; at most {MAX_SIDE} a side are allowed"
        )


def check_svg(data: bytes, file: str, what: str = "figure") -> None:
    """Refuse an SVG that could run code, embed a document or fetch anything: the one policy
    for figures and for the theme's logo (`what`, which the message names)."""
    from defusedxml import DefusedXmlException
    from defusedxml.ElementTree import ParseError, fromstring

    label = f"{what} '{file}'"
    try:
        tree = fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError, ValueError):
        raise FigureError(f"{label} is not a well-formed SVG without a DTD") from None
    if tree.tag != f"{SVG_NS}svg":
        raise FigureError(f"{label} is not an SVG document (its root is not <svg>)")
    for el in tree.iter():
        tag = str(el.tag).removeprefix(SVG_NS)
        if tag in FORBIDDEN or "xhtml" in str(el.tag):
            raise FigureError(f"{label} holds a <{tag}> element; SVG {what}s may not")
        for name, value in el.attrib.items():
            _check_attribute(label, tag, name, value)
        if tag == "style" and el.text and ("@import" in el.text or _external(el.text)):
            raise FigureError(f"{label} has a stylesheet that fetches another file")


def _external(text: str) -> bool:
    return any(not u.startswith("#") and u for u in _URL.findall(text))


def _check_attribute(label: str, tag: str, name: str, value: str) -> None:
    local = name.rsplit("}", 1)[-1].lower()
    if local.startswith("on"):
        raise FigureError(f"{label} has an event handler ({local}) on <{tag}>")
    if (name == XLINK_HREF or local == "href") and not value.startswith("#"):
        raise FigureError(
            f"{label} refers to '{value[:60]}' from <{tag}>; only #fragments are allowed"
        )
    if _external(value):
        raise FigureError(f"{label} refers to an external resource from <{tag}>")
