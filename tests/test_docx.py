"""Word output, read back by real readers: python-docx for structure, LibreOffice for pages."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from docx import Document
from docx.oxml.ns import qn
from docx.shared import Mm

from briefgen.model import GAP_LABELS
from briefgen.render.docx_finish import GAP_FILLS
from tests.conftest import REPO, copy_project, run

ISSUES = ["institutions", "nato", "new-start", "sanctions", "ukraine"]
BOOK = "us-russia-summit"
INTERNAL = "INTERNAL — NOT FOR PUBLIC RELEASE"
SAFE = re.compile(r"(https?:|mailto:)", re.IGNORECASE)


@pytest.fixture(scope="session")
def docx_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content built once as Word documents, with one issue marked internal."""
    root = copy_project(tmp_path_factory.mktemp("docx") / "proj")
    nato = root / "briefs" / "issues" / "nato.yaml"
    nato.write_text(
        nato.read_text("utf-8").replace("status: ", f"distribution: {INTERNAL}\nstatus: ", 1),
        "utf-8",
    )
    res = run("-C", root, "build", "--format", "docx", "--quiet")
    assert res.code == 0, res.err
    return root / "build" / "docx"


def headings(doc: object, level: int) -> list[str]:
    """The text of every paragraph in the Word style "Heading <level>"."""
    return [
        p.text
        for p in doc.paragraphs  # type: ignore[attr-defined]
        if p.style is not None and p.style.name == f"Heading {level}"
    ]


def positions_table(doc: object) -> object:
    """The table whose header row starts "Sub-topic" and ends "Gap"."""
    for table in doc.tables:  # type: ignore[attr-defined]
        first = [c.text for c in table.rows[0].cells]
        if first[0] == "Sub-topic" and first[-1] == "Gap":
            return table
    raise AssertionError("no positions table")


def test_every_brief_is_a_word_document_with_its_sections(docx_built: Path) -> None:
    assert sorted(p.name for p in docx_built.glob("*.docx")) == sorted(
        f"{i}.docx" for i in [*ISSUES, BOOK]
    )
    doc = Document(str(docx_built / "ukraine.docx"))
    top = headings(doc, 1)
    assert top[:2] == ["Bottom line up front", "Key judgments"]  # the top sheet comes first
    for title in ("Gap matrix", "Positions", "Analysis", "Historical precedents", "Sources"):
        assert title in top, title
    assert top[-1] == "Revision history"
    assert "Territory is the core of the gap" in " ".join(headings(doc, 2))
    first = doc.paragraphs[:8]
    assert [p.style.name for p in first[:3]] == ["Marking", "Kicker", "Cover Title"]
    assert first[2].text.startswith("Ukraine: Territory")
    assert "Date 10 August 2025" in " ".join(p.text for p in first)
    book = Document(str(docx_built / f"{BOOK}.docx"))
    chapters = [h for h in headings(book, 1) if h.startswith("Issue ")]
    assert len(chapters) == 5 and chapters[0].startswith("Issue 1: Ukraine")
    assert headings(book, 1)[:2] == ["Top sheet", "Executive summary"]  # as the PDF opens
    top = [p.text for p in book.paragraphs]
    top = top[: top.index("Executive summary")]
    assert "The judgments that matter most" in top and "What to watch" in top
    assert any("Very likely (80–95%)" in t or "Likely (55–80%)" in t for t in top)


def test_key_judgments_carry_their_confidence(docx_built: Path) -> None:
    doc = Document(str(docx_built / "ukraine.docx"))
    badges = [
        r.text
        for p in doc.paragraphs
        for r in p.runs
        if r.style is not None and r.style.name.startswith("Confidence ")
    ]
    assert badges and set(badges) <= {"Low confidence", "Moderate confidence", "High confidence"}


def test_positions_are_a_word_table_whose_header_repeats_and_gaps_are_words_and_shade(
    docx_built: Path,
) -> None:
    doc = Document(str(docx_built / "ukraine.docx"))
    table = positions_table(doc)
    header = table.rows[0]._tr  # type: ignore[attr-defined]
    assert header.trPr is not None and header.trPr.find(qn("w:tblHeader")) is not None
    gaps = []
    for row in table.rows[1:]:  # type: ignore[attr-defined]
        cell = row.cells[-1]
        if cell.text in GAP_LABELS.values():
            shd = cell._tc.tcPr.find(qn("w:shd"))
            style = next(r.style.style_id for p in cell.paragraphs for r in p.runs)
            assert shd is not None and shd.get(qn("w:fill")) == GAP_FILLS[style]
            gaps.append(cell.text)
    assert "Irreconcilable" in gaps and "Wide" in gaps
    assert [c.text for c in table.rows[0].cells][1:3] == ["United States", "Russia"]


