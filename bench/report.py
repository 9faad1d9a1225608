"""docs/benchmarks.md from one run of bench/run.py: the targets (issue #17), then every figure."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Figure:
    """Seconds of each run of one measurement, and the peak resident memory of each (MB)."""

    label: str
    seconds: list[float] = field(default_factory=list)
    mb: list[float] = field(default_factory=list)

    def add(self, seconds: float, mb: float | None = None) -> None:
        """Record one run."""
        self.seconds.append(seconds)
        self.mb += [] if mb is None else [mb]

    @property
    def median(self) -> float:
        """Median seconds."""
        return statistics.median(self.seconds)

    @property
    def peak_mb(self) -> float:
        """Largest peak RSS of any run, MB (NaN when not measured)."""
        return max(self.mb, default=math.nan)


Value = Callable[[dict[str, Figure]], tuple[float, str]]  # the figures -> value, as shown


def ratio(a: str, b: str) -> Value:
    """The ratio of two medians."""
    return lambda f: (
        r := f[a].median / f[b].median,
        f"{r:.2f}× ({f[a].median:.3f} s / {f[b].median:.3f} s)",
    )


def ms(key: str) -> Value:
    """A median in milliseconds."""
    return lambda f: (v := f[key].median * 1000, f"{v:.0f} ms")


def peak(*keys: str) -> Value:
    """The largest peak memory of some figures, MB."""
    return lambda f: (v := max(f[k].peak_mb for k in keys), f"{v:.0f} MB")


def both(key: str) -> Value:
    """A median and its peak memory."""
    return lambda f: (f[key].median, f"{f[key].median:.3f} s; peak {f[key].peak_mb:.0f} MB")


N, BIG = 500, 5000
TARGETS: list[tuple[str, str, Value, Callable[[float], bool] | None]] = [
    ("PDF of the shipped content at -j1 vs bare WeasyPrint", "≤ 1.10×",
     ratio("pdf.j1", "pdf.weasyprint"), lambda r: r <= 1.10),
    ("PDF: -j2 speed-up over -j1", "≥ 1.75×", ratio("pdf.j1", "pdf.j2"), lambda r: r >= 1.75),
    ("DOCX of the shipped content at -j1 vs bare pandoc on its Markdown", "",
     ratio("docx.j1", "docx.pandoc"), None),
    (f"No-op site of {N} vs `mkdocs build --dirty`", "< 1×",
     ratio(f"site.{N}.noop", f"mkdocs.{N}.noop"), lambda r: r < 1),
    (f"No-op site of {N} vs Hugo rerun", "< 1×",
     ratio(f"site.{N}.noop", f"hugo.{N}.noop"), lambda r: r < 1),
    (f"One changed issue, site of {N}, vs its no-op", "≤ 2×",
     ratio(f"site.{N}.one", f"site.{N}.noop"), lambda r: r <= 2),
    (f"One changed issue, `build --format html` of {N}, vs its no-op", "≤ 2×",
     ratio(f"html.{N}.one", f"html.{N}.noop"), lambda r: r <= 2),
    (f"Preview edit-to-reload, {N} issues, median", "≤ 150 ms", ms(f"preview.{N}.one"),
     lambda v: v <= 150),
    (f"`briefgen validate` of {N} (no cache): speed-up over yamllint", "≥ 5×",
     ratio(f"yamllint.{N}", f"validate.{N}.cold"), lambda r: r >= 5),
    (f"Peak memory of the {N}-issue site build", "< 250 MB",
     peak(f"site.{N}.cold", f"site.{N}.one", f"preview.{N}.one"), lambda v: v < 250),
    (f"Cold site of {N} vs `mkdocs build`", "", ratio(f"site.{N}.cold", f"mkdocs.{N}.cold"), None),
    (f"Cold site of {N} vs `hugo`", "", ratio(f"site.{N}.cold", f"hugo.{N}.cold"), None),
    (f"No-op site of {BIG}", "", both(f"site.{BIG}.noop"), None),
    (f"One issue's title changed, site of {BIG}", "", both(f"site.{BIG}.one"), None),
    (f"One issue's title changed, preview of {BIG}", "", both(f"preview.{BIG}.one"), None),
    (f"`briefgen validate` of {BIG}, cache warm", "", both(f"validate.{BIG}.warm"), None),
    (f"Cold HTML site of {BIG}", "", both(f"site.{BIG}.cold"), None),
]  # fmt: skip
HOW = """\
- Corpora: `bench/corpus.py` (the shipped issues copied in groups, every file valid, each corpus
  a git repository). mkdocs (default theme) and Hugo (a minimal layout) build the Markdown that
  briefgen writes for the same issues; yamllint (default rules) checks the same `briefs/`.
