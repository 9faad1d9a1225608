"""What pandoc cannot do, done on its output with python-docx; then the bytes made stable.

Pandoc copies the reference document's header and footer as they are: the marking and the
title go into their placeholders here (a reference without a marking placeholder is refused,
so no page can go out unmarked). Here too: the page size, the gap cells' shading, the
document properties, a zip whose every byte depends only on its content, and the last check
that the document is inert (no external part, no macro, no field but TOC and page numbers).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ..tools import DocxError

TITLE_MARK = "BRIEFGEN-TITLE"
MARKING_MARK = "BRIEFGEN-MARKING"
# The same fills as the gap matrix (html/partials/gap_matrix.svg.j2) and brief.css.
GAP_FILLS = {
    "GapAligned": "E1F0E1",
    "GapNarrow": "F3D877",
    "GapWide": "D9783F",
    "GapIrreconcilable": "7A1616",
}
HEADER_FILL = "1F3A5F"  # brief.css --accent: thead th
# The default theme's colours and faces as reference.docx uses them (brief.css :root): a
# project's `theme:` puts its own wherever a style has one (text, borders, shading).
DEFAULT_COLORS = {
    "ink": "1B1F24",
    "muted": "5B6470",
    "rule": "C9CED6",
    "accent": "1F3A5F",
    "link": "1F4F8F",
    "panel": "F3F5F8",
}
DEFAULT_FACES = {"serif": "PT Serif", "sans": "PT Sans"}
SEMANTIC_STYLES = (b"Confidence", b"Gap")  # their colours mean something: kept
PAGE_MM = {"A4": (210.0, 297.0), "Letter": (215.9, 279.4)}
SIDE_MARGIN_MM = 18.0
ALLOWED_FIELDS = ("TOC", "PAGE", "NUMPAGES")
SAFE_LINK = re.compile(r"(?:https?:|mailto:)", re.IGNORECASE)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


@dataclass(frozen=True)
class Finish:
    """What the finished document says about itself."""

    title: str
    marking: str
    page_size: str
    author: str
    date: dt.date
    subject: str
    keywords: str
    colors: tuple[tuple[str, str], ...] = ()  # the theme's: (variable, #rgb or #rrggbb)
    faces: tuple[tuple[str, str], ...] = ()  # the theme's: (variable, font family)

    def restyle(self, xml: bytes) -> bytes:
        """styles.xml with the theme's colours and faces in place of the default theme's."""
        colors = {
            DEFAULT_COLORS[k].encode(): _hex6(v).encode()
            for k, v in self.colors
            if k in DEFAULT_COLORS
        }
        faces = {
            DEFAULT_FACES[k].encode(): escape(v, {'"': "&quot;"}).encode()
            for k, v in self.faces
            if k in DEFAULT_FACES
        }
        if not colors and not faces:
            return xml

        def one(m: re.Match[bytes]) -> bytes:
            out = _FACE_ATTR.sub(lambda f: f[1] + faces.get(f[2], f[2]) + f[3], m[0])
            if any(b'w:styleId="' + name in out for name in SEMANTIC_STYLES):
                return out
            return _COLOR_ATTR.sub(lambda c: c[1] + colors.get(c[2].upper(), c[2]) + c[3], out)

        return _STYLE.sub(one, xml)

    @property
    def header_fill(self) -> str:
        """The table header rows' fill: the theme's accent."""
        accent = dict(self.colors).get("accent")
        return _hex6(accent) if accent else HEADER_FILL


def _hex6(color: str) -> str:
    """#rgb or #rrggbb as RRGGBB."""
    digits = color.lstrip("#").upper()
    return "".join(c * 2 for c in digits) if len(digits) == 3 else digits


_STYLE = re.compile(rb"<w:style\b.*?</w:style>|<w:docDefaults>.*?</w:docDefaults>", re.DOTALL)
_COLOR_ATTR = re.compile(rb'(w:(?:val|color|fill)=")([0-9A-Fa-f]{6})(")')
_FACE_ATTR = re.compile(rb'(w:(?:ascii|hAnsi|cs|eastAsia)=")([^"]*)(")')


