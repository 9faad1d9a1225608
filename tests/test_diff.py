"""Issue 6: `briefgen diff` reports what changed in substance between two git revisions."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from tests.conftest import copy_project, run
from tests.gitrepo import commit, git, init, short

ISSUE = "briefs/issues/arms-test.yaml"

# A small issue of our own, so the expected reports do not depend on the shipped prose.
BASE_ISSUE = """\
# yaml-language-server: $schema=../../briefgen/schemas/issue.schema.json
id: arms-test
title: Arms control test
status: draft
version: "1.0"
last_reviewed: "2025-08-10"
principals: [united-states, russia]
bluf: >-
  Both sides talk;
  neither moves.
sources: [test-source]
key_judgments:
  - id: stalled
    text: Talks have stalled.
    confidence: low
    sources: [test-source]
  - id: verification
    text: Verification is the sticking point.
    confidence: moderate
    sources: [test-source]
positions:
  - id: treaty
    topic: Keeping a treaty
    gap: narrow
    stances:
      united-states: Wants a treaty
      russia: Wants a treaty, with conditions
    note: Both want one.
    sources: [test-source]
  - id: inspections
    topic: On-site inspections
    gap: wide
    stances:
      united-states: Insists on inspections
      russia: Refuses inspections
    sources: [test-source]
scenarios:
  - id: stall
    name: Continued stall
    kind: base-case
    likelihood: likely
    description: Nothing moves.
    indicators: [No new proposals, Same demands]
    sources: [test-source]
  - id: lapse
    name: Treaty lapses
    kind: failure
    likelihood: roughly-even
    description: The treaty ends.
    indicators: [Inspections suspended]
    sources: [test-source]
talking_points:
  - text: We want a verifiable treaty.
"""

TEST_SOURCE = """\
  - id: test-source
    title: Test source
    publisher: null
    reliability:
      rating: low
      notes: For tests.
"""

SECOND_SOURCE = """\
  - id: second-source
    title: Second test source
    publisher: null
    reliability:
      rating: moderate
      notes: For tests.
"""


def edit(root: Path, rel: str, *pairs: tuple[str, str]) -> None:
    """Replace each old text with a new one, exactly once."""
    path = root / rel
    text = path.read_text("utf-8")
    for old, new in pairs:
        assert text.count(old) == 1, old
        text = text.replace(old, new)
    path.write_text(text, "utf-8")


def make_repo(repo: Path, sub: str = "") -> Path:
    """A git repository whose first commit holds the shipped project plus our own issue."""
    init(repo)
    root = copy_project(repo / sub if sub else repo)
    (root / ISSUE).write_text(BASE_ISSUE, "utf-8")
    sources = root / "briefs" / "sources.yaml"
    sources.write_text(sources.read_text("utf-8").rstrip("\n") + "\n" + TEST_SOURCE, "utf-8")
    assert run("-C", root, "validate", "--today", "2025-09-01").code == 0
    commit(repo, "Base version")
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return make_repo(tmp_path / "repo")


def substantive_edit(root: Path) -> None:
    """Change stances, gaps, confidence, likelihoods, judgments, rows and sources."""
    edit(
        root,
        ISSUE,
        ('version: "1.0"', 'version: "1.1"'),
        (
            """  - id: stalled
    text: Talks have stalled.
    confidence: low
    sources: [test-source]
""",
            """  - id: inspections-possible
    text: Moscow may accept some inspections.
    confidence: moderate
    sources: [second-source]
""",
        ),
        ("point.\n    confidence: moderate", "point.\n    confidence: high"),
        ("gap: narrow", "gap: wide"),
        (
            "gap: wide\n    stances:\n      united-states: Insists",
            "gap: narrow\n    stances:\n      united-states: Insists",
        ),
        ("russia: Refuses inspections", "russia: Accepts limited inspections"),
        (
            "scenarios:\n",
            """  - id: data-exchange
    topic: Data exchange
    gap: aligned
    stances:
      united-states: Supports exchanges
      russia: Supports exchanges
    sources: [test-source]
