"""Word output: the brief's view model through the docx/ templates (HTML for pandoc's reader),
pandoc with the theme's reference.docx and docx.lua, then docx_finish for what pandoc cannot
do. The figures are the HTML's own SVG templates, drawn to PNG at print resolution.
"""

from __future__ import annotations

import base64
import calendar
import datetime as dt
import io
import struct
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from markupsafe import Markup

from ..images import Image
from ..model import Corpus, Revision
from ..project import BUILTIN_TEMPLATES, MissingTemplate, template_dirs
from ..theme import GENERIC_FONTS, LOGO_LIMIT, Theme, read_file
from ..tools import run_pandoc, svg_to_png
from .docx_finish import Finish, finish
from .figures import Matrix, Timeline, gap_matrix
from .templates import render
from .topic_view import TopicHelpers
from .view import BriefView, context

LUA_FILTER = Path(__file__).with_name("docx.lua")
REFERENCE = "docx/reference.docx"


def reference_doc(root: Path | None) -> Path:
    """The reference document in effect: the project's templates/docx/reference.docx, else
    the default theme's (an override like any template's)."""
    for d in (*template_dirs(root), BUILTIN_TEMPLATES):
        path = d / REFERENCE
        if path.is_file():
            return path
    raise MissingTemplate(REFERENCE, tuple(str(d) for d in template_dirs(root)))


@dataclass
class Figures:
    """The brief's pictures, drawn from the same SVG templates as the HTML.

    pandoc is handed a blank stand-in of each (the same size, a few hundred bytes): parsing
    megabytes of base64 in its HTML reader took over half of a book's pandoc time. The real
    PNGs replace the stand-ins in the finished package (`real`: stand-in bytes -> PNG)."""

    root: Path | None
    drawn: dict[str, str] = field(default_factory=dict)
    real: dict[bytes, bytes] = field(default_factory=dict)

    def _keep(self, fig_id: str, draw: Callable[[], bytes]) -> Markup:
        """The stand-in's data: URL of figure `fig_id`, drawn (to PNG) the first time only."""
        if fig_id not in self.drawn:
            png = draw()
            blank = stand_in(png, fig_id)
            self.real[blank] = png
            self.drawn[fig_id] = f"data:image/png;base64,{base64.b64encode(blank).decode()}"
        return Markup(self.drawn[fig_id])

    def _png(self, template: str, fig_id: str, **values: object) -> Markup:
        return self._keep(
            fig_id,
            lambda: svg_to_png(render("html", template, self.root, fig_id=fig_id, **values)),
        )

    def matrix(self, matrix: Matrix, fig_id: str) -> Markup:
        """The gap matrix as a PNG."""
        return self._png("html/partials/gap_matrix.svg.j2", fig_id, matrix=matrix)

    def timeline(self, tl: Timeline, fig_id: str) -> Markup:
        """The timeline of precedents as a PNG."""
        return self._png("html/partials/timeline.svg.j2", fig_id, tl=tl)

    def logo(self, theme: Theme) -> Markup | None:
        """The theme's logo for the cover, as a PNG (Word shows no SVG); None without one."""
        if self.root is None or not theme.logo or not theme.logo_type:
            return None
        data, _ = read_file(self.root, theme.logo, LOGO_LIMIT)
        if data is None:
            return None
        return self._keep(
            "theme-logo", lambda: _as_png(Image(theme.logo or "", theme.logo_type or "", data))
        )

    def picture(self, image: Image, fig_id: str) -> Markup:
        """A figure from briefs/figures/ (checked, SVG made inert) as a PNG, as Word takes it."""
        return self._keep(fig_id, lambda: _as_png(image))


def _as_png(image: Image) -> bytes:
    """A checked figure's bytes as PNG (our filter admits PNG only; Word would take JPEG)."""
    if image.mime == "image/svg+xml":
        return svg_to_png(image.data.decode("utf-8"))
    if image.mime == "image/png":
        return image.data
    from PIL import Image as Pil

    out = io.BytesIO()
    Pil.open(io.BytesIO(image.data)).save(out, "PNG")
    return out.getvalue()


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def stand_in(png: bytes, fig_id: str) -> bytes:
    """A blank PNG as wide and high as `png`, named by `fig_id` (so no two are alike)."""
    width, height = struct.unpack(">II", png[16:24])
    rows = zlib.compress(b"\x00" * ((width + 1) * height), 9)  # filter byte + grey pixels
    return (
        b"\x89PNG\r\n\x1a\n"
        + _chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
        + _chunk(b"tEXt", b"briefgen-figure\x00" + fig_id.encode())
        + _chunk(b"IDAT", rows)
        + _chunk(b"IEND", b"")
    )


def docx_html(
    corpus: Corpus, target: object, view: BriefView, *, root: Path | None, figures: Figures
) -> str:
    """The HTML pandoc reads for one brief (docx/brief.html.j2)."""
    from . import Brand, _related_href

    theme = corpus.config.theme
    ctx = context(
        corpus,
        view,
        png=figures,
        brand=Brand(theme.organisation, figures.logo(theme)),
        issue_matrix=lambda issue: gap_matrix([issue]),
        related_href=_related_href(corpus, target, ".docx"),  # type: ignore[arg-type]
        **TopicHelpers(corpus, root).context(),
    )
    return render("html", "docx/brief.html.j2", root, **ctx)


def render_docx(
    corpus: Corpus,
    target: object,
    *,
    root: Path | None,
    revisions: list[Revision] | None = None,
    page_size: str | None = None,
) -> bytes:
    """One brief as a Word document; the same bytes for the same inputs."""
    from . import view_for

    view = view_for(corpus, target, revisions or [], page_size)  # type: ignore[arg-type]
    figures = Figures(root)
    html = docx_html(corpus, target, view, root=root, figures=figures)
    epoch = calendar.timegm(dt.datetime.combine(view.date, dt.time()).timetuple())
    data = run_pandoc(html, reference_doc(root), LUA_FILTER, epoch)
    how = Finish(
        title=view.title,
        marking=view.distribution,
        page_size=view.page_size,
        author=view.author,
        date=view.date,
        subject=view.description,
        keywords=", ".join(view.keywords),
        colors=corpus.config.theme.colors,
        faces=tuple(
            (var, names[0])
            for var, names in corpus.config.theme.fonts
            if names[0] not in GENERIC_FONTS
        ),
    )
    return finish(data, how, figures.real)