def finish(data: bytes, how: Finish, figures: dict[bytes, bytes] | None = None) -> bytes:
    """Pandoc's DOCX with its marking, page size, shading and properties, and each figure's
    stand-in replaced by the figure (`figures`); stable bytes."""
    from docx import Document

    doc = Document(io.BytesIO(data))
    _page_setup(doc, how.page_size)
    _marks(doc, how)
    _shade_gaps(doc)
    _table_rows(doc, how.header_fill)
    props = doc.core_properties
    props.title, props.author = _fit(how.title), _fit(how.author)
    props.last_modified_by = _fit(how.author)
    props.subject, props.keywords, props.comments = _fit(how.subject), _fit(how.keywords), ""
    stamp = dt.datetime.combine(how.date, dt.time(), tzinfo=dt.UTC).replace(tzinfo=None)
    props.created = props.modified = stamp
    props.revision = 1
    props.category = how.marking
    buf = io.BytesIO()
    doc.save(buf)
    parts: dict[str, Callable[[bytes], bytes]] = {
        "word/footnotes.xml": _footnote_style,
        "word/styles.xml": how.restyle,
    }
    out = normalise_zip(buf.getvalue(), parts, figures)
    problem = inert_problem(out)
    if problem:
        raise DocxError(f"the Word document would {problem}")
    return out


def _fit(text: str, limit: int = 255) -> str:
    """A core property as Word allows it: at most 255 characters, cut at a word."""
    return text if len(text) <= limit else text[: limit - 1].rsplit(" ", 1)[0] + "…"


def _page_setup(doc: object, page_size: str) -> None:
    """A4 or Letter with the PDF's margins; header and footer tabs at the right margin."""
    from docx.oxml.ns import qn
    from docx.shared import Mm

    width, height = PAGE_MM.get(page_size, PAGE_MM["A4"])
    for section in doc.sections:  # type: ignore[attr-defined]
        section.page_width, section.page_height = Mm(width), Mm(height)
        section.left_margin = section.right_margin = Mm(SIDE_MARGIN_MM)
        for restart in section._sectPr.findall(qn("w:footnotePr")):
            section._sectPr.remove(restart)  # footnotes numbered through the whole brief
    for name in ("Header", "Footer"):
        try:
            tabs = doc.styles[name].paragraph_format.tab_stops  # type: ignore[attr-defined]
        except KeyError:
            continue
        for stop in list(tabs):
            tabs._pPr.tabs.remove(stop._tab)  # python-docx offers no clear()
        from docx.enum.text import WD_TAB_ALIGNMENT

        tabs.add_tab_stop(Mm(width - 2 * SIDE_MARGIN_MM), WD_TAB_ALIGNMENT.RIGHT)


def _marks(doc: object, how: Finish) -> None:
    """Put the marking and title into every header and footer; refuse a part with no marking."""
    even = doc.settings.odd_and_even_pages_header_footer  # type: ignore[attr-defined]
    for section in doc.sections:  # type: ignore[attr-defined]
        parts = [("header", section.header), ("footer", section.footer)]
        if even:
            parts += [("even-page header", section.even_page_header)]
            parts += [("even-page footer", section.even_page_footer)]
        if section.different_first_page_header_footer:
            parts += [("first-page header", section.first_page_header)]
            parts += [("first-page footer", section.first_page_footer)]
        for label, part in parts:
            marked = False
            for paragraph in part.paragraphs:
                for run in paragraph.runs:
                    if MARKING_MARK in run.text:
                        run.text = run.text.replace(MARKING_MARK, how.marking)
                        marked = True
                    if TITLE_MARK in run.text:
                        run.text = run.text.replace(TITLE_MARK, how.title)
            if not marked:
                raise DocxError(
                    f"the reference document's {label} has no {MARKING_MARK} placeholder, "
                    "so its pages would carry no marking (see docs/docx.md)"
                )


def _shade_gaps(doc: object) -> None:
    """A cell holding a gap badge (character style "Gap <level>") gets the level's fill."""
    from docx.oxml.ns import qn

    body = doc.element.body  # type: ignore[attr-defined]
    for tc in body.iter(qn("w:tc")):
        styles = {s.get(qn("w:val")) for s in tc.iter(qn("w:rStyle"))}
        fill = next((GAP_FILLS[s] for s in sorted(styles & GAP_FILLS.keys())), None)
        if fill is None:
            continue
        _fill(tc, fill)


