"""A brief's status is visible: overdue reviews on page 1 and in build's warnings."""

from __future__ import annotations

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
    assert "briefs/issues/nato.yaml: warning: review overdue since 2026-02-06" in again.err
    assert "last reviewed" not in again.err  # a kept warning of another day is not replayed


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
