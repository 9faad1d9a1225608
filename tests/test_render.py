"""Issue 4: the briefs a principal reads, checked with real readers (poppler and pypdf)."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from pypdf import PdfReader

from briefgen.markup import typographic
from briefgen.model import GAP_LABELS
from briefgen.validate import load_project
from tests.conftest import run

BRIEFS = ["institutions", "nato", "new-start", "sanctions", "ukraine", "us-russia-summit"]


def pdftotext(pdf: Path, *args: str) -> str:
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *args, str(pdf), "-"], capture_output=True, check=True
    )
    return out.stdout.decode("utf-8")


def flat(text: str) -> str:
    """Whitespace folded; a line may also wrap after a dash, so drop the space after one."""
    return re.sub(r"([\u2013\u2014-]) ", r"\1", " ".join(text.split()))


def test_every_brief_in_every_format(built: Path) -> None:
    for fmt, ext in (("md", ".md"), ("html", ".html"), ("pdf", ".pdf")):
        names = sorted(p.stem for p in (built / "build" / fmt).glob(f"*{ext}"))
        assert names == BRIEFS, fmt


@pytest.mark.parametrize("name", BRIEFS)
def test_pdf_metadata_and_structure(built: Path, name: str) -> None:
    corpus = load_project(built).corpus
    assert corpus is not None
    pdf = built / "build" / "pdf" / f"{name}.pdf"
    reader = PdfReader(pdf)
    meta = reader.metadata
    assert meta is not None
    if name in corpus.issues:
        doc = corpus.issues[name]
        title, date = doc.title, doc.last_reviewed
    else:
        book = corpus.books[name]
        title, date = book.title, book.date
    assert meta.title == typographic(title)  # the title as printed: curly apostrophes
    assert meta.author == corpus.config.author
    assert meta.subject and len(meta.subject) > 40
    assert meta.get("/Keywords")
    assert meta.creation_date is not None
    assert meta.creation_date.date() == date  # from the content, not the clock
    assert len(reader.pages) >= (20 if name == "us-russia-summit" else 6)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Tagged:\s+yes", info, re.M)
    assert re.search(r"^Page size:\s+595.\d+ x 841.\d+ pts \(A4\)", info, re.M)


@pytest.mark.parametrize("name", BRIEFS)
def test_every_font_embedded(built: Path, name: str) -> None:
    out = subprocess.run(
        ["pdffonts", str(built / "build" / "pdf" / f"{name}.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rows = out.splitlines()[2:]
    assert rows, "no fonts listed"
    for row in rows:
        cols = row.split()
        emb = cols[-5]
        assert emb == "yes", row
    assert any("PT-Serif" in r for r in rows) and any("PT-Sans" in r for r in rows)


def test_outline_matches_headings_and_toc_page_numbers(built: Path) -> None:
    pdf = built / "build" / "pdf" / "ukraine.pdf"
    reader = PdfReader(pdf)

    def walk(items: list, depth: int = 0) -> list[tuple[int, str, int]]:
        found = []
        for it in items:
            if isinstance(it, list):
                found.extend(walk(it, depth + 1))
            else:
                found.append((depth, it.title, reader.get_destination_page_number(it) + 1))
        return found

    outline = walk(reader.outline)
    titles = [t for _, t, _ in outline]
    assert titles[0].startswith("Ukraine")
    for heading in (
        "Bottom line up front",
        "Key judgments",
        "Gap matrix",
        "Positions",
        "Historical precedents",
        "Scenarios",
        "Sources",
        "Revision history",
    ):
        assert heading in titles, heading
    assert "Contents" not in titles
    # The table of contents prints the real page of each heading (target-counter).
    toc = pdftotext(pdf, "-f", "2", "-l", "2", "-layout")
    pages = {t: p for _, t, p in outline}
    checked = 0
    for line in toc.splitlines():
        m = re.match(r"^\s*(\S.*?)\s*\.{3,}\s*(\d+)\s*$", line)
        if m and m.group(1) in pages:
            assert int(m.group(2)) == pages[m.group(1)], line
            checked += 1
    assert checked >= 8


def test_positions_rows_present_in_pdf_text(built: Path) -> None:
    corpus = load_project(built).corpus
    assert corpus is not None
    for issue in corpus.issues.values():
        text = flat(pdftotext(built / "build" / "pdf" / f"{issue.id}.pdf", "-raw"))
        for row in issue.positions:
            assert flat(typographic(row.topic)) in text, (issue.id, row.topic)
            assert GAP_LABELS[row.gap].upper() in text
            for _actor, stance in row.stances:
                assert flat(typographic(stance)) in text, (issue.id, row.id, stance)


def test_marking_and_page_x_of_y_on_every_page(built: Path) -> None:
    corpus = load_project(built).corpus
    assert corpus is not None
    pdf = built / "build" / "pdf" / "nato.pdf"
    n = len(PdfReader(pdf).pages)
    marking = corpus.config.distribution.upper()
    for page in range(1, n + 1):
        text = pdftotext(pdf, "-f", str(page), "-l", str(page))
        assert marking in text.upper(), page
        assert f"Page {page} of {n}" in text, page


def test_cyrillic_and_diacritics_render(built: Path) -> None:
    text = pdftotext(built / "build" / "pdf" / "us-russia-summit.pdf")
    assert "Зеленський" in text
    assert "Zelenskyy" in text


def test_book_has_gap_matrix_timeline_and_endnotes(built: Path) -> None:
    html = (built / "build" / "html" / "us-russia-summit.html").read_text("utf-8")
    assert html.count('<svg class="gap-matrix"') == 6  # the book's own, and one per issue
    assert '<svg class="timeline"' in html
    notes = re.findall(r'<li id="note-(\d+)">', html)
    assert notes == [str(i) for i in range(1, len(notes) + 1)] and notes
    for number in set(re.findall(r'href="#note-(\d+)"', html)):
        assert number in notes
    assert "<script" not in html


def test_html_is_semantic(built: Path) -> None:
    html = (built / "build" / "html" / "ukraine.html").read_text("utf-8")
    assert html.startswith("<!DOCTYPE html>")
    assert "<article" in html and "<section" in html
    assert '<th scope="col"' in html and '<th scope="row"' in html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), "duplicate ids"
    for target in re.findall(r'href="#([^"]+)"', html):
        assert target in ids, target


def test_markdown_is_github_flavoured(built: Path) -> None:
    md = (built / "build" / "md" / "ukraine.md").read_text("utf-8")
    assert md.lstrip().startswith("**")
    assert "| Sub-topic |" in md and "|---|" in md
    refs = set(re.findall(r"\[\^(\d+)\](?!:)", md))
    defs = re.findall(r"^\[\^(\d+)\]: \*", md, re.M)
    assert refs and sorted(refs, key=int) == defs  # every footnote cited and defined, in order
    assert "<script" not in md


def test_builds_are_byte_identical(project: Path, tmp_path: Path) -> None:
    first = run(
        "-C", project, "build", "--quiet", "--out", tmp_path / "a", "--format", "pdf,html,md"
    )
    second = run(
        "-C", project, "build", "--quiet", "--out", tmp_path / "b", "--format", "pdf,html,md"
    )
    assert first.code == 0 and second.code == 0, first.err + second.err
    for fmt in ("md", "html", "pdf"):
        for a in sorted((tmp_path / "a" / fmt).iterdir()):
            b = tmp_path / "b" / fmt / a.name
            assert a.read_bytes() == b.read_bytes(), a.name


def test_letter_page_size(project: Path, tmp_path: Path) -> None:
    res = run(
        "-C",
        project,
        "build",
        "-q",
        "--format",
        "pdf",
        "--page-size",
        "Letter",
        "--out",
        tmp_path / "letter",
    )
    assert res.code == 0, res.err
    info = subprocess.run(
        ["pdfinfo", str(tmp_path / "letter" / "pdf" / "nato.pdf")],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert re.search(r"^Page size:\s+612 x 792 pts \(letter\)", info, re.M)
