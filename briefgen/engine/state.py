"""The one record a build keeps between runs: `<output folder>/.briefgen/state.json`.

One versioned, signed JSON file in sections: "validated" (what the last clean validation
established: input digests, targets, views; shared by the build and a site written beside
it), "build" (PDF timings) and "site:<folder>" (the site's fingerprint, page keys and
listing record). Signed with this user's key (cache.py), so a state file
committed in a pull request, or a broken one, is ignored: the build then starts afresh.
Each output folder's own keys stay in its `.manifest.json`, which is swapped in with the
folder in the same atomic step, so files and keys can never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..cache import signed_dump, signed_load
from ..diagnostics import Diagnostic, Severity
from ..write import atomic_write
from .keys import code_digest
from .plan import PROJECTION, SAFE_ID, Target, Views

if TYPE_CHECKING:  # the model is imported by validation, which a no-op never runs
    from ..model import Revision

STATE_DIR = ".briefgen"
FORMAT = 5  # 5: the validation record kept once, in its own section


def store_path(folder: Path) -> Path:
    """The state file of an output folder (build/ for the build, a site's parent for it)."""
    return folder / STATE_DIR / "state.json"


def read_store(folder: Path) -> dict[str, Any]:
    """The store's sections by name; {} when absent, unsigned, of another format or another
    tool. Sections: "validated" (what the last clean validation established, shared by the
    build and a site written beside it), "build" (PDF timings) and "site:<folder>"."""
    try:
        data = signed_load(store_path(folder).read_bytes())
    except OSError:
        return {}
    if not (isinstance(data, dict) and data.get("format") == FORMAT):
        return {}
    if data.get("v") != __version__ or data.get("code") != code_digest(False):
        return {}  # a new rule may reject input the old code accepted
    return {k: v for k, v in data.items() if isinstance(v, dict)}


def write_sections(folder: Path, sections: dict[str, dict[str, Any]]) -> None:
    """Replace these sections of the store (the others are kept), atomically."""
    data = {"format": FORMAT, "v": __version__, "code": code_digest(False)}
    blob = signed_dump({**data, **read_store(folder), **sections})
    if blob is not None:  # no signing key (no writable home): every build starts afresh
        atomic_write(store_path(folder), blob)


@dataclass(frozen=True)
class Validated:
    """What a clean validation established: the next run skips validating unchanged files."""

    digests: dict[str, str]
    targets: list[Target]
    views: Views
    page_size: str
    markings: dict[str, str]  # brief id -> its own marking ("" for the project's default)
    due: dict[str, str]  # issue id -> the ISO date its next review is due (stale_after_days)
    # The warnings of that validation that hold on any day, so a run that validates nothing
    # still shows them (the overdue ones are worked out each run from `due`).
    warnings: list[Diagnostic] = field(default_factory=list)
    theme: tuple[str, ...] = ()  # the files the config's theme names (logo, stylesheets)
    reviewed_at: dict[str, tuple[int, int]] = field(default_factory=dict)  # issue -> line, col

    def to_json(self) -> dict[str, Any]:
        """The record as stored."""
        return {
            "digests": self.digests,
            "targets": [[t.kind, t.id, list(t.deps), list(t.figures)] for t in self.targets],
            "views": self.views,
            "page_size": self.page_size,
            "markings": self.markings,
            "due": self.due,
            "warnings": [d.as_json() for d in self.warnings],
            "theme": list(self.theme),
            "reviewed_at": {i: list(at) for i, at in self.reviewed_at.items()},
        }

    @staticmethod
    def from_json(raw: dict[str, Any]) -> Validated | None:
        """The record, if every part of it is well-formed; None otherwise."""
        digests, page_size = raw.get("digests"), raw.get("page_size")
        targets = _targets(raw.get("targets"))
        if not isinstance(digests, dict) or not isinstance(page_size, str) or targets is None:
            return None
        views = _views(raw.get("views"), targets)
        markings = raw.get("markings")
        if views is None or not isinstance(markings, dict):
            return None
        if not all(isinstance(markings.get(t.id), str) for t in targets):
            return None
        due = raw.get("due")
        if not isinstance(due, dict) or not all(isinstance(v, str) for v in due.values()):
            return None
        warnings, theme = _warnings(raw.get("warnings")), raw.get("theme")
        if warnings is None or not isinstance(theme, list):
            return None
        if not all(isinstance(f, str) for f in theme):
            return None
        at = _positions(raw.get("reviewed_at"))
        if at is None:
            return None
        return Validated(
            digests, targets, views, page_size, markings, due, warnings, tuple(theme), at
        )


def _positions(raw: Any) -> dict[str, tuple[int, int]] | None:
    """The recorded positions (issue -> [line, col]), if each is well-formed."""
    if not isinstance(raw, dict):
        return None
    out: dict[str, tuple[int, int]] = {}
    for ident, at in raw.items():
        if not (isinstance(at, list) and len(at) == 2 and all(type(n) is int for n in at)):
            return None
        out[ident] = (at[0], at[1])
    return out


def _warnings(raw: Any) -> list[Diagnostic] | None:
    """The recorded warnings, if each is well-formed."""
    if not isinstance(raw, list):
        return None
    out = []
    for item in raw:
        try:
            d = Diagnostic(
                str(item["path"]),
                int(item["line"]),
                int(item["col"]),
                str(item["message"]),
                Severity.WARNING,
                str(item.get("code", "")),
            )
        except (KeyError, TypeError, ValueError, AttributeError):
            return None
        out.append(d)
    return out


def _targets(raw: Any) -> list[Target] | None:
    if not isinstance(raw, list):
        return None
    out = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 4):
            return None
        kind, ident, deps, figures = item
        if kind not in ("issue", "book") or not isinstance(ident, str) or not SAFE_ID.match(ident):
            return None
        if not isinstance(deps, list) or not deps or not all(isinstance(d, str) for d in deps):
            return None
        if not isinstance(figures, list) or not all(isinstance(f, str) for f in figures):
            return None
        out.append(Target(kind, ident, tuple(deps), tuple(figures)))
    return out


def _views(raw: Any, targets: list[Target]) -> Views | None:
    if not isinstance(raw, dict):
        return None
    for t in targets:
        view = raw.get(t.id)
        if t.kind == "issue" and not (
            isinstance(view, dict)
            and sorted(view) == sorted(PROJECTION)
            and all(isinstance(v, str) or v is None for v in view.values())
        ):
            return None
    return raw


def history_json(revisions: dict[str, list[Revision]]) -> dict[str, list[list[str]]]:
    """Git histories as stored in keys and records."""
    return {
        rel: [[str(r.date), str(r.short_hash), str(r.subject)] for r in revs]
        for rel, revs in revisions.items()
    }