def test_marking_is_in_the_header_and_footer_of_every_page(docx_built: Path) -> None:
    for ident, marking in (("ukraine", "PUBLIC"), ("nato", INTERNAL), (BOOK, INTERNAL)):
        doc = Document(str(docx_built / f"{ident}.docx"))
        for section in doc.sections:
            assert not section.different_first_page_header_footer
            head = " ".join(p.text for p in section.header.paragraphs)
            foot = " ".join(p.text for p in section.footer.paragraphs)
            assert marking in head and marking in foot, ident
            assert "BRIEFGEN-" not in head + foot
        assert doc.core_properties.category == marking


def test_citations_are_word_footnotes(docx_built: Path) -> None:
    with zipfile.ZipFile(docx_built / "ukraine.docx") as z:
        notes = z.read("word/footnotes.xml").decode()
        body = z.read("word/document.xml").decode()
    refs = re.findall(r'<w:footnoteReference w:id="(\d+)"', body)
    assert len(refs) >= 10 and len(set(refs)) == len(refs)
    assert "Gaps already emerging in US and Russian views" in notes
    doc = Document(str(docx_built / "ukraine.docx"))
    texts = [p.text for p in doc.paragraphs]
    sources = doc.paragraphs[len(texts) - texts[::-1].index("Sources")]  # not the contents'
    assert sources.text.startswith("Gaps already emerging")
    assert "Reliability:" in sources.text


def test_nothing_reaches_outside_the_document(docx_built: Path) -> None:
    for path in docx_built.glob("*.docx"):
        doc = Document(str(path))
        parts = list(doc.part.package.iter_parts())
        for part in parts:
            for rel in part.rels.values():
                if rel.is_external:  # only the sources' web addresses, as hyperlinks
                    assert rel.reltype.endswith("/hyperlink"), (path.name, rel.reltype)
                    assert SAFE.match(rel.target_ref), (path.name, rel.target_ref)
        names = {str(p.partname) for p in parts}
        assert not any("vba" in n.lower() or n.endswith(".bin") for n in names), names
        with zipfile.ZipFile(path) as z:
            xml = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".xml"))
        fields = re.findall(r"<w:instrText[^>]*>\s*(\w+)|w:instr=\"\s*(\w+)", xml)
        assert {a or b for a, b in fields} <= {"TOC", "PAGE", "NUMPAGES"}, path.name
        assert "TOC" in {a for a, _ in fields}, "the contents field"
        media = [n for n in names if n.startswith("/word/media/")]
        assert all(n.endswith(".png") for n in media), media


def test_figures_are_print_resolution_pngs(docx_built: Path) -> None:
    from PIL import Image

    with zipfile.ZipFile(docx_built / "ukraine.docx") as z:
        media = [n for n in z.namelist() if n.startswith("word/media/")]
        assert len(media) == 2, media  # the gap matrix and the timeline
        for name in media:
            with z.open(name) as f, Image.open(f) as im:
                assert im.format == "PNG" and im.width >= 2000, (name, im.size)


def test_untrusted_links_and_images_stay_inert(project: Path) -> None:
    issue = project / "briefs" / "issues" / "ukraine.yaml"
    text = issue.read_text("utf-8")
    hostile = (
        "bluf: >-\n  See [a](file:///etc/passwd), [b](javascript:alert(1)), "
        "![c](https://evil.example/x.png) and <img src=https://evil.example/y.png>.\n"
        "  Also [ok](https://example.org/ok).\n"
    )
    issue.write_text(re.sub(r"bluf: \|-\n(  .*\n)+", hostile, text, count=1), "utf-8")
    assert "evil.example" in issue.read_text("utf-8")
    res = run("-C", project, "build", "--format", "docx", "-q")
    assert res.code == 0, res.err
    path = project / "build" / "docx" / "ukraine.docx"
    with zipfile.ZipFile(path) as z:
        rels = "".join(z.read(n).decode() for n in z.namelist() if n.endswith(".rels"))
        body = z.read("word/document.xml").decode()
    assert "https://example.org/ok" in rels
    for bad in ("file:", "javascript:", "evil.example"):
        assert bad not in rels, bad
    assert "&lt;img src=https://evil.example/y.png&gt;" in body  # shown as text


