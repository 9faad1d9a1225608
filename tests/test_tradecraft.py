"""Issue 22: the tradecraft rules of `validate` (TC001-TC007), each failing and passing, the
switch that turns one off, --strict, and the graded-citation and claim-status formats.

A small project of our own: one issue whose single judgment passes every rule; each case
changes one thing and expects exactly one finding, located, with its code.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import run
from tests.test_diff_scenarios import ACTORS  # washington, moscow, beijing

CONFIG = """\
site:
  title: Test briefs
  base_url: https://briefs.example.org/
stale_after_days: 3650
"""

SOURCES = """\
sources:
  - id: treaty
    title: A treaty text
    publisher: A ministry
    reliability:
      rating: high
      grade: A
      notes: The signed text.
  - id: blog
    title: An anonymous post
    publisher: null
    reliability:
      rating: low
      grade: F
      notes: Nobody knows who wrote it.
"""

ISSUE = """\
id: alpha
title: The treaty
status: draft
version: "2.0"
last_reviewed: "2025-08-10"
principals: [washington, moscow]
bluf: The two sides are far apart on the treaty.
sources: [treaty]
key_judgments:
  - id: kj-one
    text: The treaty will lapse without a successor.
    likelihood: likely
    confidence: high
    basis: The expiry date is in the treaty.
    horizon: "2026-02-05"
    indicators:
      - text: Talks on a successor open
        meaning: The judgment is wrong
        by: "2025-12-31"
      - A pledge of restraint
    sources: [treaty]
positions:
  - id: row
    topic: The treaty
    gap: wide
    stances:
      washington: Keep it
      moscow: Suspend it
    sources: [treaty]
precedents:
  - id: signed
    date: "2010-04-08"
    title: Treaty signed
    summary: Both sides signed.
    sources: [treaty]
