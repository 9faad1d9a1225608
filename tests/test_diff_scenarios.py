"""Issue 17: `briefgen diff` scenarios on real git repositories, one kind of change at a time.

Removals (issue, row, judgment, scenario, source), downgrades and upgrades on every ordered
scale (gap, confidence, likelihood, reliability), every tracked field, stances per actor and
the edits outside the tracked categories, each with the exact Markdown and JSON a reviewer
gets. The project is a small one of our own; expectations are written out by hand.
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from briefgen.cli import main
from briefgen.diff import DiffContentError, diff_revisions, format_json, format_markdown
from tests.gitrepo import commit, git, init, short

ACTORS = """\
actors:
  - id: washington
    name: United States
    short_name: US
    kind: state
    agenda: Wants a deal.
  - id: moscow
    name: Russia
    short_name: Russia
    kind: state
    agenda: Wants recognition.
  - id: beijing
    name: China
    short_name: China
    kind: state
    agenda: Watches.
"""

SOURCES = """\
sources:
  - id: report
    title: A report
    publisher: null
    reliability:
      rating: low
      notes: Anonymous.
  - id: analysis
    title: An analysis
    publisher: null
    reliability:
      rating: moderate
      notes: Signed.
  - id: old-memo
    title: Old memo
    publisher: null
    reliability:
      rating: high
      notes: Official.
"""

ALPHA = """\
id: alpha
title: Alpha issue
subtitle: First subtitle
status: draft
version: "1.0"
last_reviewed: "2025-08-10"
principals: [washington, moscow]
bluf: Both sides disagree.
sources: [report]
key_judgments:
  - id: kj-high
    text: The gap is wide.
    confidence: high
    sources: [report]
  - id: kj-mod
    text: It may narrow.
    confidence: moderate
    sources: [analysis]
  - id: kj-gone
    text: This one goes.
    confidence: low
    sources: [old-memo]
positions:
  - id: territory
    topic: Territory
    gap: narrow
    stances:
      washington: Return it
      moscow: Keep it
    sources: [report]
  - id: sanctions
    topic: Sanctions
    gap: wide
    stances:
      washington: Keep them
      moscow: Lift them
    sources: [analysis]
  - id: dropped-row
    topic: Dropped row
    gap: aligned
    stances:
      washington: Yes
      moscow: Yes
    sources: [report]
scenarios:
  - id: stall
    name: Stall
    kind: base-case
    likelihood: very-likely
    description: Nothing moves.
    indicators: [No proposals]
    sources: [report]
  - id: deal
    name: Deal
    kind: best-case
    likelihood: unlikely
    description: Something moves.
    indicators: [Proposals]
    sources: [report]
  - id: gone-scenario
    name: Gone scenario
    kind: failure
    likelihood: roughly-even
    description: Removed later.
    indicators: [Nothing]
    sources: [report]
agendas:
  - actor: washington
    goals: [A ceasefire]
    sources: [report]
  - actor: beijing
    goals: [Cheap oil]
    sources: [report]
analysis:
  - id: history
    heading: History
    body: A long story.
    sources: [report]
precedents:
  - id: paris
    date: "2019-12"
    title: Paris meeting
    summary: A meeting.
    sources: [report]
economic_levers:
  - id: oil
    lever: Oil purchases
    holder: beijing
    targets: [moscow]
    effect: Support.
    sources: [report]
third_parties:
  - actor: beijing
    influence: Buys oil.
    sources: [report]
public_opinion:
  - actor: moscow
    summary: Supports the line.
    sources: [report]
talking_points:
  - text: We want peace.
related: [beta]
"""

BETA = """\
id: beta
title: Beta issue
status: final
version: "2.0"
last_reviewed: "2025-03-01"
principals: [moscow, washington]
bluf: A second issue.
sources: [analysis]
key_judgments:
  - id: only
    text: One judgment.
    confidence: high
    sources: [analysis]
positions:
  - id: arms
    topic: Arms
    gap: aligned
    stances:
      moscow: Talk
      washington: Talk
    sources: [analysis]