scenarios:
""",
        ),
        ("likelihood: likely", "likelihood: unlikely"),
        ("likelihood: roughly-even", "likelihood: likely"),
    )
    edit(
        root,
        "briefs/sources.yaml",
        ("  - id: test-source", SECOND_SOURCE + "  - id: test-source"),
        ("rating: low\n      notes: For tests.", "rating: moderate\n      notes: For tests."),
    )


EXPECTED_BODY = """\
### Arms control test (`arms-test`)

**Details**

- Version: 1.0 → 1.1

**Positions table**

- Added row `data-exchange`: Data exchange

**Stances**

| Sub-topic | Actor | Before | After |
| --- | --- | --- | --- |
| On-site inspections | Russia | Refuses inspections | Accepts limited inspections |

**Gaps**

- On-site inspections: Wide → Narrow (narrowed)
- Keeping a treaty: Narrow → Wide (widened)

**Key judgments**

- Added `inspections-possible` (moderate confidence): Moscow may accept some inspections.
- Removed `stalled` (low confidence)
- `verification`: confidence Moderate → High (raised)

**Scenarios**

- Treaty lapses: Roughly even chance → Likely (up)
- Continued stall: Likely → Unlikely (down)

**Sources cited**

- Added `second-source`: Second test source

### Source registry

- Added `second-source`: Second test source
- `test-source`: reliability Low → Moderate (raised)
"""


def _empty_issue(**lists: Any) -> dict[str, Any]:
    keys = [
        "confidence",
        "credibility",
        "edits",
        "fields",
        "gaps",
        "judgments_added",
        "judgments_removed",
        "judgments_reworded",
        "judgment_likelihoods",
        "likelihoods",
        "positions_added",
        "positions_removed",
        "scenarios_added",
        "scenarios_removed",
        "sources_added",
        "sources_removed",
        "stances",
        "statuses",
    ]
    return {k: lists.get(k, []) for k in keys}


def _level(ident: str, label: str, old: str, new: str, direction: str) -> dict[str, str]:
    return {"direction": direction, "id": ident, "label": label, "new": new, "old": old}


def expected_json(base_commit: str, head: str, head_commit: str | None) -> dict[str, Any]:
    issue = _empty_issue(
        confidence=[_level("verification", "verification", "moderate", "high", "raised")],
        fields=[{"field": "version", "new": "1.1", "old": "1.0"}],
        gaps=[
            _level("inspections", "On-site inspections", "wide", "narrow", "narrowed"),
            _level("treaty", "Keeping a treaty", "narrow", "wide", "widened"),
        ],
        judgments_added=[
            {
                "confidence": "moderate",
                "id": "inspections-possible",
                "text": "Moscow may accept some inspections.",
            }
        ],
        judgments_removed=[{"confidence": "low", "id": "stalled", "text": "Talks have stalled."}],
        likelihoods=[
            _level("lapse", "Treaty lapses", "roughly-even", "likely", "up"),
            _level("stall", "Continued stall", "likely", "unlikely", "down"),
        ],
        positions_added=[{"id": "data-exchange", "label": "Data exchange"}],
        sources_added=[{"id": "second-source", "label": "Second test source"}],
        stances=[
            {
                "actor": "russia",
                "actor_name": "Russia",
                "new": "Accepts limited inspections",
                "old": "Refuses inspections",
                "row": "inspections",
                "topic": "On-site inspections",
            }
        ],
    )
    issue.update(change="changed", id="arms-test", title="Arms control test")
    return {
        "base": "HEAD" if head_commit is None else "HEAD~1",
        "base_commit": base_commit,
        "changed": True,
        "format_version": 1,
        "head": head,
        "head_commit": head_commit,
        "issues": [issue],
        "sources_added": [{"id": "second-source", "label": "Second test source"}],
        "sources_removed": [],
        "sources_rerated": [_level("test-source", "Test source", "low", "moderate", "raised")],
        "sources_regraded": [],
        "actors_added": [],
        "actors_removed": [],
        "actors_changed": [],
        "books": [],
    }


def test_substantive_changes_against_the_working_tree(root: Path) -> None:
    base = short(root)
    substantive_edit(root)
    res = run("-C", root, "diff", "HEAD")
    assert res.code == 0, res.err
    assert res.err == ""
    assert res.out == f"## Brief changes: `HEAD` ({base}) → working tree\n\n" + EXPECTED_BODY


def test_json_report_is_exact_and_stable(root: Path) -> None:
    base_commit = _head(root)
    substantive_edit(root)
    res = run("-C", root, "diff", "HEAD", "--format", "json")
    assert res.code == 0, res.err
    data = json.loads(res.out)
    assert data == expected_json(base_commit, "working tree", None)
    assert res.out == json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    assert run("-C", root, "diff", "HEAD", "--format", "json").out == res.out


def _head(repo: Path) -> str:
    return git(repo, "rev-parse", "HEAD")


def test_between_two_commits_in_a_project_below_the_repository_top(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root = make_repo(repo, sub="policy/briefs-project")
    base_commit = _head(repo)
    substantive_edit(root)
    head_commit = commit(repo, "Inspections: Moscow moves", date="2025-02-03T10:00:00+00:00")
    md = run("-C", root, "diff", "HEAD~1", "HEAD")
    assert md.code == 0, md.err
    heading = f"## Brief changes: `HEAD~1` ({base_commit[:7]}) → `HEAD` ({head_commit[:7]})\n\n"
    assert md.out == heading + EXPECTED_BODY
    js = run("-C", root, "diff", "HEAD~1", "HEAD", "--format", "json")
    assert json.loads(js.out) == expected_json(base_commit, "HEAD", head_commit)
    # The working tree now equals HEAD: nothing to report.
    same = run("-C", root, "diff", "HEAD")
    assert same.out.endswith("\n\nNo substantive changes.\n")


def _reorder(path: Path) -> None:
    """Rewrite a file with every mapping's keys and every list reversed, re-wrapped narrow."""
    yaml = YAML(typ="safe", pure=True)
    yaml.width = 50
    yaml.default_flow_style = False

    def flip(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: flip(value[k]) for k in reversed(list(value))}
        if isinstance(value, list):
            return [flip(v) for v in reversed(value)]
        return value

    data = flip(yaml.load(path.read_text("utf-8")))
    with path.open("w", encoding="utf-8") as fh:
        yaml.dump(data, fh)


