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
        "the 46-page book holds all five issues and is about 43% of all layout work; one "
        "layout cannot be split across processes (page numbers and cross-references need "
        "it whole). The schedule starts the book first and fills the other core with the "
        "issues, longest first, so the best two-core split is the book plus the smallest "
        'issue against the rest ("best -j2 speed-up whole briefs allow" under Machine, with '
        "the serial rest that both runs pay: start-up, validation, WeasyPrint's import). Two "
        "layouts at once run slower than one (they share the memory bus and caches), and on "
        "this shared machine the second core is often busy (see the load averages). The "
        "console script now collects reference cycles every 100,000 allocations: both PDF "
        "builds got faster (-j1 by about 7%, -j2 by about 6%, in a side-by-side run of three "
        "thresholds), the ratio a little lower. Profiling shows no book-specific waste; the "
        "costs it has more of are inline SVG text, which WeasyPrint 70 lays out one "
        "character at a time (Kozea/WeasyPrint#2249), and dotted TOC leaders."
    ),
    "Cold HTML site": (
        "a cold build (no cache, no build/) loads and checks every file, renders a full brief "
        "page per issue (positions table, SVG figures, endnotes) and cuts it into search "
        "sections, a Markdown download per issue, the index and one page per actor listing "
        "every issue, and writes about 110 KB an issue, in Python on two cores that it keeps "
        "busy. A profile of every process of a cold site of 500 (py-spy, 2026-12-05) shares "
        "the CPU out as: brief pages 48% (Jinja about three fifths of it, search sections "
        "about three tenths), Markdown downloads 20%, loading and checking 14%, listing "
        "pages 10%, the parent's own work 8%. Its work is counted in instructions too (under "
        "Machine; the count does not move with the machine's load): 28.3 G at dc63f54, "
        "24.5 G at 43b79a4."
    ),
    "No-op site": (
        "a no-op hashes every input (stat-cached), reads git log and compares one "
        "fingerprint, then checks the downloads the same way; most of what remains is "
        "Python start-up and importing the site module (Jinja)."
    ),
    "One changed issue, site": (
        "the edit is validated alone, on the second core from the moment the file hashes "
        "show it, while git is asked and Jinja and the renderers are imported here; only its "
        "page and Markdown download are rendered (the download on the second core), one "
        "search shard is rewritten and the listing pages are kept; the site is staged in the "
        "site before last, so only what changed is linked again. What remains over the no-op "
        "is mostly fixed: Jinja's and the site module's imports (about 30 ms), rendering one "
        "page and the search page, and the records the next build compares with."
    ),
    "One changed issue, `build": (
        "the edit is validated alone and one page rendered; what remains over the no-op is "
        "importing Jinja, markdown-it (the sources' reliability notes use Markdown emphasis, "
        "so every page needs the parser once) and the validators, about 0.1 s of start-up."
    ),
    "validate": (
        "parsing dominates: the loader walks every parser event in Python. A stale brief's "
        "warning no longer re-reads its file (cache entries and parse-ahead results carry "
        "the top-level positions)."
    ),
    "Peak memory": (
        "the largest process is the cold site's parent: the validated corpus of 500 issues "
        "as Python objects."
    ),
}


def explain(t: Target, m: dict[str, Any], n: int) -> str:
    """A one-paragraph reason for a missed target."""
    for prefix, text in WHY.items():
        if t.name.startswith(prefix):
            return text + _floor_note(t, m, n) if prefix == "Cold HTML site" else text
    return "see the figures above."


def _floor_note(t: Target, m: dict[str, Any], n: int) -> str:
    """What the floor of a cold site (bench/site_floor.py) says of a cold-site target."""
    floor, site = m.get(f"floor.{n}.site"), m.get(f"site.{n}.cold")
    if floor is None or site is None:
        return ""
    f, s = floor.median, site.median
    above = (
        f" The floor of a cold site (validating, then rendering each page and download with "
        f"the project's own templates, nothing else) took {f:.3f} s; the site spends "
        f"{s - f:.3f} s ({(s - f) / s:.0%}) above it, on search, listings, history and writes."
    )
    if "mkdocs" in t.name and f"mkdocs.{n}.cold" in m:
        r = m[f"mkdocs.{n}.cold"].median / f
        verdict = (
            "so a site that did nothing else would still miss 5×"
            if r < 5
            else (
                "so the target needs the work above the floor cut to "
                f"{m[f'mkdocs.{n}.cold'].median / 5 - f:.3f} s"
            )
        )
        return above + f" mkdocs takes {r:.2f} times the floor: {verdict}."
    if "Hugo" in t.name and f"hugo.{n}.cold" in m:
        r = f / m[f"hugo.{n}.cold"].median
        verdict = (
            "so a site that did nothing else would still miss 1.5×"
            if r > 1.5
            else (
                "so the target needs the work above the floor cut to "
                f"{1.5 * m[f'hugo.{n}.cold'].median - f:.3f} s"
            )
        )
        return above + f" The floor alone is {r:.2f} times Hugo's cold build: {verdict}."
    return above
