"""Semantic diff of the briefs between two git revisions, for reviewers of pull requests.

A reviewer needs what changed in substance (a stance, a gap, a confidence level, a citation),
not a YAML diff. Both revisions are read straight from git (the head may be the working tree)
and parsed by the project's own loader, so untrusted content gets the same limits and
refusals as in `validate`; a file the loader refuses stops the diff with its location (exit
1). Items are matched by id, never by position, and text is compared with whitespace
collapsed and lists as sets, so reordering and reflowing show as no change.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .diagnostics import Diagnostic
from .load import MAX_BYTES, load_file
from .markup import md_cell
from .model import GAP_LABELS, GAP_LEVELS, LIKELIHOOD_LABELS, LIKELIHOODS
from .project import BRIEFS_DIR, discover
from .validate import read_input

WORKTREE = "working tree"
FORMAT_VERSION = 1
CONFIDENCE_LEVELS = ("low", "moderate", "high")
ACTORS_REL = f"{BRIEFS_DIR}/actors.yaml"
SOURCES_REL = f"{BRIEFS_DIR}/sources.yaml"
ISSUES_DIR = f"{BRIEFS_DIR}/issues/"
_REGULAR_MODES = ("100644", "100755")
_TEXT_PREVIEW = 200

# Parts of an issue reported as plain field changes (old -> new); lists among them are sets.
_FIELDS = (
    "title",
    "subtitle",
    "status",
    "version",
    "last_reviewed",
    "distribution",
    "principals",
    "related",
)
# Parts reported only as "revised", with the key that names an item and the field that labels it.
_GENERIC = {
    "agendas": ("actor", "actor"),
    "analysis": ("id", "heading"),
    "precedents": ("id", "title"),
    "economic_levers": ("id", "lever"),
    "third_parties": ("actor", "actor"),
    "public_opinion": ("actor", "actor"),
    "talking_points": ("", ""),
}
SECTION_NAMES = {
    "bluf": "BLUF",
    "positions": "Positions",
    "key_judgments": "Key judgment",
    "scenarios": "Scenario",
    "agendas": "Goals and red lines",
    "analysis": "Analysis",
    "precedents": "Precedent",
    "economic_levers": "Economic lever",
    "third_parties": "Third-party influence",
    "public_opinion": "Public opinion",
    "talking_points": "Talking points",
}
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


class DiffError(Exception):
    """A revision that cannot be read (no git, unknown revision): a usage error."""


class DiffContentError(DiffError):
    """A file at a revision that the loader refuses (invalid YAML, too big); each one located."""

    def __init__(self, problems: list[tuple[str, Diagnostic]]) -> None:
        self.problems = problems
        lines = [f"{d.format()} (at {label})" for label, d in problems]
        super().__init__("invalid content; nothing compared\n" + "\n".join(lines))


# --- the change model -------------------------------------------------------------------


@dataclass(frozen=True)
class Ref:
    """An item named by id, with the label a reader knows it by."""

    id: str
    label: str


@dataclass(frozen=True)
class FieldChange:
    """A plain field whose value changed; None where the field is absent."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class StanceChange:
    """One actor's stance on one sub-topic, before and after (None where it had none)."""

    row: str
    topic: str
    actor: str
    actor_name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class LevelChange:
    """A move on an ordered scale (gap, confidence, likelihood, reliability), with its sense."""

    id: str
    label: str
    old: str
    new: str
    direction: str


@dataclass(frozen=True)
class JudgmentRef:
    """A key judgment added or removed, with what it says."""

    id: str
    confidence: str
    text: str


@dataclass(frozen=True)
class Edit:
    """A change outside the tracked categories, named so a reviewer knows where to look."""

    section: str
    item: str
    label: str
    change: str  # added | removed | revised
    fields: tuple[str, ...] = ()


