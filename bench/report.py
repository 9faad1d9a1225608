"""docs/benchmarks.md from one benchmark run: targets, every figure, the machine, the tools."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from targets import Target

ROWS = [
    ("pdf.floor", "Bare WeasyPrint: the shipped HTML to PDF in one process (the floor)"),
    ("pdf.j1", "`briefgen build --format pdf -j1`, shipped content, from nothing"),
    ("pdf.j2", "`briefgen build --format pdf -j2`, shipped content, from nothing"),
    ("pdf.noop", "`briefgen build --format pdf`, nothing changed"),
]
CORPUS_ROWS = [
    ("validate.{n}.cold", "`briefgen validate`, no cache"),
    ("validate.{n}.warm", "`briefgen validate`, document cache warm"),
    ("yamllint.{n}", "`yamllint` (default rules) on the same files"),
    ("html.{n}.cold", "`briefgen build --format html`, from nothing"),
    ("html.{n}.noop", "`briefgen build --format html`, nothing changed"),
    ("html.{n}.one", "`briefgen build --format html`, one issue changed"),
    ("site.{n}.cold", "briefgen HTML site, from nothing (no build/, no cache)"),
    ("site.{n}.noop", "briefgen HTML site, nothing changed"),
    ("site.{n}.one", "briefgen HTML site, one issue changed"),
    ("floor.{n}.site", "Floor of a cold site: validate, then render every page and download only"),
    ("mkdocs.{n}.cold", "`mkdocs build`, from nothing"),
    ("mkdocs.{n}.noop", "`mkdocs build --dirty`, nothing changed"),
    ("mkdocs.{n}.one", "`mkdocs build --dirty`, one page changed"),
    ("hugo.{n}.cold", "`hugo`, from nothing"),
    ("hugo.{n}.noop", "`hugo` rerun, nothing changed"),
    ("hugo.{n}.one", "`hugo` rerun, one page changed"),
]

HEADER = [
    "| command | median s | min s | max s | runs | peak MB |",
    "| --- | ---: | ---: | ---: | ---: | ---: |",
]


def _row(m: Any, label: str) -> str:
    s = sorted(m.seconds)
    return f"| {label} | {m.median:.3f} | {s[0]:.3f} | {s[-1]:.3f} | {len(s)} | {m.peak:.0f} |"


def write_report(
    path: Path,
    m: dict[str, Any],
    results: list[Target],
    info: dict[str, str],
    versions: dict[str, str],
    runs: int,
    sizes: list[int],
) -> None:
    """Write the Markdown report."""
    n = max(sizes)
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); do not edit by hand. Every figure is the",
        f"median of {runs} runs of a whole process, start-up included; every ratio compares",
        "figures from this one run, because the machine is shared and noisy. Peak memory is",
        "the largest resident set of any one process of the command (as `/usr/bin/time -v`",
        "reports it), in MB of 10^6 bytes.",
        "",
        f"Run on {dt.datetime.now(dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}.",
        "",
        "## Targets (issue 7)",
        "",
        "| target | wanted | measured | result |",
        "| --- | --- | --- | --- |",
    ]
    for t in results:
        lines.append(f"| {t.name} | {t.wanted} | {t.shown} | {'PASS' if t.passed else 'FAIL'} |")
    lines += ["", "## Every figure", "", "Seconds (median, fastest, slowest), runs, peak MB.", ""]
    lines += ["### PDF of the shipped content (5 issues and one book)", ""]
    lines += HEADER
    lines += [_row(m[k], label) for k, label in ROWS if k in m]
    for size in sizes:
        lines += ["", f"### Synthetic corpus of {size} issues", ""]
        lines += HEADER
        for key, label in CORPUS_ROWS:
            k = key.format(n=size)
            if k in m:
                lines.append(_row(m[k], label))
    lines += ["", "## Machine and versions", "", "| | |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in {**info, **versions}.items()]
    lines += ["", "## How each figure is taken", ""]
    lines += [
        "- Corpora: `bench/corpus.py` copies the five shipped issues into groups with a group",
        "  number on every id, title and BLUF, a group tag at the start of every prose value",
        "  (so no two issues share a string and nothing remembered from one renders another),",
        "  and `related` pointing inside the group; every file validates. Sizes:",
        f"  {', '.join(map(str, sizes))}. Each corpus is a git repository with one commit, so",
        "  briefs show their history as in real use.",
        "- Every briefgen command runs from compiled bytecode, as an installed tool does.",
        "- PDF floor: `weasyprint.HTML(string=...).render()` then `write_pdf()` on the six HTML",
        "  files briefgen writes, with the same PDF/UA-1 and tagging options, in one Python",
        "  process (import included). briefgen's PDF runs start with no build/ and no cache.",
        "- Site: briefgen's HTML site without PDF downloads (`bench/site_html.py`, the same",
        "  `build_site` the preview server uses); mkdocs (default theme, with its search index)",
        "  and Hugo (a minimal layout of our own) build the Markdown briefgen writes for the",
        "  same issues. \"One changed\" edits one issue's subtitle (one page's text for mkdocs",
        "  and Hugo) before each run.",
        "- Floor of a cold site (`bench/site_floor.py`): what no cold site of these briefs can",
        "  skip, done with briefgen's own stages and nothing else: load and validate every file",
        "  (no cache), then render each brief page (the site's template) and each Markdown",
        "  download on every core. No search index, listing pages, git history, hashing or",
        "  writing. It is to the cold site what bare WeasyPrint is to the PDF build.",
        "- validate: `briefgen validate` with the document cache removed before each run (cold)",
        "  and kept (warm); yamllint with its default rules on the same `briefs/` folder.",
        "- Instructions (under Machine): one cold HTML site of the 100-issue corpus under",
        "  valgrind's callgrind, summed over every process. The count barely moves with the",
        "  machine's load, so it shows whether a commit changed the work itself; it is not",
        "  time (a regular-expression scan costs many cheap instructions, and hashing counts",
        "  for more than natively: there are no SHA instructions under valgrind).",
        "- Commands compared with each other take turns run by run (the three PDF commands;",
        "  validate and yamllint; the three HTML builds; the ten site commands of briefgen,",
        "  its floor, mkdocs and Hugo), so that a drift in the machine's load hits each alike.",
        "",
    ]
    notes = _notes(m, results, n)
    if notes:
        lines += ["## Targets missed, and why", "", *notes, ""]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), "utf-8")


def _notes(m: dict[str, Any], results: list[Target], n: int) -> list[str]:
    """A paragraph for each missed target, from the figures of this run."""
    from notes import explain

    return [f"- **{t.name}** ({t.shown}): {explain(t, m, n)}" for t in results if not t.passed]
