"""What a reader of the shipped PDFs sees, page by page (poppler and Pillow on the real files).

Page images are compared with small stored references (tests/golden/pdf/, 30 dpi, refreshed
by `make golden`) within a tolerance, so a layout change is a visible, reviewed change.
"""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest
from PIL import Image, ImageChops
from pypdf import PdfReader

from .conftest import REPO

pytestmark = pytest.mark.skipif(
    subprocess.run(["which", "pdftoppm"], capture_output=True).returncode != 0,
    reason="needs poppler-utils",
)
GOLDEN = REPO / "tests" / "golden" / "pdf"
UPDATE = os.environ.get("BRIEFGEN_UPDATE_GOLDEN") == "1"
SHIPPED = ["institutions", "nato", "new-start", "sanctions", "ukraine", "us-russia-summit"]
# A page may end early only where the next one starts with a forced page break: a chapter
# (or the book's front-matter sections), or the sources.
BREAK_BEFORE = re.compile(r"Issue \d+ · |Sources\Z|Executive summary\Z|Gap matrix\Z")
MAX_EMPTY = 0.60
DPI = 30
# the text area of an A4 page (22 mm top, 20 mm bottom margins), a little inside
TOP, BOTTOM = 24 / 297, (297 - 22) / 297
# (brief, page): page 1 of an issue and of the book, and the book's figures
GOLDEN_PAGES = [("nato", 1), ("us-russia-summit", 1), ("us-russia-summit", 5)]


def pdf(built: Path, name: str) -> Path:
    return built / "build" / "pdf" / f"{name}.pdf"


def page_text(path: Path, page: int) -> str:
    args = ["pdftotext", "-f", str(page), "-l", str(page), str(path), "-"]
    return subprocess.run(args, capture_output=True, text=True, check=True).stdout


def raster(path: Path, page: int, out: Path) -> Image.Image:
    prefix = out / f"{path.stem}-{page}"
    args = ["pdftoppm", "-r", str(DPI), "-gray", "-png", "-singlefile"]
    subprocess.run([*args, "-f", str(page), "-l", str(page), str(path), str(prefix)], check=True)
    return Image.open(f"{prefix}.png").convert("L")


def empty_share(image: Image.Image) -> float:
    """How much of the text area lies below the last ink on the page."""
    w, h = image.size
    top, bottom = int(h * TOP), int(h * BOTTOM)
    area = image.crop((0, top, w, bottom)).point(lambda v: 255 if v < 235 else 0)
    box = area.getbbox()
    return 1.0 if box is None else 1 - box[3] / (bottom - top)


def break_pages(path: Path) -> set[int]:
    """Pages (1-based) that start with a forced break, from the PDF's bookmarks."""
    reader = PdfReader(path)
    found: set[int] = set()

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            elif BREAK_BEFORE.match(str(getattr(item, "title", ""))):
                found.add(reader.get_destination_page_number(item) + 1)  # type: ignore[arg-type]

    walk(reader.outline)
    return found


@pytest.mark.parametrize("name", SHIPPED)
def test_no_page_is_mostly_empty_but_a_chapters_last(
    built: Path, name: str, tmp_path: Path
) -> None:
    path = pdf(built, name)
    count = len(PdfReader(path).pages)
    starts = break_pages(path)
    bad = []
    for page in range(1, count):  # the last page may end anywhere
        if page + 1 in starts:
            continue
        share = empty_share(raster(path, page, tmp_path))
        if share > MAX_EMPTY:
            bad.append(f"page {page}: {share:.0%} empty")
    assert not bad, f"{name}.pdf: {bad}"


def test_issue_page_one_has_the_bottom_line_and_judgments_contents_after(built: Path) -> None:
    path = pdf(built, "nato")
    one = page_text(path, 1)
    for needed in (
        "PUBLIC",
        "ISSUE BRIEF",
        "NATO Enlargement and European Security",
        "10 August 2025",
        "Bottom line up front",
        "Key judgments",
        "NATO enlargement is the second structural gap",
    ):
        assert needed in one, needed
    assert "Contents" not in one
    assert "Contents" in page_text(path, 2)


def test_book_opens_on_a_one_page_top_sheet(built: Path) -> None:
    path = pdf(built, "us-russia-summit")
    one = page_text(path, 1)
    sheet = one[one.index("Top sheet") :]
    assert "Bottom line." in sheet
    judgments = sheet[sheet.index("THE JUDGMENTS THAT MATTER MOST") : sheet.index("WHAT TO WATCH")]
    assert len(re.findall(r"(?m)^\d\. ", judgments)) == 5
    watch = sheet[sheet.index("WHAT TO WATCH") :]
    assert watch.count("•") == 5  # one sign per chapter, all on page 1
    assert "Contents" in page_text(path, 2)


@pytest.mark.parametrize("name", ["nato", "us-russia-summit"])
def test_bookmarks_name_headings_without_note_numbers(built: Path, name: str) -> None:
    reader = PdfReader(pdf(built, name))
    titles: list[str] = []

    def walk(items: list[object]) -> None:
        for item in items:
            if isinstance(item, list):
                walk(item)
            else:
                titles.append(str(getattr(item, "title", "")))

    walk(reader.outline)
    assert titles and not [t for t in titles if re.search(r"\d(,\d+)*\Z", t)]
    if name == "us-russia-summit":
        assert (
            "Issue 1 · Ukraine: Territory, Ceasefire Terms and Kyiv’s Place at the Table" in titles
        )
        assert "Republic of India" in titles


def test_drafts_are_marked_on_every_page_and_quotes_are_curly(built: Path) -> None:
    path = pdf(built, "ukraine")
    pages = len(PdfReader(path).pages)
    for page in range(1, pages + 1):
        assert "DRAFT — NOT FOR CIRCULATION" in page_text(path, page), page
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True).stdout
    assert "Kyiv’s" in text and "Kyiv's" not in text
    assert "(see NATO Enlargement and European Security)" in " ".join(text.split())


@pytest.mark.parametrize(("name", "page"), GOLDEN_PAGES)
def test_pdf_pages_match_golden(built: Path, name: str, page: int, tmp_path: Path) -> None:
    actual = raster(pdf(built, name), page, tmp_path)
    golden = GOLDEN / f"{name}-{page}.png"
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        actual.save(golden, optimize=True)
        return
    assert golden.is_file(), f"missing {golden}; run `make golden`"
    expected = Image.open(golden).convert("L")
    assert expected.size == actual.size, "page size changed"
    diff = ImageChops.difference(expected, actual)
    hist = diff.histogram()
    changed = sum(hist[64:]) / (actual.size[0] * actual.size[1])
    mean = sum(i * n for i, n in enumerate(hist)) / (actual.size[0] * actual.size[1])
    # anti-aliasing may differ between poppler and font versions; moved text does not pass
    assert changed < 0.01 and mean < 3, f"{golden.name}: {changed:.2%} pixels changed"
