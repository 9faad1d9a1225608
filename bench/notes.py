"""Why a target can be missed: what profiling each step showed (kept next to the figures)."""

from __future__ import annotations

from typing import Any

from targets import Target

WHY = {
    "PDF build at -j1": (
        "the pipeline around WeasyPrint (start-up, validation, Jinja, git log, hashing, a fork "
        "per PDF for render.pdf's time budget, writing) is paid on top of the layout time "
        "both sides share; WeasyPrint's import and font set-up are paid once, before forking."
    ),
    "PDF build: -j2": (
        "the ratio needs two idle cores. The 44-page book is about a third to a half of all "
        "layout work and cannot be split across processes (page numbers and cross-references "
        "need one layout); the schedule starts it first and fills the other core with the "
        "issues, longest first, so on an idle machine the makespan is close to the book alone "
        'or half the work. "Best -j2 speed-up whole briefs allow" under Machine gives the '
        "bound for this run: the best split of the measured per-brief times over two cores, "
        "plus the serial rest (start-up, validation, WeasyPrint's import and font set-up), "
        "which both runs pay. On a busy machine the second core is also shared with other "
        "work: see the load averages."
    ),
    "Cold HTML site": (
        "a cold build parses and checks 500 YAML files, renders a full brief page per issue "
        "(positions table, SVG figures, endnotes), a Markdown download per issue (whose "
        "hardening check re-parses every field with markdown-it: ~12 ms an issue, the largest "
        "single cost), actor pages that each list all 500 issues, and a search index built by "
        "parsing every page's HTML, all in Python on two cores; Hugo renders plain Markdown "
        "in compiled Go. Brief pages, downloads and their search sections are rendered "
        "across both cores; the actor pages and the index are single jobs."
    ),
    "No-op site": (
        "a no-op hashes every input (stat-cached), reads git log and compares one "
        "fingerprint, then checks the downloads the same way; most of what remains is "
        "Python start-up and importing the site module (Jinja)."
    ),
    "One changed issue, site": (
        "a change re-runs the cross-file checks over every document (the issue asks for "
        "that: the cached documents are read and re-checked, not re-parsed), and re-renders "
        "the pages that list every issue (index, 14 actor pages, feed, sitemap, search); "
        "only the changed brief page, the pages linking it and its download are re-rendered, "
        "and unchanged pages' search sections are reused by content hash."
    ),
    "One changed issue, `build": (
        "a change imports the validators and renderer (~0.2 s) and re-runs the cross-file "
        "checks over all 500 cached documents (~0.3 s), while a no-op needs neither."
    ),
    "validate": "parsing dominates: the loader walks every parser event in Python.",
    "Peak memory": (
        "the site holds every page in memory until the atomic swap, and the search index "
        "(about 30,000 sections) is held as Python objects and written twice: search.json "
        "and inline in search.html, 13 MB each."
    ),
}


def explain(t: Target, m: dict[str, Any], n: int) -> str:
    """A one-paragraph reason for a missed target."""
    for prefix, text in WHY.items():
        if t.name.startswith(prefix):
            return text
    return "see the figures above."
