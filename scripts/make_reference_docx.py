"""Regenerate briefgen/templates/docx/reference.docx: the Word styles of the default theme.

Starts from pandoc's own reference document (`pandoc --print-default-data-file
reference.docx`, so every style pandoc writes exists) and edits it with python-docx to match
the PDF (brief.css): PT Serif body, PT Sans headings in the accent blue, the marking in the
header and footer of every page, "Page N of M", A4 margins, the positions table's dark header
row, and the character styles the DOCX templates name (confidence, gap levels, likelihood).
The header and footer carry placeholders that every build replaces (render/docx_finish.py).
The output is byte-identical on every run: `python scripts/make_reference_docx.py [OUT]`.
"""

from __future__ import annotations

import io
import subprocess
import sys
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from briefgen.render.docx_finish import (  # noqa: E402
    MARKING_MARK,
    TITLE_MARK,
    normalise_zip,
)
from briefgen.tools import pandoc_path  # noqa: E402

OUT = ROOT / "briefgen" / "templates" / "docx" / "reference.docx"
SERIF, SANS, MONO = "PT Serif", "PT Sans", "DejaVu Sans Mono"
ACCENT, MUTED, INK, MARK_RED = "1F3A5F", "5B6470", "1B1F24", "8B1E1E"
CONFIDENCE = {"Low": "8A4B00", "Moderate": "1F4F8F", "High": "1D5E2C"}


def set_fonts(rpr_owner: object, name: str) -> None:
    """Name one face for every script and drop the theme font references that override it."""
    rpr = rpr_owner.get_or_add_rPr()  # type: ignore[attr-defined]
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in list(fonts.attrib):
        if attr.endswith("Theme") or attr.endswith("theme"):
            del fonts.attrib[attr]
    for slot in ("ascii", "hAnsi", "eastAsia", "cs"):
        fonts.set(qn(f"w:{slot}"), name)


def style_font(
    style: object,
    name: str,
    size: float | None = None,
    color: str | None = None,
    bold: bool | None = None,
) -> None:
    """The face, size, colour and weight of one style."""
    set_fonts(style.element, name)  # type: ignore[attr-defined]
    font = style.font  # type: ignore[attr-defined]
    if size is not None:
        font.size = Pt(size)
    if color is not None:
        font.color.rgb = RGBColor.from_string(color)
        rpr = style.element.get_or_add_rPr()  # type: ignore[attr-defined]
        col = rpr.find(qn("w:color"))
        for attr in ("themeColor", "themeShade", "themeTint"):
            col.attrib.pop(qn(f"w:{attr}"), None)
    if bold is not None:
        font.bold = bold


def add_style(doc: Document, name: str, kind: WD_STYLE_TYPE, base: str | None = None) -> object:
    """A style the templates name, made once."""
    try:
        return doc.styles[name]
    except KeyError:
        style = doc.styles.add_style(name, kind)
        if base is not None:
            style.base_style = doc.styles[base]
        style.quick_style = True
        return style


def border(ppr: object, side: str, color: str, size: int, space: int = 4) -> None:
    """A paragraph border (the BLUF's left rule, the cover's top rule)."""
    pbdr = ppr.find(qn("w:pBdr"))  # type: ignore[attr-defined]
    if pbdr is None:
        pbdr = OxmlElement("w:pBdr")
        ppr.append(pbdr)  # type: ignore[attr-defined]
    edge = OxmlElement(f"w:{side}")
    for k, v in (("val", "single"), ("sz", str(size)), ("space", str(space)), ("color", color)):
        edge.set(qn(f"w:{k}"), v)
    pbdr.append(edge)


def shade(ppr_or_tcpr: object, fill: str) -> None:
    """A solid background."""
    shd = OxmlElement("w:shd")
    shd.set(qn("w:val"), "clear")
    shd.set(qn("w:color"), "auto")
    shd.set(qn("w:fill"), fill)
    ppr_or_tcpr.append(shd)  # type: ignore[attr-defined]


