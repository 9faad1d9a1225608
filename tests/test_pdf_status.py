"""A brief's status is visible: overdue reviews on page 1 and in build's warnings."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import run

LATE = "2026-03-01"  # after every shipped brief's review fell due (2025-08-10 + 180 days)
ON_TIME = "2025-09-01"


def _html(project: Path, name: str) -> str:
    return (project / "build" / "html" / f"{name}.html").read_text("utf-8")


def test_overdue_review_is_on_page_one_and_warned(project: Path) -> None:
    res = run("-C", project, "build", "--format", "html", "--today", LATE)
    assert res.code == 0
    # validation ran: the warning is at the brief's last_reviewed line
    assert "briefs/issues/nato.yaml:7:16: warning: last reviewed 203 days ago" in res.err
    nato = _html(project, "nato")
    cover = nato[: nato.index("</header>")]
    assert 'Review overdue since <time datetime="2026-02-06">6 February 2026</time>' in cover
    book = _html(project, "us-russia-summit")
    assert "Review overdue for every chapter, the first since" in book
    assert "review overdue since" in book[book.index('id="nato"') :]
    # nothing changed: no validation runs, and the build still warns
    again = run("-C", project, "build", "--format", "html", "--today", LATE)
    assert again.code == 0 and again.out.startswith("up to date")
    # at the same line as validation's warning: the record keeps where `last_reviewed` is
    assert "briefs/issues/nato.yaml:7:16: warning: review overdue since 2026-02-06" in again.err
    assert "last reviewed" not in again.err  # a kept warning of another day is not replayed
    # an edit that moves the line is validated alone, and the warning follows it
    nato = project / "briefs" / "issues" / "nato.yaml"
    nato.write_text("# a comment line\n" + nato.read_text("utf-8"), "utf-8")
    run("-C", project, "build", "--format", "html", "--today", LATE)
    again = run("-C", project, "build", "--format", "html", "--today", LATE)
    assert "briefs/issues/nato.yaml:8:16: warning: review overdue since 2026-02-06" in again.err


def test_on_time_briefs_say_nothing_and_rerender_when_the_date_changes(project: Path) -> None:
    assert run("-C", project, "build", "--format", "html", "--today", LATE).code == 0
    res = run("-C", project, "build", "--format", "html", "--today", ON_TIME)
    assert res.code == 0 and "warning" not in res.err
    assert "wrote build/html/nato.html" in res.out  # its page 1 changed
    assert "overdue since" not in _html(project, "nato").lower()


def test_a_draft_says_so_on_page_one(project: Path) -> None:
    res = run("-C", project, "build", "--format", "html", "--quiet", "--today", ON_TIME)
    assert res.code == 0
    nato = _html(project, "nato")
    assert '<p class="draft-note">Draft: not for circulation' in nato[: nato.index("</header>")]
    path = project / "briefs" / "issues" / "nato.yaml"
    path.write_text(path.read_text("utf-8").replace("status: draft", "status: final", 1))
    assert run("-C", project, "build", "--format", "html", "--today", ON_TIME).code == 0
    assert '<p class="draft-note">' not in _html(project, "nato")


def _overdue_notes(html: str) -> list[str]:
    """The overdue notices under a brief's title and in its chapters' revision lines."""
    return re.findall(r'<p class="overdue-note">.*?</p>|<strong class="overdue">.*?</strong>', html)


def test_site_pages_say_a_review_is_overdue_in_the_words_of_page_one(project: Path) -> None:
    site = project / "build" / "site"
    assert run("-C", project, "build", "--format", "html", "--quiet", "--today", LATE).code == 0
    res = run("-C", project, "site", "--no-pdf", "--today", LATE)
    assert res.code == 0, res.err
    for name, count in (("nato", 1), ("us-russia-summit", 6)):  # a book: cover and chapters
        page = (site / f"{name}.html").read_text("utf-8")
        assert _overdue_notes(page) == _overdue_notes(_html(project, name)), name
        assert len(_overdue_notes(page)) == count, name
    nato = (site / "nato.html").read_text("utf-8")
    cover = nato[nato.index('<header class="cover">') :]
    assert cover[: cover.index("</header>")].endswith(
        '<p class="overdue-note">Review overdue since <time datetime="2026-02-06">'
        "6 February 2026</time>: last reviewed 10 August 2025.</p>\n"
    )
    # Measured on another day on which the review is not yet due: the pages are rendered again.
    res = run("-C", project, "site", "--no-pdf", "--today", ON_TIME)
    assert res.code == 0 and "page nato.html" in res.err, res.err
    assert not _overdue_notes((site / "nato.html").read_text("utf-8"))
    assert not _overdue_notes((site / "us-russia-summit.html").read_text("utf-8"))


def test_the_sites_pdfs_measure_overdue_reviews_from_the_sites_day(tmp_path: Path) -> None:
    """The PDFs a site links say of an overdue review what its pages say, on `--today`."""
    import shutil

    from pypdf import PdfReader

    from .conftest import REPO

    root = tmp_path / "arctic"
    shutil.copytree(REPO / "tests" / "data" / "arctic", root)  # reviewed 2025-06-30, 365 days
    pdf = root / "build" / "site" / "pdf" / "arctic-sea-routes.pdf"
    for day, overdue in (("2026-12-01", True), ("2025-09-01", False)):
        res = run("-C", root, "site", "-q", "-j", "1", "--today", day)
        assert res.code == 0, res.err
        first = PdfReader(pdf).pages[0].extract_text() or ""
        page = (root / "build" / "site" / "arctic-sea-routes.html").read_text("utf-8")
        assert ("Review overdue since" in " ".join(first.split())) is overdue, day
        assert ("Review overdue since" in page) is overdue, day
