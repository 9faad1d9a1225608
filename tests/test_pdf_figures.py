"""The figures print every word of their labels, in time order, at a readable size."""

from __future__ import annotations

import re
from pathlib import Path

from briefgen.model import PartialDate
from briefgen.render.figures import CELL_FONT, FONT, gap_matrix, timeline, wrap
from briefgen.validate import load_project

from .conftest import REPO

PRINT_SCALE = 493 / 680  # the 680-unit picture across A4's 174 mm text width, in points


def test_wrap_keeps_every_word() -> None:
    text = "Whether to keep a treaty framework at all, supercalifragilisticexpialidocious"
    lines = wrap(text, 90, 10.5)
    assert all("…" not in line for line in lines)
    assert "".join(lines).replace("-", "").replace(" ", "") == text.replace(" ", "")


def test_book_matrix_cuts_no_label() -> None:
    corpus = load_project(REPO).corpus
    assert corpus is not None
    issues = [corpus.issues[i] for i in corpus.books["us-russia-summit"].issues]
    m = gap_matrix(issues)
    for row, issue in zip(m.rows, issues, strict=True):
        assert " ".join(row.lines) == issue.title
        for cell, pos in zip(row.cells, issue.positions, strict=True):
            assert " ".join(cell.lines) == pos.topic
            # the wrapped label and the gap word below it fit inside the cell
            assert 15 + 12 * (len(cell.lines) - 1) + 12 <= cell.h - 7
    assert CELL_FONT * PRINT_SCALE >= 7


def test_timeline_runs_in_time_order_and_marks_uncertain_dates() -> None:
    items = [
        ("a", "late", PartialDate(2025, 8, 6), "6 August 2025", "Late event", False, False),
        ("a", "early", PartialDate(1991), "Early 1990s", "Early event", False, True),
        ("a", "mid", PartialDate(2014), "2014", "Middle event " * 12, True, False),
    ]
    tl = timeline(items)
    assert [e.date for e in tl.events] == ["Early 1990s", "2014", "6 August 2025"]
    assert [e.kind for e in tl.events] == ["approximate", "inferred", "dated"]
    # each row starts below the last line of the one before: no text overlaps another
    for a, b in zip(tl.events, tl.events[1:], strict=False):
        assert b.y - 13 >= a.y + 13 * (max(len(a.lines), len(a.date_lines)) - 1)
    assert FONT * PRINT_SCALE >= 7


def test_book_timeline_has_a_title_and_a_legend(built: Path) -> None:
    html = (built / "build" / "html" / "us-russia-summit.html").read_text("utf-8")
    section = html[html.index('id="book-timeline"') :]
    assert re.search(r'<h2 id="book-timeline-h">Timeline of precedents</h2>', section)
    svg = section[: section.index("</svg>")]
    assert 'class="tl-legend"' in svg and "…" not in svg
    sizes = [float(s) for s in re.findall(r'font-size="([\d.]+)"', svg)]
    assert min(sizes) * PRINT_SCALE >= 7