def test_letter_and_a4_follow_the_page_size(project: Path) -> None:
    res = run("-C", project, "build", "--format", "docx", "--page-size", "letter", "-q")
    assert res.code == 0, res.err
    section = Document(str(project / "build" / "docx" / "nato.docx")).sections[0]
    assert abs(section.page_width - Mm(215.9)) < Mm(0.1)
    assert abs(section.page_height - Mm(279.4)) < Mm(0.1)
    res = run("-C", project, "build", "--format", "docx", "-q")  # the project's A4
    assert res.code == 0, res.err
    section = Document(str(project / "build" / "docx" / "nato.docx")).sections[0]
    assert abs(section.page_width - Mm(210)) < Mm(0.1)


def test_rebuilds_are_byte_identical_and_a_second_build_writes_nothing(project: Path) -> None:
    res = run("-C", project, "build", "--format", "docx", "-j", "2")
    assert res.code == 0, res.err
    first = {p.name: p.read_bytes() for p in (project / "build" / "docx").glob("*.docx")}
    again = run("-C", project, "build", "--format", "docx")
    assert again.code == 0 and again.out.startswith("up to date: 6 outputs"), again.out
    forced = run("-C", project, "build", "--format", "docx", "--force", "-j", "1", "-q")
    assert forced.code == 0, forced.err
    second = {p.name: p.read_bytes() for p in (project / "build" / "docx").glob("*.docx")}
    assert first == second


def test_a_reference_document_without_a_marking_placeholder_is_refused(project: Path) -> None:
    from briefgen.tools import pandoc_path

    plain = subprocess.run(
        [pandoc_path(), "--print-default-data-file", "reference.docx"],
        capture_output=True,
        check=True,
    ).stdout
    (project / "templates" / "docx" / "reference.docx").write_bytes(plain)
    res = run("-C", project, "build", "--format", "docx", "-q")
    assert res.code == 1
    assert "BRIEFGEN-MARKING placeholder" in res.err and "Traceback" not in res.err
    assert not (project / "build" / "docx").exists()


def test_the_shipped_reference_document_is_what_the_script_makes(tmp_path: Path) -> None:
    out = tmp_path / "reference.docx"
    subprocess.run(
        [sys.executable, REPO / "scripts" / "make_reference_docx.py", out],
        check=True,
        capture_output=True,
    )
    shipped = REPO / "briefgen" / "templates" / "docx" / "reference.docx"
    assert out.read_bytes() == shipped.read_bytes()


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is a test dependency")
def test_libreoffice_lays_it_out_with_the_marking_on_every_page(
    docx_built: Path, tmp_path: Path
) -> None:
    profile = tmp_path / "profile"
    proc = subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(docx_built / "ukraine.docx"),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    pdf = tmp_path / "ukraine.pdf"
    assert pdf.is_file(), proc.stderr
    from pypdf import PdfReader

    pages = PdfReader(str(pdf)).pages
    assert 8 <= len(pages) <= 20, len(pages)
    texts = [p.extract_text() for p in pages]
    for n, text in enumerate(texts, 1):
        assert text.count("PUBLIC") >= 2, n  # header and footer
        assert f"Page {n} of {len(pages)}" in text, n
    whole = " ".join(texts)
    for words in ("Ukraine: Territory", "Bottom line up front", "Positions", "Revision history"):
        assert words in whole, words
    assert any("Contents" in t and "Gap matrix" in t for t in texts[1:4])  # the contents page


def test_edits_rebuild_only_the_word_documents_they_touch(project: Path) -> None:
    def wrote() -> set[str]:
        res = run("-C", project, "build", "--format", "md,docx")
        assert res.code == 0, res.err
        return {
            x.rsplit("/", 2)[-2] + "/" + x.rsplit("/", 1)[-1]
            for x in res.out.split()
            if x.endswith((".md", ".docx"))
        }

    wrote()
    edit_issue = project / "briefs" / "issues" / "new-start.yaml"
    text = edit_issue.read_text("utf-8")
    edit_issue.write_text(text.replace('version: "1.0"', 'version: "1.1"', 1), "utf-8")
    assert wrote() == {
        "md/new-start.md",
        "docx/new-start.docx",
        "md/us-russia-summit.md",
        "docx/us-russia-summit.docx",
    }
    cover = project / "templates" / "docx" / "partials" / "word_cover.html.j2"
    cover.write_text(cover.read_text("utf-8") + "\n", "utf-8")  # a Word template: Word only
    assert {w.split("/")[0] for w in wrote()} == {"docx"}
    svg = project / "templates" / "html" / "partials" / "timeline.svg.j2"
    svg.write_text(svg.read_text("utf-8") + "\n", "utf-8")  # the figures are Word inputs too
    assert {w.split("/")[0] for w in wrote()} == {"docx"}