def test_reorder_and_whitespace_only_commit_reports_nothing(root: Path) -> None:
    for rel in (ISSUE, "briefs/issues/nato.yaml", "briefs/sources.yaml", "briefs/actors.yaml"):
        _reorder(root / rel)
    edit(
        root,
        "briefs/issues/new-start.yaml",
        (
            "    title: New START signed in Prague",
            "    title: >-\n      New START   signed\n      in Prague",
        ),
    )
    commit(root, "Reorder keys and items; rewrap text")
    res = run("-C", root, "diff", "HEAD~1", "HEAD")
    assert res.code == 0, res.err
    assert res.out.endswith(") → `HEAD` (" + short(root) + ")\n\nNo substantive changes.\n")
    js = json.loads(run("-C", root, "diff", "HEAD~1", "--format", "json").out)
    assert js["changed"] is False and js["issues"] == [] and js["sources_added"] == []


def test_issue_added_and_removed(root: Path) -> None:
    (root / ISSUE).unlink()
    other = BASE_ISSUE.replace("id: arms-test", "id: other-test").replace(
        "title: Arms control test", "title: Other test"
    )
    (root / "briefs/issues/other-test.yaml").write_text(other, "utf-8")
    res = run("-C", root, "diff", "HEAD")
    assert res.code == 0, res.err
    assert res.out == (
        f"## Brief changes: `HEAD` ({short(root)}) → working tree\n\n"
        "### Arms control test (`arms-test`) — removed\n\n"
        "### Other test (`other-test`) — new issue\n"
    )
    data = json.loads(run("-C", root, "diff", "HEAD", "--format", "json").out)
    assert [(i["id"], i["change"]) for i in data["issues"]] == [
        ("arms-test", "removed"),
        ("other-test", "added"),
    ]


