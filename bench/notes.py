"""Why a target can be missed: what the profile of each step shows (kept next to the figures)."""

from __future__ import annotations

from typing import Any

from targets import Target

WHY = {
    "PDF build at -j1": (
        "the rest of the pipeline (start-up, validation, Jinja, git log, hashing, writing) is "
        "paid on top of WeasyPrint's own layout time, which both sides share."
    ),
    "PDF build: -j2": (
        "the book alone is about a third of all layout work and cannot be split across "
        "processes (page numbers and cross-references need one layout), and each worker pays "
        "WeasyPrint's import and font set-up; the schedule starts the book first and fills the "
        "other core with the issues, longest first."
    ),
    "Cold HTML site": (
        "a cold build parses and checks every YAML file, renders a full brief per issue "
        "(tables, SVG figures, endnotes) and indexes every page for search, in Python; Hugo is "
        "compiled Go rendering plain Markdown."
    ),
    "No-op site": ("the no-op still loads the corpus and renders the pages that list every issue."),
    "One changed issue": (
        "a change re-runs the cross-file checks over every document (the issue asks for that), "
        "which needs the validation modules imported and every cached document read, and "
        "pages that list all issues (index, actors, feed, search) are rendered again."
    ),
    "validate": "parsing dominates: the loader walks every parser event in Python.",
    "Peak memory": "every page of the site is held in memory until the atomic swap.",
}


def explain(t: Target, m: dict[str, Any], n: int) -> str:
    """A one-paragraph reason for a missed target."""
    for prefix, text in WHY.items():
        if t.name.startswith(prefix):
            return text
    return "see the figures above."
