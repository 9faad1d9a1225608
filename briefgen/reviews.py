"""Overdue reviews: the warnings a build gives and the dates page 1 prints. They depend on
the day a build is judged (`--today`), not on its inputs, so they stay out of what is kept."""

from __future__ import annotations

import datetime as dt

from .diagnostics import Diagnostic, Severity
from .engine import plan as planning
from .engine.state import Validated


def dated(d: Diagnostic) -> bool:
    """A warning that depends on the day it is judged (a stale review, a judgment past its
    horizon): not kept for later runs, which may be judged for another day."""
    return d.code == "TC004" or _stale_review(d)


def _stale_review(d: Diagnostic) -> bool:
    """validate's warning at a brief's `last_reviewed` line that its review is overdue."""
    return d.severity is Severity.WARNING and d.message.startswith("last reviewed ")


def overdue_warnings(
    today: dt.date | None, record: Validated, said: list[Diagnostic]
) -> list[Diagnostic]:
    """A warning at its `last_reviewed` line per brief whose review is overdue, unless
    validation has just said so there: a build that validated nothing still warns."""
    if today is None:
        return []
    told = {d.path for d in said if _stale_review(d)}
    own = {t.id: t.own for t in record.targets if t.kind == "issue"}
    hint = "review the brief and update last_reviewed"
    return [
        Diagnostic(
            own[i],
            *record.reviewed_at.get(i, (0, 0)),
            f"review overdue since {day}: {hint}",
            Severity.WARNING,
        )
        for i, day in overdue_reviews(today, record.due).items()
        if i in own and own[i] not in told
    ]


def overdue_reviews(today: dt.date | None, due: dict[str, str]) -> dict[str, str]:
    """Issues whose review is overdue on `today` (None: the clock's), with the date it fell due."""
    return planning.overdue(due, today or dt.date.today())
