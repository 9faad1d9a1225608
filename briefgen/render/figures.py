"""Geometry for the two pictures (gap matrix, timeline); the SVG itself is drawn by templates."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..model import GAP_LEVELS, Issue, PartialDate

CHAR_W = 0.56  # average glyph width of the sans face, as a fraction of the font size


def wrap(text: str, width_px: float, size: float) -> list[str]:
    """Greedy word wrap by estimated glyph width; nothing is cut: print cannot show a tooltip."""
    per_line = max(4, int(width_px / (size * CHAR_W)))
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line:
            current = candidate
            continue
        if current:
            lines.append(current)
        while len(word) > per_line:  # a word wider than the line is split, never dropped
            lines.append(word[: per_line - 1] + "-")
            word = word[per_line - 1 :]
        current = word
    if current:
        lines.append(current)
    return lines or [""]


@dataclass(frozen=True)
class Cell:
    """One sub-topic in the gap matrix."""

    x: float
    y: float
    w: float
    h: float
    gap: str
    lines: tuple[str, ...]
    href: str
    title: str


@dataclass(frozen=True)
class MatrixRow:
    """One issue's strip in the gap matrix."""

    y: float
    h: float
    lines: tuple[str, ...]
    href: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class Matrix:
    """The whole gap matrix picture."""

    width: float
    height: float
    label_w: float
    rows: tuple[MatrixRow, ...]
    legend_y: float
    legend: tuple[tuple[float, str], ...]
    legend_label: str = "Gap between principals:"


CELL_FONT = 10.5  # at print size the picture is drawn at about 0.72: 7.6 pt
CELL_LINE = 12.0


def gap_matrix(issues: list[Issue], anchor: str = "#", width: float = 680) -> Matrix:
    """Lay out one strip per issue with a cell per positions row, coloured by gap level; each
    line of cells is as tall as its longest wrapped label needs."""
    label_w = 150.0
    pad = 4.0
    max_cols = max((len(i.positions) for i in issues), default=1)
    cols = max(3, min(max_cols, 4))
    cell_w = (width - label_w) / cols
    rows = []
    y = 0.0
    for issue in issues:
        cells = []
        label = tuple(wrap(issue.title, label_w - 10, 11))
        wrapped = [tuple(wrap(r.topic, cell_w - 12, CELL_FONT)) for r in issue.positions]
        top = y
        for start in range(0, max(len(wrapped), 1), cols):
            chunk = wrapped[start : start + cols]
            line_h = max(64.0, 36.0 + CELL_LINE * max((len(c) for c in chunk), default=1))
            for k, lines in enumerate(chunk, start):
                row = issue.positions[k]
                cells.append(
                    Cell(
                        x=label_w + (k % cols) * cell_w + pad / 2,
                        y=y + pad / 2,
                        w=cell_w - pad,
                        h=line_h - pad,
                        gap=row.gap,
                        lines=lines,
                        href=f"{anchor}{issue.id}--row-{row.id}",
                        title=f"{issue.title}: {row.topic}",
                    )
                )
            y += line_h
        y = max(y, top + 18 + 13 * len(label))
        rows.append(MatrixRow(top, y - top, label, f"{anchor}{issue.id}", tuple(cells)))
    legend_w = (width - label_w) / len(GAP_LEVELS)
    legend = tuple((label_w + i * legend_w, g) for i, g in enumerate(GAP_LEVELS))
    rows_ = [(i, r) for i in issues for r in i.positions]
    own = any(r.between and set(r.between) != set(i.principals) for i, r in rows_)
    legend_label = "Gap within each row's pair:" if own else "Gap between principals:"
    return Matrix(width, y + 34, label_w, tuple(rows), y + 10, legend, legend_label)


EVENT_KINDS = ("dated", "approximate", "inferred")


@dataclass(frozen=True)
class Event:
    """One precedent on the timeline: a row, in time order, below the one before."""

    y: float
    date: str
    date_lines: tuple[str, ...]
    lines: tuple[str, ...]
    href: str
    kind: str  # dated | approximate (a period, not a date) | inferred (uncertain)


@dataclass(frozen=True)
class Timeline:
    """The timeline picture: a vertical axis, earliest event at the top, a row per event,
    rows further apart where more time passed between them."""

    width: float
    height: float
    axis_x: float
    text_x: float
    events: tuple[Event, ...] = field(default=())
    legend_y: float = 0.0

    @property
    def kinds(self) -> tuple[str, ...]:
        """The marker kinds the picture uses, for its legend."""
        return tuple(k for k in EVENT_KINDS if any(e.kind == k for e in self.events))


# (issue id, precedent id, date, date label, title, uncertain, approximate)
TimelineItem = tuple[str, str, PartialDate, str, str, bool, bool]
FONT = 10.5  # 7.6 pt at print size
LINE = 13.0


def timeline(items: list[TimelineItem], width: float = 680) -> Timeline:
    """Stack events in time order down a vertical axis: labels sit to the right of the axis,
    dates to its left, so no line ever crosses text whatever the dates."""
    date_w, axis_x = 118.0, 132.0
    text_x = axis_x + 14
    y = 8.0
    events = []
    previous: float | None = None
    for issue_id, ident, date, when, title, uncertain, approximate in sorted(
        items, key=lambda t: (t[2].ordinal, t[1])
    ):
        if previous is not None:  # up to 18 more units for the years between two events
            y += min(18.0, 6.0 * math.log1p(max(0.0, date.ordinal - previous)))
        previous = date.ordinal
        lines = tuple(wrap(title, width - text_x - 6, FONT))
        date_lines = tuple(wrap(when, date_w, FONT))
        kind = "inferred" if uncertain else "approximate" if approximate else "dated"
        href = f"#{issue_id}--precedent-{ident}"
        events.append(Event(y + 12, when, date_lines, lines, href, kind))
        y += LINE * max(len(lines), len(date_lines)) + 8
    legend_y = y + 10
    height = legend_y + (18 if events else 0)
    return Timeline(width, height, axis_x, text_x, tuple(events), legend_y)