"""

A = "briefs/issues/alpha.yaml"
SRC = "briefs/sources.yaml"


def make_repo(repo: Path) -> Path:
    init(repo)
    files = {
        "briefgen.yaml": "site:\n  title: T\n  base_url: https://x.example/\n",
        "briefs/actors.yaml": ACTORS,
        SRC: SOURCES,
        A: ALPHA,
        "briefs/issues/beta.yaml": BETA,
    }
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text, "utf-8")
    commit(repo, "Base")
    return repo


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def edit(root: Path, rel: str, *pairs: tuple[str, str]) -> None:
    """Replace each old text with a new one; each must occur exactly once."""
    path = root / rel
    text = path.read_text("utf-8")
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, "utf-8")


def markdown(root: Path) -> str:
    """The report against the working tree, without its heading line."""
    text = format_markdown(diff_revisions(root, "HEAD"))
    head = f"## Brief changes: `HEAD` ({short(root)}) → working tree\n\n"
    assert text.startswith(head)
    return text[len(head) :]


def report_json(root: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(format_json(diff_revisions(root, "HEAD")))
    return data


def alpha_json(root: Path) -> dict[str, Any]:
    issues = [i for i in report_json(root)["issues"] if i["id"] == "alpha"]
    assert len(issues) == 1
    return issues[0]


def level(ident: str, label: str, old: str, new: str, direction: str) -> dict[str, str]:
    return {"id": ident, "label": label, "old": old, "new": new, "direction": direction}


EMPTY_ISSUE = {
    "confidence": [],
    "credibility": [],
    "edits": [],
    "fields": [],
    "gaps": [],
    "judgments_added": [],
    "judgments_removed": [],
    "judgments_reworded": [],
    "judgment_likelihoods": [],
    "likelihoods": [],
    "positions_added": [],
    "positions_removed": [],
    "scenarios_added": [],
    "scenarios_removed": [],
    "sources_added": [],
    "sources_removed": [],
    "stances": [],
    "statuses": [],
}


# --- tracked fields -----------------------------------------------------------------------

FIELD_CASES = [
    (
        "title",
        ("title: Alpha issue", "title: Alpha, revised"),
        "Title",
        "Alpha issue",
        "Alpha, revised",
    ),
    ("subtitle", ("subtitle: First subtitle\n", ""), "Subtitle", "First subtitle", None),
    ("status", ("status: draft", "status: final"), "Status", "draft", "final"),
    ("version", ('version: "1.0"', 'version: "1.1"'), "Version", "1.0", "1.1"),
    (
        "last_reviewed",
        ('last_reviewed: "2025-08-10"', 'last_reviewed: "2025-09-01"'),
        "Last reviewed",
        "2025-08-10",
        "2025-09-01",
    ),
    (
        "distribution",
        ("status: draft\n", "status: draft\ndistribution: Restricted\n"),
        "Distribution",
        None,
        "Restricted",
    ),
    (
        "principals",
        ("principals: [washington, moscow]", "principals: [beijing, moscow]"),
        "Principals",
        "moscow, washington",
        "beijing, moscow",
    ),
    (
        "related",
        ("related: [beta]", "related: [gamma, beta]"),
        "Related issues",
        "beta",
        "beta, gamma",
    ),
]


@pytest.mark.parametrize(
    ("name", "change", "label", "old", "new"), FIELD_CASES, ids=[c[0] for c in FIELD_CASES]
)
def test_each_tracked_field(
    root: Path, name: str, change: tuple[str, str], label: str, old: str | None, new: str | None
) -> None:
    edit(root, A, change)
    title = "Alpha, revised" if name == "title" else "Alpha issue"
    shown_old = "—" if old is None else old
    shown_new = "—" if new is None else new
    assert markdown(root) == (
        f"### {title} (`alpha`)\n\n**Details**\n\n- {label}: {shown_old} → {shown_new}\n"
    )
    assert alpha_json(root) == {
        **EMPTY_ISSUE,
        "change": "changed",
        "id": "alpha",
        "title": title,
        "fields": [{"field": name, "old": old, "new": new}],
    }


def test_every_tracked_field_at_once_in_order(root: Path) -> None:
    edit(root, A, *(c[1] for c in reversed(FIELD_CASES)))
    assert markdown(root) == (
        "### Alpha, revised (`alpha`)\n\n"
        "**Details**\n\n"
        "- Title: Alpha issue → Alpha, revised\n"
        "- Subtitle: First subtitle → —\n"
        "- Status: draft → final\n"
        "- Version: 1.0 → 1.1\n"
        "- Last reviewed: 2025-08-10 → 2025-09-01\n"
        "- Distribution: — → Restricted\n"
        "- Principals: moscow, washington → beijing, moscow\n"
        "- Related issues: beta → beta, gamma\n"
    )


def test_lists_are_sets_and_whitespace_is_no_change(root: Path) -> None:
    edit(
        root,
        A,
        ("principals: [washington, moscow]", "principals: [moscow, washington]"),
        ("title: Alpha issue", "title: '  Alpha   issue '"),
        (
            "  - text: We want peace.",
            "  - text: We want peace.\n    sources: []\n    a: ''\n    b: {}\n    c: null",
        ),
    )
    edit(
        root, "briefs/issues/beta.yaml", ("bluf: A second issue.", "bluf: |\n  A second\n  issue.")
    )
    changes = diff_revisions(root, "HEAD")
    assert changes.empty
    assert markdown(root) == "No substantive changes.\n"
    data = report_json(root)
    assert data["changed"] is False
    assert data["issues"] == []


# --- removals -----------------------------------------------------------------------------


def test_removals(root: Path) -> None:
    (root / "briefs/issues/beta.yaml").unlink()
    edit(
        root,
        A,
        (
            "  - id: kj-gone\n    text: This one goes.\n    confidence: low\n"
            "    sources: [old-memo]\n",
            "",
        ),
        (
            "  - id: dropped-row\n    topic: Dropped row\n    gap: aligned\n    stances:\n"
            "      washington: Yes\n      moscow: Yes\n    sources: [report]\n",
            "",
        ),
        (
            "  - id: gone-scenario\n    name: Gone scenario\n    kind: failure\n"
            "    likelihood: roughly-even\n    description: Removed later.\n"
            "    indicators: [Nothing]\n    sources: [report]\n",
            "",
        ),
        ("  - actor: beijing\n    goals: [Cheap oil]\n    sources: [report]\n", ""),
    )
    edit(
        root,
        SRC,
        (
            "  - id: old-memo\n    title: Old memo\n    publisher: null\n    reliability:\n"
            "      rating: high\n      notes: Official.\n",
            "",
        ),
    )
    assert markdown(root) == (
        "### Alpha issue (`alpha`)\n\n"
        "**Positions table**\n\n"
        "- Removed row `dropped-row`: Dropped row\n\n"
        "**Key judgments**\n\n"
        "- Removed `kj-gone` (low confidence)\n\n"
        "**Scenarios**\n\n"
        "- Removed `gone-scenario`: Gone scenario\n\n"
        "**Sources cited**\n\n"
        "- Removed `old-memo`: Old memo\n\n"
        "**Other edits**\n\n"
        "- Goals and red lines “China”: removed\n\n"
        "### Beta issue (`beta`) — removed\n\n"
        "### Source registry\n\n"
        "- Removed `old-memo`: Old memo\n"
    )
    data = report_json(root)
    assert data["sources_added"] == [] and data["sources_rerated"] == []
    assert data["sources_removed"] == [{"id": "old-memo", "label": "Old memo"}]
    alpha, beta = data["issues"]
    assert beta == {**EMPTY_ISSUE, "change": "removed", "id": "beta", "title": "Beta issue"}
    assert alpha == {
        **EMPTY_ISSUE,
        "change": "changed",
        "id": "alpha",
        "title": "Alpha issue",
        "positions_removed": [{"id": "dropped-row", "label": "Dropped row"}],
        "judgments_removed": [{"id": "kj-gone", "confidence": "low", "text": "This one goes."}],
        "scenarios_removed": [{"id": "gone-scenario", "label": "Gone scenario"}],
        "sources_removed": [{"id": "old-memo", "label": "Old memo"}],
        "edits": [
            {
                "section": "agendas",
                "item": "beijing",
                "label": "China",
                "change": "removed",
                "fields": [],
            }
        ],
    }


def test_an_issue_without_an_id_is_named_by_its_file(root: Path) -> None:
    (root / "briefs/issues/no-id.yaml").write_text(BETA.replace("id: beta\n", ""), "utf-8")
    (root / "briefs/issues/odd-id.yaml").write_text(BETA.replace("id: beta", "id: 7"), "utf-8")
    assert markdown(root) == (
        "### Beta issue (`no-id`) — new issue\n\n### Beta issue (`odd-id`) — new issue\n"
    )


def test_issue_added(root: Path) -> None:
    gamma = BETA.replace("id: beta", "id: gamma").replace("title: Beta issue", "title: Gamma")
    (root / "briefs/issues/gamma.yaml").write_text(gamma, "utf-8")
    assert markdown(root) == "### Gamma (`gamma`) — new issue\n"
    assert report_json(root)["issues"] == [
        {**EMPTY_ISSUE, "change": "added", "id": "gamma", "title": "Gamma"}
    ]


# --- moves on the ordered scales ----------------------------------------------------------


def test_downgrades_and_upgrades(root: Path) -> None:
    edit(
        root,
        A,
        (
            "    confidence: high\n    sources: [report]",
            "    confidence: low\n    sources: [report]",
        ),
        ("confidence: moderate", "confidence: high"),
        ("likelihood: very-likely", "likelihood: unlikely"),
        (
            "likelihood: unlikely\n    description: Something",
            "likelihood: likely\n    description: Something",
        ),
        ("gap: narrow", "gap: irreconcilable"),
        ("gap: wide", "gap: aligned"),
    )
    edit(
        root,
        SRC,
        ("rating: moderate", "rating: low"),
        ("rating: low\n      notes: Anonymous.", "rating: high\n      notes: Anonymous."),
    )
    assert markdown(root) == (
        "### Alpha issue (`alpha`)\n\n"
        "**Gaps**\n\n"
        "- Sanctions: Wide → Aligned (narrowed)\n"
        "- Territory: Narrow → Irreconcilable (widened)\n\n"
        "**Key judgments**\n\n"
        "- `kj-high`: confidence High → Low (lowered)\n"
        "- `kj-mod`: confidence Moderate → High (raised)\n\n"
        "**Scenarios**\n\n"
        "- Deal: Unlikely → Likely (up)\n"
        "- Stall: Very likely → Unlikely (down)\n\n"
        "### Source registry\n\n"
        "- `analysis`: reliability Moderate → Low (lowered)\n"
        "- `report`: reliability Low → High (raised)\n"
    )
    data = report_json(root)
    assert data["sources_rerated"] == [
        level("analysis", "An analysis", "moderate", "low", "lowered"),
        level("report", "A report", "low", "high", "raised"),
    ]
    assert data["issues"] == [
        {
            **EMPTY_ISSUE,
            "change": "changed",
            "id": "alpha",
            "title": "Alpha issue",
            "gaps": [
                level("sanctions", "Sanctions", "wide", "aligned", "narrowed"),
                level("territory", "Territory", "narrow", "irreconcilable", "widened"),
            ],
            "confidence": [
                level("kj-high", "kj-high", "high", "low", "lowered"),
                level("kj-mod", "kj-mod", "moderate", "high", "raised"),
            ],
            "likelihoods": [
                level("deal", "Deal", "unlikely", "likely", "up"),
                level("stall", "Stall", "very-likely", "unlikely", "down"),
            ],
        }
    ]


@pytest.mark.parametrize(
    ("old", "new", "line"),
    [
        ("gap: narrow", "gap: wide", "- Territory: Narrow → Wide (widened)"),
        ("gap: narrow", "gap: aligned", "- Territory: Narrow → Aligned (narrowed)"),
        ("gap: narrow", "gap: vast", "- Territory: Narrow → vast (changed)"),
    ],
)
def test_one_step_gap_moves(root: Path, old: str, new: str, line: str) -> None:
    edit(root, A, (old, new))
    assert markdown(root) == f"### Alpha issue (`alpha`)\n\n**Gaps**\n\n{line}\n"


@pytest.mark.parametrize(
    ("new", "line"),
    [
        ("almost-certain", "- Stall: Very likely → Almost certain (up)"),
        ("likely", "- Stall: Very likely → Likely (down)"),
        ("almost-no-chance", "- Stall: Very likely → Almost no chance (down)"),
        ("sure", "- Stall: Very likely → sure (changed)"),
    ],
)
def test_likelihood_moves(root: Path, new: str, line: str) -> None:
    edit(root, A, ("likelihood: very-likely", f"likelihood: {new}"))
    assert markdown(root) == f"### Alpha issue (`alpha`)\n\n**Scenarios**\n\n{line}\n"


@pytest.mark.parametrize(
    ("new", "line"),
    [
        ("low", "- `kj-mod`: confidence Moderate → Low (lowered)"),
        ("high", "- `kj-mod`: confidence Moderate → High (raised)"),
        ("certain", "- `kj-mod`: confidence Moderate → certain (changed)"),
    ],
)
def test_confidence_moves(root: Path, new: str, line: str) -> None:
    edit(root, A, ("confidence: moderate", f"confidence: {new}"))
    assert markdown(root) == f"### Alpha issue (`alpha`)\n\n**Key judgments**\n\n{line}\n"


def test_reliability_off_the_scale(root: Path) -> None:
    edit(root, SRC, ("rating: high", "rating: unknown"))
    assert markdown(root) == (
        "### Source registry\n\n- `old-memo`: reliability High → unknown (changed)\n"
    )


# --- stances, rows, judgments, scenarios added --------------------------------------------


def test_stances_per_actor_principals_first(root: Path) -> None:
    edit(
        root,
        A,
        (
            "      washington: Keep them\n      moscow: Lift them\n    sources: [analysis]",
            "      ghost: Appears\n      washington: Keep most of them\n      beijing: Watches\n"
            "    sources: [analysis, report]\n    note: New note.",
        ),
        ("principals: [washington, moscow]", "principals: [moscow, washington]"),
        (
            "scenarios:\n",
            "  - id: new-row\n    topic: New | row\n    gap: wide\n    stances:\n"
            "      washington: A\n      moscow: B\n    sources: [report]\nscenarios:\n",
        ),
    )
    assert markdown(root) == (
        "### Alpha issue (`alpha`)\n\n"
        "**Positions table**\n\n"
        "- Added row `new-row`: New \\| row\n\n"
        "**Stances**\n\n"
        "| Sub-topic | Actor | Before | After |\n"
        "| --- | --- | --- | --- |\n"
        "| Sanctions | Russia | Lift them | — |\n"
        "| Sanctions | US | Keep them | Keep most of them |\n"
        "| Sanctions | China | — | Watches |\n"
        "| Sanctions | ghost | — | Appears |\n\n"
        "**Other edits**\n\n"
        "- Positions “Sanctions”: revised (note, sources)\n"
    )
    alpha = alpha_json(root)
    assert alpha["positions_added"] == [{"id": "new-row", "label": "New | row"}]
    assert alpha["stances"] == [
        {
            "row": "sanctions",
            "topic": "Sanctions",
            "actor": "moscow",
            "actor_name": "Russia",
            "old": "Lift them",
            "new": None,
        },
        {
            "row": "sanctions",
            "topic": "Sanctions",
            "actor": "washington",
            "actor_name": "US",
            "old": "Keep them",
            "new": "Keep most of them",
        },
        {
            "row": "sanctions",
            "topic": "Sanctions",
            "actor": "beijing",
            "actor_name": "China",
            "old": None,
            "new": "Watches",
        },
        {
            "row": "sanctions",
            "topic": "Sanctions",
            "actor": "ghost",
            "actor_name": "ghost",
            "old": None,
            "new": "Appears",
        },
    ]
    assert alpha["edits"] == [
        {
            "section": "positions",
            "item": "sanctions",
            "label": "Sanctions",
            "change": "revised",
            "fields": ["note", "sources"],
        }
    ]


LONG = "Long " * 50


def test_judgments_and_scenarios_added_and_revised(root: Path) -> None:
    edit(
        root,
        A,
        ("text: It may narrow.", "text: It may  narrow soon."),
        (
            "    sources: [old-memo]\n",
            "    sources: [old-memo]\n"
            f"  - id: kj-new\n    text: {LONG.strip()}\n    confidence: moderate\n"
            "    sources: [report]\n",
        ),
        ("confidence: high\n    sources: [report]", "confidence: high\n    sources: [analysis]"),
        ("description: Something moves.", "description: Something moves fast."),
        (
            "agendas:\n",
            "  - id: breakthrough\n    name: Break <through>\n    kind: alternative\n"
            "    likelihood: unlikely\n    description: Surprise.\n    indicators: [X]\n"
            "    sources: [report]\nagendas:\n",
        ),
    )
    assert markdown(root) == (
        "### Alpha issue (`alpha`)\n\n"
        "**Key judgments**\n\n"
        "- Added `kj-new` (moderate confidence): " + ("Long " * 39) + "Long…\n"
        "- `kj-mod`: reworded\n\n"
        "**Scenarios**\n\n"
        "- Added `breakthrough`: Break &lt;through>\n\n"
        "**Other edits**\n\n"
        "- Key judgment `kj-high`: revised (sources)\n"
        "- Scenario “Deal”: revised (description)\n"
    )
    alpha = alpha_json(root)
    assert alpha["judgments_added"] == [
        {"id": "kj-new", "confidence": "moderate", "text": LONG.strip()}
    ]
    assert alpha["judgments_reworded"] == [{"id": "kj-mod", "label": "It may narrow soon."}]
    assert alpha["scenarios_added"] == [{"id": "breakthrough", "label": "Break <through>"}]
    assert alpha["edits"] == [
        {
            "section": "key_judgments",
            "item": "kj-high",
            "label": "kj-high",
            "change": "revised",
            "fields": ["sources"],
        },
        {
            "section": "scenarios",
            "item": "deal",
            "label": "Deal",
            "change": "revised",
            "fields": ["description"],
        },
    ]


def test_sources_cited_added_and_removed(root: Path) -> None:
    edit(
        root,
        A,
        ("sources: [old-memo]", "sources: [report]"),
        (
            "goals: [A ceasefire]\n    sources: [report]",
            "goals: [A ceasefire]\n    sources: [fresh]",
        ),
    )
    assert markdown(root) == (
        "### Alpha issue (`alpha`)\n\n"
        "**Sources cited**\n\n"
        "- Added `fresh`: fresh\n"
        "- Removed `old-memo`: Old memo\n\n"
        "**Other edits**\n\n"
        "- Key judgment `kj-gone`: revised (sources)\n"
        "- Goals and red lines “US”: revised (sources)\n"
    )


# --- everything else is named -------------------------------------------------------------


def test_other_sections_are_named(root: Path) -> None:
    edit(
        root,
        A,
        (
            "bluf: Both sides disagree.\nsources: [report]",
            "bluf: They disagree.\nsources: [analysis]",
        ),
        ("goals: [A ceasefire]", "goals: [A ceasefire, Talks]"),
        (
            "    body: A long story.\n    sources: [report]\n",
            "    body: A long story.\n    sources: [report]\n"
            "  - id: outlook\n    heading: Outlook\n    body: Unclear.\n    sources: [report]\n",
        ),
        ("summary: A meeting.", "summary: A short meeting."),
        ("effect: Support.", "effect: Strong support."),
        ("holder: beijing", "holder: moscow"),
        ("influence: Buys oil.", "influence: Buys oil and gas."),
        ("  - actor: moscow\n    summary: Supports the line.\n    sources: [report]\n", ""),
        ("  - text: We want peace.", "  - text: We want peace now."),
        ("related: [beta]", "related: [beta]\nowner: me"),
    )
    assert markdown(root) == (
        "### Alpha issue (`alpha`)\n\n"
        "**Other edits**\n\n"
        "- BLUF: revised (text, sources)\n"
        "- Goals and red lines “US”: revised (goals)\n"
        "- Analysis “Outlook”: added\n"
        "- Precedent “Paris meeting”: revised (summary)\n"
        "- Economic lever “Oil purchases”: revised (effect, holder)\n"
        "- Third-party influence “China”: revised (influence)\n"
        "- Public opinion “Russia”: removed\n"
        "- Talking points: revised\n"
        "- owner: revised\n"
    )


def test_repeated_ids_are_told_apart(root: Path) -> None:
    edit(
        root,
        A,
        (
            "scenarios:\n",
            "  - id: territory\n    topic: Territory again\n    gap: wide\n    stances:\n"
            "      washington: A\n      moscow: B\n    sources: [report]\nscenarios:\n",
        ),
    )
    assert markdown(root) == (
        "### Alpha issue (`alpha`)\n\n"
        "**Positions table**\n\n"
        "- Added row `territory#2`: Territory again\n"
    )


# --- between commits, through the command line, and refused content -----------------------


def run(*argv: str | Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def test_between_two_commits_through_the_cli(root: Path) -> None:
    base = git(root, "rev-parse", "HEAD")
    edit(root, A, ("gap: wide", "gap: narrow"), ('version: "1.0"', 'version: "1.2"'))
    head = commit(root, "Sanctions gap narrows", date="2025-02-03T10:00:00+00:00")
    code, out, err = run("-C", root, "diff", "HEAD~1", "HEAD")
    assert (code, err) == (0, "")
    assert out == (
        f"## Brief changes: `HEAD~1` ({base[:7]}) → `HEAD` ({head[:7]})\n\n"
        "### Alpha issue (`alpha`)\n\n"
        "**Details**\n\n"
        "- Version: 1.0 → 1.2\n\n"
        "**Gaps**\n\n"
        "- Sanctions: Wide → Narrow (narrowed)\n"
    )
    code, out, err = run("-C", root, "diff", "HEAD~1", "HEAD", "--format", "json")
    assert (code, err) == (0, "")
    assert json.loads(out) == {
        "base": "HEAD~1",
        "base_commit": base,
        "head": "HEAD",
        "head_commit": head,
        "changed": True,
        "format_version": 1,
        "issues": [
            {
                **EMPTY_ISSUE,
                "change": "changed",
                "id": "alpha",
                "title": "Alpha issue",
                "fields": [{"field": "version", "old": "1.0", "new": "1.2"}],
                "gaps": [level("sanctions", "Sanctions", "wide", "narrow", "narrowed")],
            }
        ],
        "sources_added": [],
        "sources_removed": [],
        "sources_rerated": [],
        "sources_regraded": [],
        "actors_added": [],
        "actors_removed": [],
        "actors_changed": [],
        "books": [],
    }
    assert out.endswith("}\n") and '\n  "base": "HEAD~1",\n' in out  # indented, keys sorted
    code, out, _ = run("-C", root, "diff", "HEAD")
    assert code == 0 and out.endswith(" → working tree\n\nNo substantive changes.\n")


def test_an_id_used_twice_stops_the_diff(root: Path) -> None:
    (root / "briefs/issues/alpha2.yaml").write_text(ALPHA, "utf-8")
    with pytest.raises(DiffContentError) as caught:
        diff_revisions(root, "HEAD")
    assert str(caught.value) == (
        "invalid content; nothing compared\n"
        "briefs/issues/alpha2.yaml:1:5: error: id 'alpha' is also used by "
        "briefs/issues/alpha.yaml (at the working tree)"
    )
    assert [(label, d.format()) for label, d in caught.value.problems] == [
        (
            "the working tree",
            "briefs/issues/alpha2.yaml:1:5: error: id 'alpha' is also used by "
            "briefs/issues/alpha.yaml",
        )
    ]
    code, out, err = run("-C", root, "diff", "HEAD")
    assert (code, out) == (1, "")
    assert err == (
        "briefgen diff: invalid content; nothing compared\n"
        "briefs/issues/alpha2.yaml:1:5: error: id 'alpha' is also used by "
        "briefs/issues/alpha.yaml (at the working tree)\n"
    )


def test_a_file_that_is_not_a_mapping_stops_the_diff(root: Path) -> None:
    (root / "briefs/issues/list.yaml").write_text("- a\n- b\n", "utf-8")
    with pytest.raises(DiffContentError) as caught:
        diff_revisions(root, "HEAD")
    assert str(caught.value).splitlines()[1:] == [
        "briefs/issues/list.yaml:1:1: error: the file must be a YAML mapping (at the working tree)"
    ]


def test_a_committed_link_is_refused(root: Path) -> None:
    (root / "briefs/issues/link.yaml").symlink_to("alpha.yaml")
    head = commit(root, "A link")
    with pytest.raises(DiffContentError) as caught:
        diff_revisions(root, "HEAD~1", "HEAD")
    assert str(caught.value).splitlines()[1:] == [
        "briefs/issues/link.yaml:1:1: error: not a regular file (a link or submodule) "
        f"(at HEAD ({head[:7]}))"
    ]