def test_other_edits_are_named(root: Path) -> None:
    edit(
        root,
        ISSUE,
        ("  neither moves.", "  neither moves an inch."),
        ("note: Both want one.", "note: Both want one, on different terms."),
        ("[No new proposals, Same demands]", "[Same demands, No new proposals, Walkouts]"),
        ("  - text: We want a verifiable treaty.", "  - text: We want a verifiable treaty now."),
        (
            "  - id: verification\n    text: Verification is the sticking point.",
            "  - id: verification\n    text: Verification is still the sticking point.",
        ),
    )
    res = run("-C", root, "diff", "HEAD")
    assert res.code == 0, res.err
    assert res.out.split("\n\n", 2)[2] == (
        "**Key judgments**\n\n"
        "- `verification`: reworded\n\n"
        "**Other edits**\n\n"
        "- BLUF: revised (text)\n"
        "- Positions “Keeping a treaty”: revised (note)\n"
        "- Scenario “Continued stall”: revised (indicators)\n"
        "- Talking points: revised\n"
    )


def test_content_from_yaml_is_escaped_in_markdown(root: Path) -> None:
    edit(root, ISSUE, ("russia: Refuses inspections", 'russia: "<script>x</script> a | b"'))
    res = run("-C", root, "diff", "HEAD")
    assert (
        "| On-site inspections | Russia | Refuses inspections | &lt;script>x&lt;/script> a \\| b |"
        in res.out
    )
    assert "<script>" not in res.out


def test_unknown_revision_is_a_usage_error(root: Path) -> None:
    res = run("-C", root, "diff", "no-such-branch")
    assert res.code == 2
    assert res.out == ""
    assert res.err.startswith("briefgen diff: unknown revision 'no-such-branch': ")
    res = run("-C", root, "diff", "HEAD", "also-missing")
    assert res.code == 2 and "unknown revision 'also-missing'" in res.err


def test_option_like_revision_is_refused(root: Path) -> None:
    res = run("-C", root, "diff", "--", "--output=/tmp/owned")
    assert res.code == 2
    assert res.err == "briefgen diff: '--output=/tmp/owned' is not a git revision\n"


def test_outside_a_git_checkout_is_a_usage_error(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "plain")
    res = run("-C", root, "diff", "HEAD")
    assert res.code == 2
    assert "is not inside a git repository" in res.err


def test_invalid_yaml_at_a_revision_is_located(root: Path) -> None:
    (root / ISSUE).write_text(BASE_ISSUE.replace("title: Arms control test", "title: [oops"))
    bad = commit(root, "Broken")
    # The broken file is at HEAD (the base) and in the working tree (the head).
    res = run("-C", root, "diff", "HEAD")
    assert res.code == 1
    assert res.out == ""
    lines = res.err.splitlines()
    assert lines[0] == "briefgen diff: invalid content; nothing compared"
    pattern = r"briefs/issues/arms-test\.yaml:\d+:\d+: error: the list opened with .+ \(at {}\)"
    assert re.fullmatch(pattern.format(re.escape(f"HEAD ({bad[:7]})")), lines[1])
    assert re.fullmatch(pattern.format("the working tree"), lines[2])
    # Only the head is broken when comparing the good commit with it.
    res = run("-C", root, "diff", "HEAD~1", "HEAD")
    assert res.code == 1
    assert res.err.count("error:") == 1 and "(at HEAD (" in res.err


def test_schema_problems_do_not_stop_the_comparison(root: Path) -> None:
    # `validate` reports these; a reviewer still sees what the pull request changes.
    edit(root, ISSUE, ("    gap: narrow\n", "    gap: distant\n"), ("status: draft", "owner: me"))
    res = run("-C", root, "diff", "HEAD")
    assert res.code == 0, res.err
    assert res.out.split("\n\n", 2)[2] == (
        "**Details**\n\n"
        "- Status: draft → —\n\n"
        "**Gaps**\n\n"
        "- Keeping a treaty: Narrow → distant (changed)\n\n"
        "**Other edits**\n\n"
        "- owner: revised\n"
    )


def test_commit_names_are_not_repeated(root: Path) -> None:
    head = short(root)
    res = run("-C", root, "diff", head, head)
    assert res.out == f"## Brief changes: `{head}` → `{head}`\n\nNo substantive changes.\n"
