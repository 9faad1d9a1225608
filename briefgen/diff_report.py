"""Render a diff's change records as Markdown for a pull-request comment and as JSON for tools."""

from __future__ import annotations

import json
from dataclasses import asdict

from .analytic import STATUS_LABELS
from .changes import CONFIDENCE_LEVELS, SECTION_NAMES, Changes, Edit, IssueChanges, LevelChange
from .markup import md_cell
from .model import GAP_LABELS, LIKELIHOOD_LABELS
from .revisions import WORKTREE

FORMAT_VERSION = 1
_TEXT_PREVIEW = 200  # characters of a judgment shown in a comment

FIELD_NAMES = {
    "title": "Title",
    "subtitle": "Subtitle",
    "status": "Status",
    "version": "Version",
    "last_reviewed": "Last reviewed",
    "distribution": "Distribution",
    "principals": "Principals",
    "related": "Related issues",
}


def format_json(changes: Changes) -> str:
    """The report as stable JSON (sorted keys) for tools."""
    data = asdict(changes)
    data["changed"] = not changes.empty
    data["format_version"] = FORMAT_VERSION
    return json.dumps(data, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def _c(text: str | None) -> str:
    """Content text made safe inline in Markdown (one line, no raw HTML, pipes escaped)."""
    return "—" if text is None else str(md_cell(text))


def _preview(text: str) -> str:
    """Long prose cut short for a comment; the full text is in the PR's file diff."""
    return text if len(text) <= _TEXT_PREVIEW else text[: _TEXT_PREVIEW - 1].rstrip() + "…"


def _labels(scale: dict[str, str], lc: LevelChange) -> str:
    return f"{scale.get(lc.old, lc.old)} → {scale.get(lc.new, lc.new)} ({lc.direction})"


_CONF = {c: c.capitalize() for c in CONFIDENCE_LEVELS}


def _block(title: str, lines: list[str]) -> list[str]:
    """A bold sub-heading and its lines, or nothing when there are none."""
    return [f"**{title}**", "", *lines, ""] if lines else []


def _issue_markdown(ch: IssueChanges) -> list[str]:
    """The Markdown section of one issue."""
    head = f"### {_c(ch.title)} (`{ch.id}`)"
    if ch.change == "added":
        return [f"{head} — new issue", ""]
    if ch.change == "removed":
        return [f"{head} — removed", ""]
    out = [head, ""]
    out += _block(
        "Details",
        [f"- {FIELD_NAMES.get(f.field, f.field)}: {_c(f.old)} → {_c(f.new)}" for f in ch.fields],
    )
    rows = [f"- Added row `{r.id}`: {_c(r.label)}" for r in ch.positions_added]
    rows += [f"- Removed row `{r.id}`: {_c(r.label)}" for r in ch.positions_removed]
    out += _block("Positions table", rows)
    if ch.stances:
        out += [
            "**Stances**",
            "",
            "| Sub-topic | Actor | Before | After |",
            "| --- | --- | --- | --- |",
        ]
        out += [
            f"| {_c(s.topic)} | {_c(s.actor_name)} | {_c(s.old)} | {_c(s.new)} |"
            for s in ch.stances
        ]
        out.append("")
    out += _block("Gaps", [f"- {_c(g.label)}: {_labels(GAP_LABELS, g)}" for g in ch.gaps])
    kj = [
        f"- Added `{j.id}` ({j.confidence} confidence): {_c(_preview(j.text))}"
        for j in ch.judgments_added
    ]
    kj += [f"- Removed `{j.id}` ({j.confidence} confidence)" for j in ch.judgments_removed]
    kj += [f"- `{c.id}`: confidence {_labels(_CONF, c)}" for c in ch.confidence]
    kj += [
        f"- `{c.id}`: likelihood {_labels(LIKELIHOOD_LABELS, c)}" for c in ch.judgment_likelihoods
    ]
    kj += [f"- `{r.id}`: reworded" for r in ch.judgments_reworded]
    out += _block("Key judgments", kj)
    out += _tradecraft_blocks(ch)
    sc = [f"- {_c(lc.label)}: {_labels(LIKELIHOOD_LABELS, lc)}" for lc in ch.likelihoods]
    sc += [f"- Added `{r.id}`: {_c(r.label)}" for r in ch.scenarios_added]
    sc += [f"- Removed `{r.id}`: {_c(r.label)}" for r in ch.scenarios_removed]
    out += _block("Scenarios", sc)
    src = [f"- Added `{r.id}`: {_c(r.label)}" for r in ch.sources_added]
    src += [f"- Removed `{r.id}`: {_c(r.label)}" for r in ch.sources_removed]
    out += _block("Sources cited", src)
    out += _block("Other edits", [_edit_line(e) for e in ch.edits])
    return out


def _status(value: str | None) -> str:
    return STATUS_LABELS.get(value, _c(value)) if value else "stands"


def _tradecraft_blocks(ch: IssueChanges) -> list[str]:
    """Claims whose status moved and citations regraded (tradecraft, #22)."""
    st = [
        f"- {SECTION_NAMES.get(s.section, s.section)} “{_c(s.label)}”: "
        f"{_status(s.old)} → {_status(s.new)}"
        + (f" ({_c(s.reason)})" if s.reason and s.new else "")
        for s in ch.statuses
    ]
    cr = [
        f"- {SECTION_NAMES.get(c.section, c.section)} `{c.id}`, citing `{c.source}`: "
        f"credibility {c.old or 'ungraded'} → {c.new or 'ungraded'}"
        for c in ch.credibility
    ]
    return _block("Claim status", st) + _block("Citation credibility", cr)


def _edit_line(e: Edit) -> str:
    """One bullet for an edit outside the tracked categories."""
    where = SECTION_NAMES.get(e.section, e.section)
    if e.item:
        where += f" `{e.item}`" if e.label == e.item else f" “{_c(e.label)}”"
    fields = f" ({', '.join(e.fields)})" if e.fields else ""
    return f"- {where}: {e.change}{fields}"


def _rev(name: str, commit: str) -> str:
    """A revision as given (in a code span, so no backticks), with its commit unless it is one."""
    shown = "`" + name.replace("`", "'") + "`"
    return shown if commit.startswith(name.lower()) else f"{shown} ({commit[:7]})"


def format_markdown(changes: Changes) -> str:
    """The report as Markdown ready to paste as a pull-request comment."""
    base = _rev(changes.base, changes.base_commit)
    head = WORKTREE if changes.head_commit is None else _rev(changes.head, changes.head_commit)
    out = [f"## Brief changes: {base} → {head}", ""]
    if changes.empty:
        return "\n".join([*out, "No substantive changes.", ""])
    for ch in changes.issues:
        out += _issue_markdown(ch)
    reg = [f"- Added `{r.id}`: {_c(r.label)}" for r in changes.sources_added]
    reg += [f"- Removed `{r.id}`: {_c(r.label)}" for r in changes.sources_removed]
    reg += [f"- `{lc.id}`: reliability {_labels(_CONF, lc)}" for lc in changes.sources_rerated]
    reg += [
        f"- `{lc.id}`: grade {lc.old or 'ungraded'} → {lc.new or 'ungraded'} ({lc.direction})"
        for lc in changes.sources_regraded
    ]
    if reg:
        out += ["### Source registry", "", *reg, ""]
    out += _actors_and_books(changes)
    return "\n".join(out).rstrip("\n") + "\n"


def _actors_and_books(changes: Changes) -> list[str]:
    """The actor registry's and the books' changes (issue 21), as Markdown sections."""
    out: list[str] = []
    act = [f"- Added `{r.id}`: {_c(r.label)}" for r in changes.actors_added]
    act += [f"- Removed `{r.id}`: {_c(r.label)}" for r in changes.actors_removed]
    act += [f"- `{a.id}` ({_c(a.label)}): {', '.join(a.fields)}" for a in changes.actors_changed]
    if act:
        out += ["### Actor registry", "", *act, ""]
    for b in changes.books:
        out += [f"### Book {_c(b.title)} (`{b.id}`): {b.change}", ""]
        lines = [f"- Issue added: `{i}`" for i in b.issues_added]
        lines += [f"- Issue removed: `{i}`" for i in b.issues_removed]
        lines += ["- Issues reordered"] if b.reordered else []
        lines += [f"- Revised: {', '.join(b.fields)}"] if b.fields else []
        out += [*lines, ""] if lines else []
    return out