@dataclass
class IssueChanges:
    """Everything that changed in one issue; `change` is added, removed or changed."""

    id: str
    title: str
    change: str
    fields: list[FieldChange] = field(default_factory=list)
    positions_added: list[Ref] = field(default_factory=list)
    positions_removed: list[Ref] = field(default_factory=list)
    stances: list[StanceChange] = field(default_factory=list)
    gaps: list[LevelChange] = field(default_factory=list)
    judgments_added: list[JudgmentRef] = field(default_factory=list)
    judgments_removed: list[JudgmentRef] = field(default_factory=list)
    confidence: list[LevelChange] = field(default_factory=list)
    judgments_reworded: list[Ref] = field(default_factory=list)
    scenarios_added: list[Ref] = field(default_factory=list)
    scenarios_removed: list[Ref] = field(default_factory=list)
    likelihoods: list[LevelChange] = field(default_factory=list)
    sources_added: list[Ref] = field(default_factory=list)
    sources_removed: list[Ref] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when a changed issue differs in nothing a reviewer needs to see."""
        lists = (v for v in vars(self).values() if isinstance(v, list))
        return self.change == "changed" and not any(lists)


@dataclass
class Changes:
    """The whole report: per-issue changes and changes to the source registry."""

    base: str
    base_commit: str
    head: str
    head_commit: str | None
    issues: list[IssueChanges] = field(default_factory=list)
    sources_added: list[Ref] = field(default_factory=list)
    sources_removed: list[Ref] = field(default_factory=list)
    sources_rerated: list[LevelChange] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing of substance changed."""
        return not any(
            (self.issues, self.sources_added, self.sources_removed, self.sources_rerated)
        )


# --- reading a revision -----------------------------------------------------------------


@dataclass
class _Snapshot:
    """The parsed content of one revision: issues by id and the two registries."""

    label: str
    issues: dict[str, dict[str, Any]] = field(default_factory=dict)
    actors: dict[str, dict[str, Any]] = field(default_factory=dict)
    sources: dict[str, dict[str, Any]] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)


def _git_env() -> dict[str, str]:
    """A minimal environment, so GIT_DIR and friends cannot point git at another repository."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/nonexistent"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }


def _git(root: Path, *args: str, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    """Run git in the project folder; a missing git is a usage error, not a crash."""
    git = shutil.which("git")
    if git is None:
        raise DiffError("git is not installed; diff compares git revisions")
    try:
        return subprocess.run(
            [git, "-C", str(root), *args],
            input=stdin,
            capture_output=True,
            timeout=60,
            env=_git_env(),
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise DiffError(f"git failed: {exc}") from None


def _prefix(root: Path) -> str:
    """Where the project sits inside its repository ('' at the top)."""
    proc = _git(root, "rev-parse", "--show-prefix")
    if proc.returncode != 0:
        raise DiffError(f"{root} is not inside a git repository; diff compares git revisions")
    return proc.stdout.decode("utf-8", "replace").strip()


def _resolve(root: Path, rev: str) -> str:
    """The commit a revision names; a leading '-' is refused so it cannot pass as an option."""
    if not rev or rev.startswith("-") or any(ch in rev for ch in "\x00\n\r"):
        raise DiffError(f"'{rev}' is not a git revision")
    proc = _git(root, "rev-parse", "--verify", "--quiet", f"{rev}^{{commit}}")
    if proc.returncode != 0:
        raise DiffError(
            f"unknown revision '{rev}': name a commit, branch or tag (for example HEAD~1 or "
            "origin/main; in a shallow clone, fetch the base branch first)"
        )
    return proc.stdout.decode("ascii", "replace").strip()


def _wanted(rel: str) -> str | None:
    """The kind of input a project path holds at a revision, or None if diff ignores it."""
    if rel == ACTORS_REL:
        return "actors"
    if rel == SOURCES_REL:
        return "sources"
    name = rel[len(ISSUES_DIR) :]
    if rel.startswith(ISSUES_DIR) and "/" not in name and name.endswith(".yaml"):
        return None if name.startswith(".") else "issue"
    return None


def _read_commit(
    root: Path, prefix: str, commit: str, label: str
) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """The raw bytes of every input file in a commit, with size and link checks."""
    proc = _git(root, "ls-tree", "-r", "-l", "-z", "--full-name", commit, "--", BRIEFS_DIR)
    if proc.returncode != 0:
        raise DiffError(f"cannot list the files of {label}")
    wanted: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
        meta, _, path = entry.partition("\t")
        parts = meta.split()
        if len(parts) != 4 or not path.startswith(prefix):
            continue
        mode, _kind, oid, size = parts
        rel = path[len(prefix) :]
        if _wanted(rel) is None:
            continue
        if mode not in _REGULAR_MODES:
            problems.append(Diagnostic(rel, 1, 1, "not a regular file (a link or submodule)"))
        elif int(size) > MAX_BYTES:
            msg = f"file is {size} bytes; the limit is {MAX_BYTES} bytes (1 MiB)"
            problems.append(Diagnostic(rel, 1, 1, msg))
        else:
            wanted[rel] = oid
    blobs = _cat_blobs(root, list(wanted.values()))
    return {rel: blobs[oid] for rel, oid in wanted.items()}, problems


def _cat_blobs(root: Path, oids: list[str]) -> dict[str, bytes]:
    """Read many blobs in one git process."""
    if not oids:
        return {}
    proc = _git(root, "cat-file", "--batch", stdin="".join(f"{o}\n" for o in oids).encode())
    if proc.returncode != 0:
        raise DiffError("git cat-file failed")
    out, pos, blobs = proc.stdout, 0, {}
    for oid in oids:
        end = out.index(b"\n", pos)
        header = out[pos:end].split()
        if len(header) != 3:
            raise DiffError(f"git cannot read object {oid} (a shallow or partial clone?)")
        size = int(header[2])
        blobs[oid] = out[end + 1 : end + 1 + size]
        pos = end + 1 + size + 1
    return blobs


def _read_worktree(root: Path) -> tuple[dict[str, bytes], list[Diagnostic]]:
    """The raw bytes of every input file on disk, through validate's own safe reader."""
    files: dict[str, bytes] = {}
    problems: list[Diagnostic] = []
    for sf in discover(root):
        if _wanted(sf.rel) is None or not os.path.lexists(sf.path):
            continue
        raw, problem = read_input(root, sf)
        if problem is not None:
            problems.append(problem)
        elif raw is not None:
            files[sf.rel] = raw
    return files, problems


