"""Read the brief inputs at a git revision (or in the working tree) and parse them for diff."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias

from .diagnostics import Diagnostic
from .load import MAX_BYTES, load_file
from .project import BRIEFS_DIR, discover
from .validate import read_input

WORKTREE = "working tree"
ACTORS_REL = f"{BRIEFS_DIR}/actors.yaml"
SOURCES_REL = f"{BRIEFS_DIR}/sources.yaml"
ISSUES_DIR = f"{BRIEFS_DIR}/issues/"
BOOKS_DIR = f"{BRIEFS_DIR}/books/"
_REGULAR_MODES = ("100644", "100755")

# Plain data exactly as the loader builds it: core-schema scalars, lists, string-keyed maps.
Yaml: TypeAlias = "str | int | float | bool | list[Yaml] | dict[str, Yaml] | None"
YamlMap: TypeAlias = dict[str, Yaml]


class DiffError(Exception):
    """A revision that cannot be read (no git, unknown revision): a usage error."""


class DiffContentError(DiffError):
    """A file at a revision that the loader refuses (invalid YAML, too big); each one located."""

    def __init__(self, problems: list[tuple[str, Diagnostic]]) -> None:
        self.problems = problems
        lines = [f"{d.format()} (at {label})" for label, d in problems]
        super().__init__("invalid content; nothing compared\n" + "\n".join(lines))


@dataclass
class Snapshot:
    """The parsed content of one revision: issues by id and the two registries."""

    label: str
    issues: dict[str, YamlMap] = field(default_factory=dict)
    actors: dict[str, YamlMap] = field(default_factory=dict)
    sources: dict[str, YamlMap] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    books: dict[str, YamlMap] = field(default_factory=dict)  # issue 21: books are compared too


@dataclass(frozen=True)
class Revisions:
    """Both sides of a diff as named and resolved (no head commit: the working tree), parsed."""

    base: str
    base_commit: str
    head: str
    head_commit: str | None
    old: Snapshot
    new: Snapshot


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
    for folder, kind in ((ISSUES_DIR, "issue"), (BOOKS_DIR, "book")):
        name = rel[len(folder) :]
        if rel.startswith(folder) and "/" not in name and name.endswith(".yaml"):
            return None if name.startswith(".") else kind
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


def keyed(items: Yaml, key: str) -> dict[str, YamlMap]:
    """A list's mappings keyed by a field; repeats get '#2', keyless items their position."""
    out: dict[str, YamlMap] = {}
    for i, item in enumerate(items if isinstance(items, list) else ()):
        entry: YamlMap = item if isinstance(item, dict) else {"value": item}
        name = entry.get(key)
        k = name if isinstance(name, str) and name else f"item {i + 1}"
        n = 1
        while (k if n == 1 else f"{k}#{n}") in out:
            n += 1
        out[k if n == 1 else f"{k}#{n}"] = entry
    return out


def _mapping(data: Any) -> YamlMap | None:
    """A document's top level as a mapping, or None. `load` types its data Any; it builds only
    what `Yaml` describes (scalars of the core schema, lists, maps with plain-string keys)."""
    return data if isinstance(data, dict) else None


def _snapshot(label: str, files: dict[str, bytes], problems: list[Diagnostic]) -> Snapshot:
    """Parse every file of a revision; only what the loader refuses stops the comparison."""
    snap = Snapshot(label=label, problems=list(problems))
    owner: dict[str, str] = {}
    for rel in sorted(files):
        kind = _wanted(rel)
        doc, problem = load_file(files[rel], rel)
        if problem is not None:
            snap.problems.append(problem)
            continue
        assert doc is not None and kind is not None
        data = _mapping(doc.data)
        if data is None:
            snap.problems.append(doc.diag((), "the file must be a YAML mapping"))
            continue
        if kind in ("issue", "book"):
            name = data.get("id")
            ident = name if isinstance(name, str) and name else Path(rel).stem
            if ident in owner:
                msg = f"id '{ident}' is also used by {owner[ident]}"
                snap.problems.append(doc.diag(("id",), msg))
            owner[ident] = rel
            (snap.issues if kind == "issue" else snap.books)[ident] = data
        else:
            target = snap.actors if kind == "actors" else snap.sources
            target.update(keyed(data.get(kind), "id"))
    return snap


def read_revisions(root: Path, base: str, head: str | None = None) -> Revisions:
    """Both revisions parsed (`head` None: the working tree); refused files raise, all located."""
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
    return Revisions(base, base_commit, head or WORKTREE, head_commit, old, new)
