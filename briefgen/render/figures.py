"""Geometry for the two pictures (gap matrix, timeline); the SVG itself is drawn by templates."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model import GAP_LEVELS, Issue, PartialDate

CHAR_W = 0.56  # average glyph width of the sans face, as a fraction of the font size


def wrap(text: str, width_px: float, size: float, max_lines: int = 3) -> list[str]:
    """Greedy word wrap by estimated glyph width; the last line is cut with an ellipsis."""
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
        current = word if len(word) <= per_line else word[: per_line - 1] + "…"
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        lines = lines[:max_lines]
        last = lines[-1]
        lines[-1] = (last[: per_line - 1] if len(last) >= per_line else last) + "…"
    return lines


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


def gap_matrix(issues: list[Issue], anchor: str = "#", width: float = 680) -> Matrix:
    """Lay out one strip per issue with a cell per positions row, coloured by gap level."""
    label_w = 150.0
    pad = 4.0
    row_h = 64.0
    max_cols = max((len(i.positions) for i in issues), default=1)
    cols = max(3, min(max_cols, 4))
    cell_w = (width - label_w) / cols
    rows = []
    y = 0.0
    for issue in issues:
        cells = []
        positions = issue.positions
        n_lines = (len(positions) + cols - 1) // cols or 1
        h = row_h * n_lines
        for k, row in enumerate(positions):
            cx = label_w + (k % cols) * cell_w
            cy = y + (k // cols) * row_h
            cells.append(
                Cell(
                    x=cx + pad / 2,
                    y=cy + pad / 2,
                    w=cell_w - pad,
                    h=row_h - pad,
                    gap=row.gap,
                    lines=tuple(wrap(row.topic, cell_w - 12, 10.5, 3)),
                    href=f"{anchor}{issue.id}--row-{row.id}",
                    title=f"{issue.title}: {row.topic}",
                )
            )
        rows.append(
            MatrixRow(
                y=y,
                h=h,
                lines=tuple(wrap(issue.title, label_w - 10, 11, 3)),
                href=f"{anchor}{issue.id}",
                cells=tuple(cells),
            )
        )
        y += h
    legend_w = (width - label_w) / len(GAP_LEVELS)
    legend = tuple((label_w + i * legend_w, g) for i, g in enumerate(GAP_LEVELS))
    rows_ = [(i, r) for i in issues for r in i.positions]
    own = any(r.between and set(r.between) != set(i.principals) for i, r in rows_)
    label = "Gap within each row's pair:" if own else "Gap between principals:"
    return Matrix(width, y + 34, label_w, tuple(rows), y + 10, legend, label)


@dataclass(frozen=True)
class Event:
    """One precedent on the timeline."""

    x: float
    label_x: float
    y: float
    date: str
    lines: tuple[str, ...]
    href: str
    uncertain: bool


@dataclass(frozen=True)
class Timeline:
    """The timeline picture: a proportional axis with labels stacked in lanes."""

    width: float
    height: float
    axis_y: float
    x0: float
    x1: float
    ticks: tuple[tuple[float, str], ...]
    events: tuple[Event, ...] = field(default=())


TimelineItem = tuple[str, str, PartialDate, str, str, bool]


def timeline(items: list[TimelineItem], width: float = 680) -> Timeline:
    """Place dated events on an axis; items are (issue, id, date, date label, title, uncertain)."""
    margin = 24.0
    label_w = 118.0
    x0, x1 = margin, width - label_w + 4  # the last label still fits to the right
    if not items:
        return Timeline(width, 40, 20, x0, x1, ())
    dates = [it[2].ordinal for it in items]
    lo = int(min(dates))
    hi = int(max(dates)) + 1
    if hi - lo < 4:
        lo, hi = lo - 1, hi + 1
    span = hi - lo

    def xpos(v: float) -> float:
        return x0 + (v - lo) / span * (x1 - x0)

    step = 1 if span <= 10 else 2 if span <= 20 else 5
    first = lo + (-lo) % step
    ticks = tuple((xpos(yr), str(yr)) for yr in range(first, hi + 1, step))
    lane_h = 46.0
    axis_y = 30.0
    # Each lane keeps the labels placed in it; a leader line runs from the axis down to its
    # label, so a label may not sit where it would cover a leader, nor a leader cross a label.
    lanes: list[list[tuple[float, float]]] = []
    leaders: list[tuple[float, int]] = []
    events = []
    # Placed right to left: labels extend rightwards, so a leader dropping to a deeper lane
    # passes only lanes whose labels start to its right.
    ordered = sorted(items, key=lambda t: (t[2], t[1]), reverse=True)
    for issue_id, ident, date, when, title, uncertain in ordered:
        x = xpos(date.ordinal)
        lx = min(max(x - 6, x0 - margin + 2), width - label_w - 2)
        box = (lx - 4, lx + label_w + 4)

        def free(k: float, lo: float, hi: float) -> bool:
            return all(hi <= a or lo >= b for a, b in lanes[int(k)])

        lane = 0
        while lane < len(lanes):
            clear_here = free(lane, *box)
            clear_above = all(free(j, x - 3, x + 3) for j in range(lane))
            no_leader_hit = all(not (box[0] < x2 < box[1]) or k2 <= lane for x2, k2 in leaders)
            if clear_here and clear_above and no_leader_hit:
                break
            lane += 1
        if lane == len(lanes):
            lanes.append([])
        lanes[lane].append(box)
        leaders.append((x, lane))
        events.append(
            Event(
                x=x,
                label_x=lx,
                y=axis_y + 22 + lane * lane_h,
                date=when,
                lines=tuple(wrap(title, label_w, 9.5, 2)),
                href=f"#{issue_id}--precedent-{ident}",
                uncertain=uncertain,
            )
        )
    height = axis_y + 22 + len(lanes) * lane_h + 4
    events.sort(key=lambda e: (e.x, e.y))
    return Timeline(width, height, axis_y, x0, x1, ticks, tuple(events))