"""

LINE_KJ = 10  # the judgment's item, where TC001 and TC007 point


def project(root: Path, edits: list[tuple[str, str]] = (), config: str = "") -> Path:  # type: ignore[assignment]
    """The test project, with (old, new) edits to the issue (each must match once)."""
    text = ISSUE
    for old, new in edits:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    (root / "briefs" / "issues").mkdir(parents=True)
    (root / "briefgen.yaml").write_text(CONFIG + config, "utf-8")
    (root / "briefs" / "actors.yaml").write_text(ACTORS, "utf-8")
    (root / "briefs" / "sources.yaml").write_text(SOURCES, "utf-8")
    (root / "briefs" / "issues" / "alpha.yaml").write_text(text, "utf-8")
    return root


def validate(root: Path, *args: str) -> tuple[int, list[str]]:
    res = run("-C", root, "validate", "--today", "2025-09-01", *args)
    lines = [line for line in res.err.splitlines() if ": error: " in line or ": warning: " in line]
    return res.code, lines


REL = "briefs/issues/alpha.yaml"


def test_the_project_as_written_passes_every_rule(tmp_path: Path) -> None:
    code, lines = validate(project(tmp_path), "--strict")
    assert (code, lines) == (0, [])


# (rule, edits, config, the one expected line, the exit code without --strict)
CASES = [
    (
        "TC001",
        [
            (
                "      - A pledge of restraint\n    sources: [treaty]\n",
                "      - A pledge of restraint\n",
            )
        ],
        "",
        f"{REL}:{LINE_KJ}:5: error: TC001 judgment 'kj-one' cites no sources",
        1,
    ),
    (
        "TC002",
        [
            (
                "      - A pledge of restraint\n    sources: [treaty]",
                "      - A pledge of restraint\n    sources: [blog]",
            )
        ],
        "",
        f"{REL}:13:17: warning: TC002 high confidence rests only on sources graded D-F "
        "(blog F); cite a source graded A-C, grade a confirmed citation 1, or lower the "
        "confidence",
        0,
    ),
    (
        "TC003",
        [("The treaty will lapse without a successor.", "A successor is unlikely.")],
        "",
        f"{REL}:11:11: warning: TC003 the text says 'unlikely' (unlikely) but `likelihood` is "
        "likely: make them agree",
        0,
    ),
    (
        "TC004",
        [('horizon: "2026-02-05"', 'horizon: "2025-08-31"')],
        "",
        f"{REL}:15:14: warning: TC004 judgment 'kj-one' is due for review: its horizon "
        "2025-08-31 has passed (today is 2025-09-01)",
        0,
    ),
    (
        "TC005",
        [
            (
                "    summary: Both sides signed.\n",
                "    status: unverified\n    reason: One blog.\n    summary: Both sides signed.\n",
            )
        ],
        "",
        f"{REL}:34:13: error: TC005 precedent 'signed' is unverified and may not appear in a "
        "timeline as an event; set `timeline: false`",
        1,
    ),
    (
        "TC006",
        [("bluf: The two sides are far apart on the treaty.", "bluf: " + "word " * 80 + "end.")],
        "",
        f"{REL}:7:7: warning: TC006 the BLUF runs 81 words; keep it to 80",
        0,
    ),
    (
        "TC007",
        [("    likelihood: likely\n", "")],
        "",
        f"{REL}:{LINE_KJ}:5: warning: TC007 judgment 'kj-one' has no `likelihood` (ICD 203 "
        "words, e.g. likely)",
        0,
    ),
]


@pytest.mark.parametrize(("rule", "edits", "config", "line", "code"), CASES)
def test_each_rule_fails_then_is_switched_off(
    tmp_path: Path, rule: str, edits: list[tuple[str, str]], config: str, line: str, code: int
) -> None:
    root = project(tmp_path / "on", edits, config)
    got_code, lines = validate(root)
    assert lines == [line]
    assert got_code == code
    if code == 0:  # a warning: --strict makes it fail, as an error
        strict_code, strict = validate(root, "--strict")
        assert strict_code == 1 and strict == [line.replace(": warning: ", ": error: ")]
    off = project(tmp_path / "off", edits, config + f"tradecraft:\n  off: [{rule}]\n")
    assert validate(off) == (0, [])


def test_the_bluf_limit_is_configurable(tmp_path: Path) -> None:
    root = project(tmp_path, config="tradecraft:\n  bluf_max_words: 8\n")
    assert validate(root) == (0, [f"{REL}:7:7: warning: TC006 the BLUF runs 9 words; keep it to 8"])
    loose = project(tmp_path / "loose", config="tradecraft:\n  bluf_max_words: 9\n")
    assert validate(loose) == (0, [])


@pytest.mark.parametrize(
    ("text", "likelihood"),
    [
        ("A successor is very unlikely.", "very-unlikely"),
        ("It will almost certainly lapse.", "almost-certain"),
        ("There is a roughly even chance of talks.", "roughly-even"),
        ("Talks will probably fail.", "likely"),
        ("No likelihood word at all.", "unlikely"),
    ],
)
def test_likelihood_words_that_agree_pass(tmp_path: Path, text: str, likelihood: str) -> None:
    edits = [
        ("The treaty will lapse without a successor.", text),
        ("likelihood: likely", f"likelihood: {likelihood}"),
    ]
    assert validate(project(tmp_path, edits)) == (0, [])


def test_a_confirmed_citation_or_a_graded_source_carries_high_confidence(tmp_path: Path) -> None:
    confirmed = [
        ("    sources: [treaty]\npositions", "    sources: [{id: blog, credibility: 1}]\npositions")
    ]
    assert validate(project(tmp_path / "a", confirmed)) == (0, [])
    mixed = [("    sources: [treaty]\npositions", "    sources: [blog, treaty]\npositions")]
    assert validate(project(tmp_path / "b", mixed)) == (0, [])


def test_a_horizon_still_ahead_is_not_due(tmp_path: Path) -> None:
    root = project(tmp_path)
    assert run("-C", root, "validate", "--today", "2026-02-05").code == 0
    res = run("-C", root, "validate", "--today", "2026-02-06")
    assert "TC004 judgment 'kj-one' is due for review" in res.err


def test_an_unverified_precedent_kept_off_the_timeline_passes(tmp_path: Path) -> None:
    edits = [
        (
            "    summary: Both sides signed.\n",
            "    status: likely-false\n    reason: No other report.\n    timeline: false\n"
            "    summary: Both sides signed.\n",
        )
    ]
    assert validate(project(tmp_path, edits)) == (0, [])


def test_json_carries_the_rule_code(tmp_path: Path) -> None:
    root = project(tmp_path, [("    likelihood: likely\n", "")])
    res = run("-C", root, "validate", "--format", "json", "--today", "2025-09-01")
    found = json.loads(res.out)
    assert [d["code"] for d in found] == ["TC007"]
    assert found[0]["message"].startswith("judgment 'kj-one' has no")
    github = run("-C", root, "validate", "--format", "github", "--today", "2025-09-01").err
    assert f"::warning file={REL},line={LINE_KJ},col=5::TC007 judgment" in github


@pytest.mark.parametrize(
    ("edits", "message"),
    [
        (
            [
                (
                    "    summary: Both sides signed.\n",
                    "    status: disputed\n    summary: Both sides signed.\n",
                )
            ],
            "'reason' is a dependency of 'status'",
        ),
        (
            [
                (
                    "    sources: [treaty]\npositions",
                    "    sources: [{id: treaty, credibility: 7}]\npositions",
                )
            ],
            "is 7; it must be at most 6",
        ),
        (
            [
                (
                    "    sources: [treaty]\npositions",
                    "    sources: [{id: ghost, credibility: 2}]\npositions",
                )
            ],
            "unknown source 'ghost'",
        ),
        (
            [
                (
                    "    sources: [treaty]\npositions",
                    "    sources: [treaty, {id: treaty, credibility: 2}]\npositions",
                )
            ],
            "source 'treaty' is cited twice here",
        ),
        (
            [("likelihood: likely", "likelihood: probable")],
            "probable",
        ),
    ],
)
def test_format_errors_are_located(
    tmp_path: Path, edits: list[tuple[str, str]], message: str
) -> None:
    code, lines = validate(project(tmp_path, edits))
    assert code == 1
    assert any(message in line and ": error: " in line for line in lines), lines


def test_a_tradecraft_error_stops_the_build(tmp_path: Path) -> None:
    root = project(
        tmp_path,
        [
            (
                "      - A pledge of restraint\n    sources: [treaty]\n",
                "      - A pledge of restraint\n",
            )
        ],
    )
    res = run("-C", root, "build", "--format", "md", "--quiet")
    assert res.code == 1
    assert f"{REL}:{LINE_KJ}:5: error: TC001 judgment 'kj-one' cites no sources" in res.err
    assert not (root / "build" / "md" / "alpha.md").exists()
