"""Readers see editorial change notes, never dated after the cover, and full source entries."""

from __future__ import annotations

import re
from pathlib import Path

from .conftest import run

CHANGES = """changes:
  - date: "2025-06-01"
    change: First issued for the summit book.
  - date: "2025-08-09"
    change: "Article 5 gap re-rated from narrow to wide after the summit report."
"""


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text("utf-8") + text, "utf-8")


def test_change_notes_are_the_revision_history(project: Path) -> None:
    _append(project / "briefs" / "issues" / "nato.yaml", CHANGES)
    res = run("-C", project, "build", "--format", "html", "--quiet")
    assert res.code == 0, res.err
    html = (project / "build" / "html" / "nato.html").read_text("utf-8")
    section = html.split('id="revisions"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r"<tr><td><time[^>]*>([^<]*)</time></td><td>([^<]*)</td></tr>", section)
    assert rows == [
        ("9 August 2025", "Article 5 gap re-rated from narrow to wide after the summit report."),
        ("1 June 2025", "First issued for the summit book."),
    ]


def test_a_change_after_the_cover_date_is_a_located_error(project: Path) -> None:
    path = project / "briefs" / "issues" / "nato.yaml"
    _append(path, CHANGES.replace("2025-08-09", "2025-09-30"))
    line = len(path.read_text("utf-8").splitlines()) - 1  # the second note's date
    res = run("-C", project, "validate")
    assert res.code == 1
    assert (
        f"briefs/issues/nato.yaml:{line}:11: error: change note dated 2025-09-30, after the "
        "brief's last_reviewed (2025-08-10)"
    ) in res.err


def test_a_change_needs_a_date_and_a_text(project: Path) -> None:
    path = project / "briefs" / "issues" / "nato.yaml"
    _append(path, "changes:\n  - change: x\n")
    line = len(path.read_text("utf-8").splitlines())
    res = run("-C", project, "validate")
    assert f"briefs/issues/nato.yaml:{line}:5: error: missing required field 'date'" in res.err


def test_source_entry_has_its_url_and_access_date(project: Path) -> None:
    path = project / "briefs" / "sources.yaml"
    text = path.read_text("utf-8").replace(
        "    local_copy: shared/seeds/004_1d74bc3b4be79d69.txt\n",
        '    url: https://example.org/gaps\n    accessed: "2025-08-09"\n',
        1,
    )
    path.write_text(text, "utf-8")
    res = run("-C", project, "build", "--format", "html", "--quiet")
    assert res.code == 0, res.err
    html = (project / "build" / "html" / "nato.html").read_text("utf-8")
    entry = html[html.index('<li id="note-1">') :].split("</li>", 1)[0]
    assert "</cite>. Publisher unknown; undated. <a " in entry
    accessed = '(accessed <time datetime="2025-08-09">9 August 2025</time>). <span'
    assert f"https://example.org/gaps</a> {accessed}" in entry
    assert "Reliability: low" in entry and ".</span> <strong>" in entry  # spaced, not run on