def _keyed(items: Any, key: str) -> dict[str, dict[str, Any]]:
    """A list's mappings keyed by a field; repeats get '#2', keyless items their position."""
    out: dict[str, dict[str, Any]] = {}
    for i, item in enumerate(items if isinstance(items, list) else ()):
        if not isinstance(item, dict):
            item = {"value": item}
        k = item.get(key)
        k = k if isinstance(k, str) and k else f"item {i + 1}"
        n = 1
        while (k if n == 1 else f"{k}#{n}") in out:
            n += 1
        out[k if n == 1 else f"{k}#{n}"] = item
    return out


def _snapshot(label: str, files: dict[str, bytes], problems: list[Diagnostic]) -> _Snapshot:
    """Parse every file of a revision; only what the loader refuses stops the comparison."""
    snap = _Snapshot(label=label, problems=list(problems))
    owner: dict[str, str] = {}
    for rel in sorted(files):
        kind = _wanted(rel)
        doc, problem = load_file(files[rel], rel)
        if problem is not None:
            snap.problems.append(problem)
            continue
        assert doc is not None and kind is not None
        data = doc.data
        if not isinstance(data, dict):
            snap.problems.append(doc.diag((), "the file must be a YAML mapping"))
            continue
        if kind == "issue":
            ident = data.get("id")
            ident = ident if isinstance(ident, str) and ident else Path(rel).stem
            if ident in owner:
                msg = f"id '{ident}' is also used by {owner[ident]}"
                snap.problems.append(doc.diag(("id",), msg))
            owner[ident] = rel
            snap.issues[ident] = data
        else:
            target = snap.actors if kind == "actors" else snap.sources
            target.update(_keyed(data.get(kind), "id"))
    return snap


# --- comparing --------------------------------------------------------------------------
# Schema problems are `validate`'s business: the comparison takes whatever shape it finds, so
# a pull request that changes the schema, or is still being fixed, still gets its report.


def _text(value: Any) -> str:
    """One line of text; runs of whitespace collapse, so reflowing a paragraph is no change."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return " ".join(value.split())


def _canon(value: Any) -> Any:
    """A comparable form: collapsed text, no empty values, lists as sorted multisets."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return sorted((_canon(v) for v in value), key=_key)
    return value


