"""Issue 21: a second topic (Arctic security, tests/data/arctic) built to Markdown, HTML, PDF
and the site, read back with real readers: poppler for the PDF, Chromium for the site."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import REPO, run
from tests.test_site_browser import driver  # noqa: F401  (the headless Chromium fixture)

ISSUE = "arctic-sea-routes"


@pytest.fixture(scope="module")
def arctic_built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The Arctic example built in every format and as a site."""
    root = tmp_path_factory.mktemp("arctic") / "proj"
    shutil.copytree(REPO / "tests" / "data" / "arctic", root)
    res = run("-C", root, "build", "--quiet")
    assert res.code == 0, res.err
    res = run("-C", root, "site", "--quiet")
    assert res.code == 0, res.err
    return root / "build"


def text_of(pdf: Path) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", str(pdf), "-"], capture_output=True)
    return " ".join(out.stdout.decode("utf-8").split())


def test_every_brief_in_every_format(arctic_built: Path) -> None:
    for fmt in ("md", "html", "pdf"):
        names = sorted(p.stem for p in (arctic_built / fmt).glob(f"*.{fmt}"))
        assert names == [ISSUE, "high-north"], fmt


def test_html_names_each_rows_pair_and_embeds_its_figures(arctic_built: Path) -> None:
    html = (arctic_built / "html" / f"{ISSUE}.html").read_text("utf-8")
    assert "or between the pair a row names under its gap." in html
    assert '<span class="pair">US–Canada</span>' in html
    assert '<span class="pair">US–Denmark</span>' in html
    assert '<span class="gap-badge gap-not-applicable">Not applicable</span>' in html
    assert "Gap within each row’s pair:" in html
    assert len(re.findall(r'<img src="data:image/(?:png|svg\+xml);base64,', html)) == 2
    assert 'alt="Bar chart: five of the eight Arctic states' in html
    for heading in ("Actors on this issue", "In their words", "Figures", "Watch list"):
        assert f">{heading}</h2>" in html
    assert ">Recommendations</h2>" in html and ">Authors</h2>" in html
    assert "arctic-desk@example.org" in html


def test_pdf_prints_pinpoints_parts_and_the_new_sections(arctic_built: Path) -> None:
    text = text_of(arctic_built / "pdf" / f"{ISSUE}.pdf")
    assert "United Nations Convention on the Law of the Sea, Art. 234." in text
    assert "United Nations Convention on the Law of the Sea, Arts. 37–38." in text
    assert "Enlargement and Article 10: Sweden becomes the 32nd Ally." in text
    assert "7 March 2024" in text and "4 April 2023" in text
    for words in ("US–Canada", "US–Denmark", "Watch list", "Recommendations", "Arctic desk"):
        assert words in text
    assert "Arctic states that are NATO members" in text  # the SVG figure, drawn as vectors
    images = subprocess.run(
        ["pdfimages", "-list", str(arctic_built / "pdf" / f"{ISSUE}.pdf")],
        capture_output=True,
        check=True,
    ).stdout.decode()
    assert re.search(r"\n\s+\d+\s+\d+ image\s+900\s+700\b", images), images  # the PNG sketch


def test_book_key_players_print_the_books_own_profiles(arctic_built: Path) -> None:
    md = (arctic_built / "md" / "high-north.md").read_text("utf-8")
    assert "Wants its claim to the Northwest Passage respected by allies." in md
    assert "Speaks for some 180,000 Inuit" in md  # no book profile: the registry's agenda
    text = text_of(arctic_built / "pdf" / "high-north.pdf")
    assert "Wants the Northern Sea Route under Russian rules" in text


def test_site_actor_pages_follow_the_pairs_and_kinds(arctic_built: Path) -> None:
    site = arctic_built / "site"
    greenland = (site / "actors" / "greenland.html").read_text("utf-8")
    assert "<dt>Kind</dt><dd>Territory</dd>" in greenland
    assert "Agenda by issue" in greenland
    icc = (site / "actors" / "inuit-circumpolar-council.html").read_text("utf-8")
    assert "<dt>Kind</dt><dd>Organisation</dd>" in icc
    russia = (site / "actors" / "russia.html").read_text("utf-8")
    assert "US military presence in Greenland" not in russia  # no filler stance any more
    canada = (site / "actors" / "canada.html").read_text("utf-8")
    assert '<span class="pair">US–Canada</span>' in canada


def test_site_figures_load_in_chromium(arctic_built: Path, driver) -> None:  # noqa: F811
    """Under the site's Content-Security-Policy both figures load and nothing is refused."""
    page = arctic_built / "site" / f"{ISSUE}.html"
    driver.get(page.as_uri())
    widths = driver.execute_script(
        "return [...document.querySelectorAll('.picture img')].map(i => i.naturalWidth)"
    )
    assert widths == [900, 600]
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []
