"""Semantic diff of the briefs between two git revisions, for reviewers of pull requests.

A reviewer needs what changed in substance (a stance, a gap, a confidence level, a citation),
not a YAML diff. Both revisions are read straight from git (the head may be the working tree)
and parsed by the project's own loader, so untrusted content gets the same limits and
refusals as in `validate`; a file the loader refuses stops the diff with its location (exit
1). Items are matched by id, never by position, and text is compared with whitespace
collapsed and lists as sets, so reordering and reflowing show as no change.

The work is split three ways: `revisions` reads and parses both sides, `changes` compares
them into typed records and `diff_report` renders those as Markdown or JSON. This module
joins them and keeps the public names where callers import them.
"""

from __future__ import annotations

from pathlib import Path

from .changes import (
    CONFIDENCE_LEVELS,
    SECTION_NAMES,
    Changes,
    Edit,
    FieldChange,
    IssueChanges,
    JudgmentRef,
    LevelChange,
    Ref,
    StanceChange,
    compare,
)
from .diff_report import FIELD_NAMES, FORMAT_VERSION, format_json, format_markdown
from .revisions import (
    ACTORS_REL,
    ISSUES_DIR,
    SOURCES_REL,
    WORKTREE,
    DiffContentError,
    DiffError,
    read_revisions,
)

__all__ = [
    "ACTORS_REL",
    "CONFIDENCE_LEVELS",
    "FIELD_NAMES",
    "FORMAT_VERSION",
    "ISSUES_DIR",
    "SECTION_NAMES",
    "SOURCES_REL",
    "WORKTREE",
    "Changes",
    "DiffContentError",
    "DiffError",
    "Edit",
    "FieldChange",
    "IssueChanges",
    "JudgmentRef",
    "LevelChange",
    "Ref",
    "StanceChange",
    "diff_revisions",
    "format_json",
    "format_markdown",
]


def diff_revisions(root: Path, base: str, head: str | None = None) -> Changes:
    """Compare the briefs at `base` with `head` (default: the working tree), by ids."""
    return compare(read_revisions(root, base, head))