- PDF: from no `build/` and no `.briefgen-cache/`; bare WeasyPrint renders the HTML that
  `briefgen build --format html` writes, with the same PDF/UA-1 options, in one process.
- DOCX: from no `build/` and no cache, `briefgen build --format docx -j1` (templates, figures
  drawn to PNG, pandoc, finishing) next to the same pandoc binary converting the Markdown that
  `briefgen build --format md` writes for the same six briefs, one process per file.
- Site: `briefgen site --no-pdf` (the HTML site with its Markdown downloads, as a static-site
  generator builds it), whole processes: from no `build/` and no cache, with nothing changed,
  and with one issue's subtitle (title for 5,000) changed, taking turns.
- Preview: in one `briefgen serve`, taking turns, from writing one issue file (the same bytes,
  or a new subtitle or title) until the server signals the reload on the status file the page
  polls (`live.js`): the preview's edit-to-reload time.
- Peak memory: `/usr/bin/time -v`'s maximum resident set size (the largest single process), MB
  of 10^6 bytes; for the server, over its whole life (first build and rebuilds).
"""


def targets(f: dict[str, Figure]) -> list[tuple[str, str, str, str]]:
    """(target, wanted, measured, PASS/FAIL or "") for every target these figures cover."""
    rows = []
    for name, wanted, value, test in TARGETS:
        try:
            v, shown = value(f)
        except KeyError:  # not measured in this run
            continue
        rows.append((name, wanted, shown, "" if test is None else "PASS" if test(v) else "FAIL"))
    return rows


def write_report(
    path: Path, f: dict[str, Figure], info: dict[str, str], runs: int, quick: bool
) -> list[str]:
    """Write the Markdown report; return the targets as lines to print."""
    rows = targets(f)
    when = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`bench/run.py{' --quick' if quick else ''}`) on {when}; "
        f"do not edit by hand. Medians of {runs} runs (yamllint and the 5,000-issue corpus: at "
        "most 3); the compared commands take turns run by run, and every ratio compares medians "
        "of this one run. Targets without a result are reported, not gated.",
        "",
        "## Targets",
        "",
        "| target | wanted | measured | result |",
        "| --- | --- | --- | --- |",
        *(f"| {' | '.join(row)} |" for row in rows),
        "",
        "## Every figure",
    ]
    sections = [("pdf", "PDF of the shipped content (five issues and one book)")]
    sections += [("docx", "Word output of the shipped content (five issues and one book)")]
    sections += [(str(n), f"Corpus of {n:,} issues") for n in (10, 100, N, BIG)]
    for group, title in sections:
        keys = [k for k in f if group in k.split(".")[:2]]
        lines += [f"\n### {title}\n", "| command | median s | min s | max s | runs | peak MB |"]
        lines += ["| --- | ---: | ---: | ---: | ---: | ---: |"] if keys else []
        for k in keys:
            s, fig = sorted(f[k].seconds), f[k]
            lines.append(f"| {fig.label} | {fig.median:.3f} | {s[0]:.3f} | {s[-1]:.3f} | "
                         f"{len(s)} | {fig.peak_mb:.0f} |")  # fmt: skip
        if not keys:
            lines[-1] = "Not measured in this run."
    lines += ["", "## Machine and tools", "", "| | |", "| --- | --- |"]
    lines += [f"| {k} | {v} |" for k, v in info.items()]
    lines += ["", "## How the figures are taken", "", HOW]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines), "utf-8")
    return [f"{r[3] or 'info':4}  {r[0]}: {r[2]} {r[1]}".rstrip() for r in rows]