def _key(value: Any) -> str:
    """Canonical JSON: equal substance, equal key (NaN included)."""
    return json.dumps(_canon(value), sort_keys=True, ensure_ascii=False)


def _same(a: Any, b: Any) -> bool:
    return _key(a) == _key(b)


def _show(value: Any) -> str | None:
    """A field's value as one line of text, lists as sorted comma-separated ids."""
    if value in (None, [], ""):
        return None
    if isinstance(value, list):
        return ", ".join(sorted(_text(v) for v in value))
    return _text(value)


def _changed_fields(old: dict[str, Any], new: dict[str, Any], skip: Iterable[str]) -> list[str]:
    """Names of the fields of one item whose substance differs, minus those reported apart."""
    keys = sorted((set(old) | set(new)) - set(skip))
    return [k for k in keys if not _same(old.get(k), new.get(k))]


def _level(
    scale: tuple[str, ...], ident: str, label: str, old: Any, new: Any, words: tuple[str, str]
) -> LevelChange:
    """A move on an ordered scale, `words[0]` when down it; 'changed' for values off the scale."""
    a, b = _text(old), _text(new)
    if a in scale and b in scale:
        direction = words[0] if scale.index(b) < scale.index(a) else words[1]
    else:
        direction = "changed"
    return LevelChange(ident, label, a, b, direction)


def _citations(value: Any) -> set[str]:
    """Every source id cited anywhere inside an issue."""
    found: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "sources" and isinstance(x, list):
                    found.update(_text(s) for s in x)
                else:
                    stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)
    return found


class _Names:
    """Display names from the registries, head first, so reports read as prose."""

    def __init__(self, old: _Snapshot, new: _Snapshot) -> None:
        self.actors = {**old.actors, **new.actors}
        self.sources = {**old.sources, **new.sources}

    def actor(self, ident: str) -> str:
        a = self.actors.get(ident, {})
        return _text(a.get("short_name") or a.get("name")) or ident

    def source(self, ident: str) -> Ref:
        return Ref(ident, _text(self.sources.get(ident, {}).get("title")) or ident)


def _compare_issue(
    ident: str, old: dict[str, Any] | None, new: dict[str, Any] | None, names: _Names
) -> IssueChanges:
    """What changed in one issue, matched by ids."""
    if old is None or new is None:
        data = new if old is None else old
        assert data is not None
        change = "added" if old is None else "removed"
        return IssueChanges(ident, _text(data.get("title")) or ident, change)
    ch = IssueChanges(ident, _text(new.get("title")) or ident, "changed")
    for name in _FIELDS:
        if not _same(old.get(name), new.get(name)):
            ch.fields.append(FieldChange(name, _show(old.get(name)), _show(new.get(name))))
    bluf = [
        name
        for key, name in (("bluf", "text"), ("sources", "sources"))
        if not _same(old.get(key), new.get(key))
    ]
    if bluf:
        ch.edits.append(Edit("bluf", "", "BLUF", "revised", tuple(bluf)))
    _compare_positions(ch, old, new, names)
    _compare_judgments(ch, old, new)
    _compare_scenarios(ch, old, new)
    for section, (key, label_field) in _GENERIC.items():
        _compare_generic(ch, section, key, label_field, old, new, names)
    known = {"id", "bluf", "sources", "positions", "key_judgments", "scenarios"}
    for name in sorted((set(old) | set(new)) - known - set(_FIELDS) - set(_GENERIC)):
        if not _same(old.get(name), new.get(name)):
            ch.edits.append(Edit(name, "", name, "revised"))
    cited_old, cited_new = _citations(old), _citations(new)
    ch.sources_added = [names.source(s) for s in sorted(cited_new - cited_old)]
    ch.sources_removed = [names.source(s) for s in sorted(cited_old - cited_new)]
    return ch


def _pairs(
    old: dict[str, Any], new: dict[str, Any], section: str, key: str = "id"
) -> tuple[dict[str, dict[str, Any]], dict[str, dict[str, Any]], list[str]]:
    """One section of both versions keyed by `key`, and the keys found in both."""
    a, b = _keyed(old.get(section), key), _keyed(new.get(section), key)
    return a, b, sorted(a.keys() & b.keys())


def _refs(items: dict[str, dict[str, Any]], keys: Iterable[str], label: str) -> list[Ref]:
    return [Ref(k, _text(items[k].get(label))) for k in sorted(keys)]


def _stances(row: dict[str, Any]) -> dict[str, Any]:
    stances = row.get("stances")
    return stances if isinstance(stances, dict) else {}


def _compare_positions(
    ch: IssueChanges, old: dict[str, Any], new: dict[str, Any], names: _Names
) -> None:
    """Rows added or removed, stances per actor, gaps moved, and other row edits."""
    a, b, both = _pairs(old, new, "positions")
    ch.positions_added = _refs(b, b.keys() - a.keys(), "topic")
    ch.positions_removed = _refs(a, a.keys() - b.keys(), "topic")
    principals = [p for p in new.get("principals") or () if isinstance(p, str)]
    for k in both:
        ra, rb = a[k], b[k]
        topic = _text(rb.get("topic"))
        actors = set(_stances(ra)) | set(_stances(rb))
        for actor in [p for p in principals if p in actors] + sorted(actors - set(principals)):
            sa, sb = (_show(_stances(r).get(actor)) for r in (ra, rb))
            if sa != sb:
                ch.stances.append(StanceChange(k, topic, actor, names.actor(actor), sa, sb))
        if not _same(ra.get("gap"), rb.get("gap")):
            words = ("narrowed", "widened")
            ch.gaps.append(_level(GAP_LEVELS, k, topic, ra.get("gap"), rb.get("gap"), words))
        rest = _changed_fields(ra, rb, ("id", "stances", "gap"))
        if rest:
            ch.edits.append(Edit("positions", k, topic, "revised", tuple(rest)))


def _judgment(ident: str, item: dict[str, Any]) -> JudgmentRef:
    return JudgmentRef(ident, _text(item.get("confidence")), _text(item.get("text")))


