"""Issue 6: `validate` warns about briefs not reviewed within `stale_after_days`, and briefs
show their review date."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run

STALE = "briefs/issues/new-start.yaml"


def set_reviewed(project: Path, dates: dict[str, str], default: str = "2025-08-10") -> None:
    """Give every issue a known last_reviewed date (the shipped dates may move on)."""
    for path in sorted((project / "briefs" / "issues").glob("*.yaml")):
        rel = path.relative_to(project).as_posix()
        text = path.read_text("utf-8")
        new, n = re.subn(
            r"^last_reviewed: .*$",
            f'last_reviewed: "{dates.get(rel, default)}"',
            text,
            count=1,
            flags=re.M,
        )
        assert n == 1, rel
        path.write_text(new, "utf-8")


def where(project: Path, rel: str) -> tuple[int, int]:
    """Line and column of the last_reviewed value, as the warning must report them."""
    for i, line in enumerate((project / rel).read_text("utf-8").splitlines(), 1):
        if line.startswith("last_reviewed: "):
            return i, len("last_reviewed: ") + 1
    raise AssertionError(rel)


@pytest.fixture
def stale(project: Path) -> Path:
    set_reviewed(project, {STALE: "2025-01-01"})
    return project


def test_stale_brief_is_a_located_warning(stale: Path) -> None:
    line, col = where(stale, STALE)
    res = run("-C", stale, "validate", "--today", "2025-09-01")
    assert res.code == 0
    assert res.out == "ok: 5 issues, 1 books\n"
    assert res.err == (
        f"{STALE}:{line}:{col}: warning: last reviewed 243 days ago (2025-01-01); "
        "briefs older than 180 days are stale\n"
        "0 error(s), 1 warning(s)\n"
    )


def test_strict_makes_staleness_an_error(stale: Path) -> None:
    line, col = where(stale, STALE)
    res = run("-C", stale, "validate", "--strict", "--today", "2025-09-01")
    assert res.code == 1
    assert res.out == ""
    assert res.err == (
        f"{STALE}:{line}:{col}: error: last reviewed 243 days ago (2025-01-01); "
        "briefs older than 180 days are stale\n"
        "1 error(s), 0 warning(s)\n"
    )


def test_github_annotation(stale: Path) -> None:
    line, col = where(stale, STALE)
    res = run("-C", stale, "validate", "--format", "github", "--today", "2025-09-01")
    assert res.code == 0
    assert res.err == (
        f"::warning file={STALE},line={line},col={col}::last reviewed 243 days ago "
        "(2025-01-01); briefs older than 180 days are stale\n"
    )


@pytest.mark.parametrize(("today", "warned"), [("2025-06-30", False), ("2025-07-01", True)])
def test_the_limit_is_inclusive(stale: Path, today: str, warned: bool) -> None:
    # 2025-01-01 + 180 days = 2025-06-30: exactly at the limit is still fresh.
    res = run("-C", stale, "validate", "--strict", "--today", today)
    assert res.code == (1 if warned else 0), res.err
    assert ("181 days ago" in res.err) is warned


def test_age_is_configurable(stale: Path) -> None:
    config = stale / "briefgen.yaml"
    text = config.read_text("utf-8")
    config.write_text(re.sub(r"(?m)^stale_after_days: .*$", "stale_after_days: 365", text))
    res = run("-C", stale, "validate", "--strict", "--today", "2025-09-01")
    assert (res.code, res.err) == (0, "")
    config.write_text(re.sub(r"(?m)^stale_after_days: .*$", "stale_after_days: 7", text))
    res = run("-C", stale, "validate", "--today", "2025-09-01")
    assert res.code == 0
    assert res.err.endswith("0 error(s), 5 warning(s)\n")
    assert "briefs older than 7 days are stale" in res.err


def test_today_comes_from_the_environment(stale: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BRIEFGEN_TODAY", "2025-03-01")
    res = run("-C", stale, "validate", "--strict")
    assert (res.code, res.err) == (0, "")
    monkeypatch.setenv("BRIEFGEN_TODAY", "2026-01-01")
    assert run("-C", stale, "validate", "--strict").code == 1


def test_bad_today_is_a_usage_error(stale: Path) -> None:
    res = run("-C", stale, "validate", "--today", "yesterday")
    assert res.code == 2
    assert res.err.startswith("briefgen validate: ")


def test_briefs_show_the_review_date(stale: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    res = run("-C", stale, "build", "--format", "md,html", "--out", out, "--quiet")
    assert res.code == 0, res.err
    # The wording belongs to the templates; the review date must be there in both formats.
    md = (out / "md" / "new-start.md").read_text("utf-8")
    assert "1 January 2025" in md
    html = (out / "html" / "new-start.html").read_text("utf-8")
    assert '<time datetime="2025-01-01">1 January 2025</time>' in html