def _table_rows(doc: object, header_fill: str) -> None:
    """Rows never split across pages (as in the PDF); a header row, which repeats on every
    page, is white on the accent blue in every reader (not all apply table-style colours)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    body = doc.element.body  # type: ignore[attr-defined]
    for tr in body.iter(qn("w:tr")):
        trpr = tr.get_or_add_trPr()
        if trpr.find(qn("w:cantSplit")) is None:
            trpr.insert(0, OxmlElement("w:cantSplit"))
        if trpr.find(qn("w:tblHeader")) is None:
            continue
        for tc in tr.iter(qn("w:tc")):
            _fill(tc, header_fill)
            for run in tc.iter(qn("w:r")):
                rpr = run.get_or_add_rPr()
                for tag, value in (("w:b", None), ("w:color", "FFFFFF")):
                    el = rpr.find(qn(tag))
                    if el is None:
                        el = OxmlElement(tag)
                        rpr.append(el)
                    if value is not None:
                        el.set(qn("w:val"), value)


def _fill(tc: object, color: str) -> None:
    """A table cell's solid background."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tcpr = tc.get_or_add_tcPr()  # type: ignore[attr-defined]
    for old in tcpr.findall(qn("w:shd")):
        tcpr.remove(old)
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), color)
    tcpr.append(shd)


def _footnote_style(xml: bytes) -> bytes:
    """Every footnote paragraph in "Footnote Text", whatever block its mark stands in
    (pandoc gives a note the style of the paragraph around its mark)."""
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    root = etree.fromstring(xml)
    for note in root.iter(f"{w}footnote"):
        if int(note.get(f"{w}id", "0")) <= 0:
            continue  # the separators
        for ppr in note.iter(f"{w}pPr"):
            style = ppr.find(f"{w}pStyle")
            if style is not None:
                style.set(f"{w}val", "FootnoteText")
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True))


def normalise_zip(
    data: bytes,
    transforms: dict[str, Callable[[bytes], bytes]] | None = None,
    swap: dict[bytes, bytes] | None = None,
) -> bytes:
    """The same package with stable bytes: fixed order ([Content_Types].xml first), one
    timestamp, one compression level, no extra fields; `transforms` edit parts on the way,
    and a part whose bytes are a key of `swap` becomes its value."""
    transforms, swap = transforms or {}, swap or {}
    with zipfile.ZipFile(io.BytesIO(data)) as src:
        parts = {i.filename: src.read(i) for i in src.infolist() if not i.is_dir()}
    names = sorted(parts, key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in names:
            body = transforms[name](parts[name]) if name in transforms else parts[name]
            body = swap.get(body, body)
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, body, compresslevel=6)
    return out.getvalue()


_REL = re.compile(rb"<Relationship\b[^>]*>")
_ATTR = re.compile(rb'(\w+)="([^"]*)"')
_FIELD = re.compile(rb'<w:instrText[^>]*>([^<]*)<|w:instr="([^"]*)"')


def inert_problem(data: bytes) -> str | None:
    """What would make the document act outside itself: an external part other than an
    http(s)/mailto hyperlink, a macro, or a field other than TOC and page numbers."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        names = z.namelist()
        for name in names:
            lower = name.lower()
            if lower.endswith((".bin", "vbaproject.bin", "vbadata.xml")) or "activex" in lower:
                return f"carry a macro or control ({name})"
            if name.endswith(".rels"):
                problem = _rels_problem(name, z.read(name))
                if problem:
                    return problem
            if name.startswith("word/") and name.endswith(".xml"):
                problem = _fields_problem(name, z.read(name))
                if problem:
                    return problem
    return None


def _rels_problem(name: str, xml: bytes) -> str | None:
    for rel in _REL.findall(xml):
        attrs = {k.decode(): v.decode() for k, v in _ATTR.findall(rel)}
        if attrs.get("TargetMode") != "External":
            continue
        target = attrs.get("Target", "")
        if not attrs.get("Type", "").endswith("/hyperlink") or not SAFE_LINK.match(target):
            return f"load {target[:80]!r} from outside ({name})"
    return None


def _fields_problem(name: str, xml: bytes) -> str | None:
    if b"<w:altChunk" in xml or b"<w:subDoc" in xml or b"attachedTemplate" in xml:
        return f"pull in another document ({name})"
    for instr, simple in _FIELD.findall(xml):
        words = (instr or simple).decode("utf-8", "replace").split()
        if words and words[0].upper() not in ALLOWED_FIELDS:
            return f"carry a {words[0][:20]} field ({name})"
    return None