def paragraph_styles(doc: Document) -> None:
    """Body, headings, cover block, BLUF, captions, footnotes: brief.css in Word terms."""
    styles = doc.styles
    style_font(styles["Normal"], SERIF, 10, INK)
    for name in ("Body Text", "First Paragraph", "Compact"):
        style_font(styles[name], SERIF)
    styles["Body Text"].paragraph_format.space_before = Pt(3)
    styles["Body Text"].paragraph_format.space_after = Pt(5)
    for level, size in ((1, 22), (2, 15), (3, 12), (4, 10.5), (5, 10), (6, 10)):
        style_font(styles[f"Heading {level}"], SANS, size, ACCENT, True)
        style_font(styles[f"Heading {level} Char"], SANS, size, ACCENT, True)
    h2 = styles["Heading 2"].element.get_or_add_pPr()
    border(h2, "bottom", ACCENT, 8, 1)
    style_font(styles["TOC Heading"], SANS, 15, ACCENT, True)
    style_font(styles["Title"], SANS, 28, ACCENT, True)
    style_font(styles["Subtitle"], SANS, 13, MUTED, False)
    for name in ("Caption", "Table Caption", "Image Caption"):
        found = next(s for s in styles if s.name == name)
        style_font(found, SANS, 8.5, MUTED, False)
        found.font.italic = True
    style_font(styles["Footnote Text"], SANS, 8, INK)
    style_font(styles["Source Code"] if "Source Code" in styles else styles["Normal"], SERIF)

    marking = add_style(doc, "Marking", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_font(marking, SANS, 8, MARK_RED, True)
    marking.font.all_caps = True
    marking.paragraph_format.alignment = 1  # centred, as on the PDF's cover
    organisation = add_style(doc, "Organisation", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_font(organisation, SANS, 10.5, ACCENT, True)  # brand.css .organisation
    organisation.paragraph_format.space_before = Pt(6)
    kicker = add_style(doc, "Kicker", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_font(kicker, SANS, 9, MUTED, True)
    kicker.font.all_caps = True
    kicker.paragraph_format.space_before = Pt(18)
    cover_title = add_style(doc, "Cover Title", WD_STYLE_TYPE.PARAGRAPH, "Title")
    style_font(cover_title, SANS, 28, ACCENT, True)
    border(cover_title.element.get_or_add_pPr(), "top", ACCENT, 48, 12)
    cover_title.paragraph_format.alignment = 0  # left, as on the PDF's cover
    cover_sub = add_style(doc, "Cover Subtitle", WD_STYLE_TYPE.PARAGRAPH, "Subtitle")
    style_font(cover_sub, SANS, 13, MUTED, False)
    cover_sub.paragraph_format.alignment = 0
    meta = add_style(doc, "Cover Meta", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_font(meta, SANS, 9.5, INK)
    meta.paragraph_format.space_after = Pt(2)
    bluf = add_style(doc, "BLUF", WD_STYLE_TYPE.PARAGRAPH, "Body Text")
    style_font(bluf, SERIF, 11, INK)
    ppr = bluf.element.get_or_add_pPr()
    border(ppr, "left", ACCENT, 24, 8)
    shade(ppr, "F3F5F8")
    bluf.paragraph_format.left_indent = Mm(3)
    line = add_style(doc, "Revision Line", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_font(line, SANS, 8.5, MUTED)
    label = add_style(doc, "List Label", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    style_font(label, SANS, 8, MUTED, True)
    label.font.all_caps = True
    label.paragraph_format.space_before = Pt(8)
    for level in (1, 2):
        toc = add_style(doc, f"TOC {level}", WD_STYLE_TYPE.PARAGRAPH, "Normal")
        style_font(toc, SANS, 10 if level == 1 else 9.5, INK, level == 1)
        toc.paragraph_format.left_indent = Mm(0 if level == 1 else 5)
        toc.paragraph_format.space_after = Pt(2)
    header = add_style(doc, "Header", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    footer = add_style(doc, "Footer", WD_STYLE_TYPE.PARAGRAPH, "Normal")
    for s in (header, footer):
        style_font(s, SANS, 8, MUTED)
        s.paragraph_format.tab_stops.add_tab_stop(Mm(174), WD_TAB_ALIGNMENT.RIGHT)


def character_styles(doc: Document) -> None:
    """The badges the templates name: confidence, gap level, likelihood, the marking."""
    for word, color in CONFIDENCE.items():
        s = add_style(doc, f"Confidence {word}", WD_STYLE_TYPE.CHARACTER)
        style_font(s, SANS, 8, color, True)
        s.font.all_caps = True
    for gap in ("Aligned", "Narrow", "Wide", "Irreconcilable"):
        s = add_style(doc, f"Gap {gap}", WD_STYLE_TYPE.CHARACTER)
        style_font(s, SANS, 8.5, "FFFFFF" if gap == "Irreconcilable" else "111111", True)
    for name, color in (("Likelihood", INK), ("Flag", MUTED), ("Kind", MUTED)):
        s = add_style(doc, name, WD_STYLE_TYPE.CHARACTER)
        style_font(s, SANS, 8.5, color, name == "Likelihood")
        s.font.italic = name == "Flag"
    mark = add_style(doc, "Marking Char", WD_STYLE_TYPE.CHARACTER)
    style_font(mark, SANS, 7.5, MARK_RED, True)
    mark.font.all_caps = True
    style_font(doc.styles["Hyperlink"], SERIF, None, "1F4F8F")
    style_font(doc.styles["Footnote Reference"], SANS, None, "1F4F8F")


def table_style(doc: Document) -> None:
    """Pandoc's "Table": grey rules, the header row white on the accent blue (as in the PDF)."""
    style = doc.styles["Table"].element
    tblpr = style.find(qn("w:tblPr"))
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        for k, v in (("val", "single"), ("sz", "4"), ("space", "0"), ("color", "C9CED6")):
            edge.set(qn(f"w:{k}"), v)
        borders.append(edge)
    tblpr.append(borders)
    first = style.find(qn("w:tblStylePr"))
    rpr = OxmlElement("w:rPr")
    for tag in ("w:b", "w:bCs"):
        rpr.append(OxmlElement(tag))
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "FFFFFF")
    rpr.append(color)
    first.insert(0, rpr)
    shade(first.find(qn("w:tcPr")), ACCENT)


def header_footer(doc: Document) -> None:
    """Title and marking at the top of every page; marking and "Page N of M" at the bottom."""
    section = doc.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(22), Mm(20)
    section.left_margin = section.right_margin = Mm(18)
    section.header_distance, section.footer_distance = Mm(9), Mm(8)
    head = section.header.paragraphs[0]
    head.style = doc.styles["Header"]
    head.add_run(TITLE_MARK)
    head.add_run("\t")
    head.add_run(MARKING_MARK, style="Marking Char")
    foot = section.footer.paragraphs[0]
    foot.style = doc.styles["Footer"]
    foot.add_run(MARKING_MARK, style="Marking Char")
    foot.add_run("\tPage ")
    field(foot, "PAGE")
    foot.add_run(" of ")
    field(foot, "NUMPAGES")


def field(paragraph: object, instruction: str) -> None:
    """A simple field (PAGE, NUMPAGES) whose result Word and LibreOffice compute."""
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), f" {instruction} ")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)  # type: ignore[attr-defined]


def theme_fonts(data: bytes) -> bytes:
    """The theme's major and minor Latin faces: PT Sans and PT Serif (Word's defaults)."""
    text = data.decode()
    major = text.index("<a:majorFont>")
    minor = text.index("<a:minorFont>")
    head = text[:major]
    mid = text[major:minor]
    tail = text[minor:]
    mid = _latin(mid, SANS)
    tail = _latin(tail, SERIF)
    return (head + mid + tail).encode()


def _latin(part: str, face: str) -> str:
    start = part.index('<a:latin typeface="') + len('<a:latin typeface="')
    end = part.index('"', start)
    return part[:start] + face + part[end:]


def main() -> int:
    """Write the reference document; print where."""
    pandoc = pandoc_path()
    data = subprocess.run(
        [pandoc, "--print-default-data-file", "reference.docx"], capture_output=True, check=True
    ).stdout
    doc = Document(io.BytesIO(data))
    paragraph_styles(doc)
    character_styles(doc)
    table_style(doc)
    header_footer(doc)
    props = doc.core_properties
    props.title, props.author, props.comments = "briefgen reference", "briefgen", ""
    buf = io.BytesIO()
    doc.save(buf)
    out = normalise_zip(buf.getvalue(), {"word/theme/theme1.xml": theme_fonts})
    dest = Path(sys.argv[1]) if len(sys.argv) > 1 else OUT
    dest.parent.mkdir(parents=True, exist_ok=True)
    dest.write_bytes(out)
    print(f"wrote {dest} ({len(out)} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
