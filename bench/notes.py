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
        "a cold build (no cache, no build/) parses and checks 500 YAML files (about 1.7 ms "
        "each: the loader walks every parser event in Python to keep positions and refuse "
        "anchors, tags and oversized input), then renders a full brief page per issue "
        "(positions table, SVG figures, endnotes: about 3 ms of Jinja) and splits it into "
        "search sections, a Markdown download per issue, the index and one page per actor "
        "listing all 500 issues, in Python on two cores that it keeps busy (user time is "
        "about 1.8 times the wall time). It is bound by CPU, so its work is also counted in "
        "instructions (under Machine; the count does not move with the machine's load): "
        "28.3 G at dc63f54, 24.5 G at 6eb44e0, most of it the loader's (it no longer scans "
        "every value a second time for forbidden characters) and some the section splitter's "
        "(it cuts pages with regular expressions instead of walking every token). A "
        "one-process profile of the same site shares the CPU out as: brief pages 42% (Jinja; "
        "its escape() and attribute lookups are Python calls, about 2,000 a page), parsing "
        "and checking "
        "20%, listing pages 18%, Markdown downloads 17%. Reaching 5 times mkdocs needs about "
        "half the work again, and no single part is half. Hugo renders plain Markdown in "
        "compiled Go; mkdocs pays the same Python costs per page and more."
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
            return text
    return "see the figures above."