def _compare_judgments(ch: IssueChanges, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Judgments added or removed, confidence moved, text reworded, other edits."""
    a, b, both = _pairs(old, new, "key_judgments")
    ch.judgments_added = [_judgment(k, b[k]) for k in sorted(b.keys() - a.keys())]
    ch.judgments_removed = [_judgment(k, a[k]) for k in sorted(a.keys() - b.keys())]
    for k in both:
        ja, jb = a[k], b[k]
        if not _same(ja.get("confidence"), jb.get("confidence")):
            words = ("lowered", "raised")
            ca, cb = ja.get("confidence"), jb.get("confidence")
            ch.confidence.append(_level(CONFIDENCE_LEVELS, k, k, ca, cb, words))
        if not _same(ja.get("text"), jb.get("text")):
            ch.judgments_reworded.append(Ref(k, _text(jb.get("text"))))
        rest = _changed_fields(ja, jb, ("id", "confidence", "text"))
        if rest:
            ch.edits.append(Edit("key_judgments", k, k, "revised", tuple(rest)))


def _compare_scenarios(ch: IssueChanges, old: dict[str, Any], new: dict[str, Any]) -> None:
    """Scenarios added or removed, likelihoods moved, other scenario edits."""
    a, b, both = _pairs(old, new, "scenarios")
    ch.scenarios_added = _refs(b, b.keys() - a.keys(), "name")
    ch.scenarios_removed = _refs(a, a.keys() - b.keys(), "name")
    for k in both:
        sa, sb = a[k], b[k]
        name = _text(sb.get("name"))
        if not _same(sa.get("likelihood"), sb.get("likelihood")):
            la, lb = sa.get("likelihood"), sb.get("likelihood")
            ch.likelihoods.append(_level(LIKELIHOODS, k, name, la, lb, ("down", "up")))
        rest = _changed_fields(sa, sb, ("id", "likelihood"))
        if rest:
            ch.edits.append(Edit("scenarios", k, name, "revised", tuple(rest)))


def _compare_generic(
    ch: IssueChanges,
    section: str,
    key: str,
    label_field: str,
    old: dict[str, Any],
    new: dict[str, Any],
    names: _Names,
) -> None:
    """Items added, removed or revised in a part with no dedicated category."""
    if not key:
        if not _same(old.get(section), new.get(section)):
            ch.edits.append(Edit(section, "", SECTION_NAMES[section], "revised"))
        return
    a, b, _both = _pairs(old, new, section, key)

    def label(item: dict[str, Any]) -> str:
        value = _text(item.get(label_field))
        return names.actor(value) if label_field == "actor" else value

    for k in sorted(a.keys() | b.keys()):
        if k not in a:
            ch.edits.append(Edit(section, k, label(b[k]), "added"))
        elif k not in b:
            ch.edits.append(Edit(section, k, label(a[k]), "removed"))
        else:
            rest = _changed_fields(a[k], b[k], (key,))
            if rest:
                ch.edits.append(Edit(section, k, label(b[k]), "revised", tuple(rest)))


def _rating(source: dict[str, Any]) -> Any:
    reliability = source.get("reliability")
    return reliability.get("rating") if isinstance(reliability, dict) else None


def _compare_registry(changes: Changes, old: _Snapshot, new: _Snapshot) -> None:
    """Sources added to or removed from the registry, and reliability ratings moved."""
    a, b = old.sources, new.sources
    changes.sources_added = _refs(b, b.keys() - a.keys(), "title")
    changes.sources_removed = _refs(a, a.keys() - b.keys(), "title")
    for k in sorted(a.keys() & b.keys()):
        ra, rb = _rating(a[k]), _rating(b[k])
        if not _same(ra, rb):
            title = _text(b[k].get("title"))
            words = ("lowered", "raised")
            changes.sources_rerated.append(_level(CONFIDENCE_LEVELS, k, title, ra, rb, words))


def diff_revisions(root: Path, base: str, head: str | None = None) -> Changes:
    """Compare the briefs at `base` with `head` (default: the working tree), by ids."""
    root = root.resolve()
    prefix = _prefix(root)
    base_commit = _resolve(root, base)
    base_label = f"{base} ({base_commit[:7]})"
    snaps = [_snapshot(base_label, *_read_commit(root, prefix, base_commit, base_label))]
    head_commit = None
    if head is None:
        snaps.append(_snapshot(f"the {WORKTREE}", *_read_worktree(root)))
    else:
        head_commit = _resolve(root, head)
        head_label = f"{head} ({head_commit[:7]})"
        snaps.append(_snapshot(head_label, *_read_commit(root, prefix, head_commit, head_label)))
    problems = [(s.label, d) for s in snaps for d in s.problems]
    if problems:
        raise DiffContentError(problems)
    old, new = snaps
    names = _Names(old, new)
    changes = Changes(base, base_commit, head or WORKTREE, head_commit)
    for ident in sorted(old.issues.keys() | new.issues.keys()):
        ch = _compare_issue(ident, old.issues.get(ident), new.issues.get(ident), names)
        if not ch.empty:
            changes.issues.append(ch)
    _compare_registry(changes, old, new)
    return changes


# --- output -----------------------------------------------------------------------------


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
    kj += [f"- `{r.id}`: reworded" for r in ch.judgments_reworded]
    out += _block("Key judgments", kj)
    sc = [f"- {_c(lc.label)}: {_labels(LIKELIHOOD_LABELS, lc)}" for lc in ch.likelihoods]
    sc += [f"- Added `{r.id}`: {_c(r.label)}" for r in ch.scenarios_added]
    sc += [f"- Removed `{r.id}`: {_c(r.label)}" for r in ch.scenarios_removed]
    out += _block("Scenarios", sc)
    src = [f"- Added `{r.id}`: {_c(r.label)}" for r in ch.sources_added]
    src += [f"- Removed `{r.id}`: {_c(r.label)}" for r in ch.sources_removed]
    out += _block("Sources cited", src)
    out += _block("Other edits", [_edit_line(e) for e in ch.edits])
    return out


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
    if reg:
        out += ["### Source registry", "", *reg, ""]
    return "\n".join(out).rstrip("\n") + "\n"
