"""The issue's targets as ratios of figures from one benchmark run, each with PASS or FAIL."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Target:
    """One target: what it asks, the measured ratio shown as text, and whether it is met."""

    name: str
    wanted: str
    shown: str
    passed: bool


def _ratio(m: dict[str, Any], a: str, b: str) -> float:
    return float(m[a].median / m[b].median)


def evaluate(m: dict[str, Any], n: int) -> list[Target]:
    """Every target of issue 7 that the measurements `m` cover (n: the largest corpus)."""
    out: list[Target] = []

    def add(name: str, wanted: str, shown: str, passed: bool) -> None:
        out.append(Target(name, wanted, shown, passed))

    def ratio_target(
        name: str, wanted: str, a: str, b: str, test: Callable[[float], bool], unit: str = "×"
    ) -> None:
        if a in m and b in m:
            r = _ratio(m, a, b)
            add(name, wanted, f"{r:.3f}{unit} ({m[a].median:.3f} s / {m[b].median:.3f} s)", test(r))

    ratio_target("PDF build at -j1 vs bare WeasyPrint", "≤ 1.10× the floor",
                 "pdf.j1", "pdf.floor", lambda r: r <= 1.10)  # fmt: skip
    ratio_target("PDF build: -j2 speed-up over -j1", "≥ 1.8×",
                 "pdf.j1", "pdf.j2", lambda r: r >= 1.8)  # fmt: skip
    ratio_target(f"Cold HTML site of {n}: speed-up over mkdocs", "≥ 5×",
                 f"mkdocs.{n}.cold", f"site.{n}.cold", lambda r: r >= 5)  # fmt: skip
    ratio_target(f"Cold HTML site of {n}: time relative to Hugo", "≤ 1.5×",
                 f"site.{n}.cold", f"hugo.{n}.cold", lambda r: r <= 1.5)  # fmt: skip
    ratio_target(f"No-op site rebuild of {n} vs mkdocs --dirty", "faster (ratio < 1)",
                 f"site.{n}.noop", f"mkdocs.{n}.noop", lambda r: r < 1)  # fmt: skip
    ratio_target(f"No-op site rebuild of {n} vs Hugo rerun", "faster (ratio < 1)",
                 f"site.{n}.noop", f"hugo.{n}.noop", lambda r: r < 1)  # fmt: skip
    ratio_target(f"One changed issue, site of {n} (HTML), vs its no-op", "≤ 2×",
                 f"site.{n}.one", f"site.{n}.noop", lambda r: r <= 2)  # fmt: skip
    ratio_target(f"One changed issue, `build --format html` of {n}, vs its no-op", "≤ 2×",
                 f"html.{n}.one", f"html.{n}.noop", lambda r: r <= 2)  # fmt: skip
    ratio_target(f"validate {n} files (no cache) vs yamllint", "≥ 5× faster",
                 f"yamllint.{n}", f"validate.{n}.cold", lambda r: r >= 5)  # fmt: skip
    key = f"site.{n}.cold"
    if key in m:
        peak = max(max(m[k].rss_mb) for k in (key, f"site.{n}.noop", f"site.{n}.one") if k in m)
        add(f"Peak memory of the {n}-issue site build", "< 250 MB", f"{peak:.0f} MB", peak < 250)
    return out
