"""Cross-file rules: what must hold between a project's files once each has its shape.

Ids must be unique and safe as file and page names, and every reference must name a known
actor, source or issue. The same checks run over the schema-valid files (before the Corpus
is built) and, defensively, over files that failed their schema, so one run shows everything.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import unicodedata
from collections.abc import Collection, Iterable
from typing import Any

from . import model, theme
from .diagnostics import Diagnostic, sort_key
from .load import Document
from .project import SourceFile
from .schema import suggest

# The schema-valid files of a project, grouped by their kind ("issue", "actors", ...).
ByKind = dict[str, list[tuple[SourceFile, Document]]]

# Ids become file names and page names on the site; these would clobber the site's own pages.
RESERVED_IDS = frozenset(
    {
        "index",
        "search",
        "404",
        "feed",
        "sitemap",
        "assets",
        "actors",
        "issues",
        "books",
        "con",
        "prn",
        "aux",
        "nul",
        "com1",
        "lpt1",
    }
)

# Issue ids are element ids in a briefing book (each chapter is <section id="ISSUE">, with
# "ISSUE-title", "ISSUE-gm", ...); these would duplicate the page's own ids and break its links.
PAGE_IDS = frozenset(
    {
        "main",
        "summary",
        "sources",
        "revisions",
        "key-players",
        "toc-title",
        "doc-title",
        "book-matrix",
        "doc",
        "toc",
        "book",
        "note",
        "player",
    }
)
PAGE_ID_PREFIXES = ("note-", "player-", "book-")


def page_id_problem(value: str) -> str | None:
    """Why an issue or book id would clash with an id of the brief's own page, or None."""
    if value in PAGE_IDS or value.startswith(PAGE_ID_PREFIXES):
        return f"id '{value}' would clash with the brief page's own anchors; choose another"
    return None


def safe_id_problem(value: str) -> str | None:
    """Why an id that passed the slug pattern is still unsafe as a file name, or None."""
    if value in RESERVED_IDS:
        return f"id '{value}' is reserved for the site's own pages; choose another"
    return None


def fold(value: str) -> str:
    """The form two ids share when they would name the same file on a case-insensitive disk."""
    return unicodedata.normalize("NFKC", value).casefold()


MAX_FILE_ERRORS = 50  # per file in the salvage checks: a hostile file cannot flood CI or stall


class _Enough(Exception):
    """A file has produced MAX_FILE_ERRORS problems; stop checking it."""


def _shown(value: Any) -> str:
    """A value as it may appear in a message: short, one line, never a forged log line."""
    if isinstance(value, str) and len(value) <= 64 and value.isprintable():
        return value
    text = repr(value)
    return text if len(text) <= 64 else text[:61] + "..."


class Checker:
    """Cross-file checks over the validated data; collects diagnostics."""

    def __init__(
        self, docs: dict[str, tuple[SourceFile, Document]], limit: int | None = None
    ) -> None:
        self.docs = docs
        self.diags: list[Diagnostic] = []
        self.limit = limit
        self.counts: dict[str, int] = {}

    def err(self, doc: Document, path: tuple[Any, ...], msg: str, *, key: bool = False) -> None:
        """Record a problem at a node; past the limit, end the checking of this file."""
        n = self.counts.get(doc.rel, 0)
        if self.limit is not None and n >= self.limit:
            self.diags.append(
                doc.diag((), f"more than {self.limit} problems; fix these and run again")
            )
            raise _Enough
        self.counts[doc.rel] = n + 1
        self.diags.append(doc.diag(path, msg, key=key))

    def ids_unique_by(
        self, doc: Document, base: tuple[Any, ...], items: Iterable[Any], field: str
    ) -> None:
        """Report each item whose `field` an earlier item of the same list already has."""
        seen: set[Any] = set()
        for i, item in enumerate(items):
            if item[field] in seen:
                self.err(doc, (*base, i, field), f"{field} {item[field]!r} appears twice")
            seen.add(item[field])

    def ids_unique(self, doc: Document, base: tuple[Any, ...], items: Iterable[Any]) -> None:
        """Report each item whose id an earlier item of the same list already has."""
        seen: dict[str, int] = {}
        for i, item in enumerate(items):
            ident = item.get("id") if isinstance(item, dict) else None
            if ident is None:
                continue
            if ident in seen:
                first = doc.locate((*base, seen[ident], "id"))[0]
                self.err(
                    doc,
                    (*base, i, "id"),
                    f"duplicate id '{_shown(ident)}' (first used at line {first})",
                )
            else:
                seen[ident] = i

    def ref(
        self,
        doc: Document,
        path: tuple[Any, ...],
        value: str,
        known: Collection[str],
        what: str,
        *,
        key: bool = False,
    ) -> None:
        """Report a reference to an id that does not exist, with a close match as a hint."""
        if value in known:
            return
        shown = _shown(value)
        hint = suggest(value, sorted(known)) if shown == value else ""
        self.err(doc, path, f"unknown {what} '{shown}'{hint}", key=key)


def check_corpus(ck: Checker, by_kind: ByKind, issue_files: Iterable[str] = ()) -> None:
    """Every cross-file check over the schema-valid files, in the order they are reported.

    `issue_files`: the stem of every issue file, valid or not. A reference to an issue
    whose file exists is not reported "unknown" when that file is broken or misnamed: the
    problem is reported once, in that file, not again in every file that names it.
    """
    actor_ids = _check_registry(ck, by_kind, "actors")
    source_ids = _check_registry(ck, by_kind, "sources")
    registries_ok = bool(by_kind.get("actors")) and bool(by_kind.get("sources"))
    _check_names(ck, by_kind)
    issue_ids = {d.data["id"] for _, d in by_kind.get("issue", [])} | set(issue_files)
    if registries_ok:  # without both registries every reference would be reported unknown
        for _sf, doc in by_kind.get("actors", []):
            _check_actor_refs(ck, doc, actor_ids, source_ids)
        for _sf, doc in by_kind.get("issue", []):
            check_issue(ck, doc, actor_ids, source_ids, issue_ids)
        for _sf, doc in by_kind.get("book", []):
            check_book(ck, doc, actor_ids, source_ids, issue_ids)
    for _sf, doc in by_kind.get("sources", []):
        for i, s in enumerate(doc.data["sources"]):
            if s.get("date"):
                _check_partial_date(ck, doc, ("sources", i, "date"), s["date"])
    _check_markings(ck, by_kind, issue_ids)
    _check_theme(ck, by_kind)


def marking_names(config: dict[str, Any]) -> list[str]:
    """The markings a project may use (briefgen.yaml's `markings`, else the defaults)."""
    declared = [m["name"] for m in config.get("markings", ())]
    return declared or [m.name for m in model.DEFAULT_MARKINGS]


def check_marking(ck: Checker, doc: Document, names: list[str]) -> None:
    """A brief's (or the config's) `distribution` names one of the project's markings."""
    value = doc.data.get("distribution")
    if value is not None and value not in names:
        listed = ", ".join(repr(n) for n in names)
        ck.err(
            doc,
            ("distribution",),
            f"unknown marking {value!r}; briefgen.yaml's `markings` are: {listed} "
            "(add it there, from the most open to the most restricted)",
        )


def _check_markings(ck: Checker, by_kind: ByKind, issue_ids: set[str]) -> None:
    """Markings named once each, every brief marked with one of them, and `site.exclude`
    naming briefs that exist."""
    configs = by_kind.get("config", [])
    if not configs:
        return
    config = configs[0][1]
    ck.ids_unique_by(config, ("markings",), config.data.get("markings", ()), "name")
    names = marking_names(config.data)
    for kind in ("config", "issue", "book"):
        for _sf, doc in by_kind.get(kind, []):
            check_marking(ck, doc, names)
    briefs = issue_ids | {d.data["id"] for _, d in by_kind.get("book", [])}
    for i, ident in enumerate((config.data.get("site") or {}).get("exclude", ())):
        if ident not in briefs:
            ck.err(config, ("site", "exclude", i), f"no issue or book has the id {ident!r}")


def _check_theme(ck: Checker, by_kind: ByKind) -> None:
    """The theme's logo and stylesheets are readable files inside the project that carry
    nothing active: a missing or refused one is an error at its line in briefgen.yaml."""
    configs = by_kind.get("config", [])
    if not configs:
        return
    sf, doc = configs[0]
    root = sf.path.parent
    found = model.config_from(doc.data).theme
    checks: list[tuple[tuple[Any, ...], str, int, Any]] = []
    if found.logo:
        checks.append((("theme", "logo"), found.logo, theme.LOGO_LIMIT, _logo_check(found)))
    for i, rel in enumerate(found.extra_css):
        checks.append((("theme", "extra_css", i), rel, theme.CSS_LIMIT, theme.css_problem))
    for path, rel, limit, problem_of in checks:
        if ".." in rel.split("/"):
            ck.err(doc, path, f"{rel!r} must be a path inside the project, without '..'")
            continue
        data, why = theme.read_file(root, rel, limit)
        why = why or (problem_of(rel, data) if data is not None else None)
        if why:
            ck.err(doc, path, why)


def _logo_check(found: theme.Theme) -> Any:
    return lambda _rel, data: theme.logo_problem(found, data)


def _check_registry(ck: Checker, by_kind: ByKind, key: str) -> set[str]:
    """Unique, safe ids in the actors or sources registry; the ids, for references."""
    ids: set[str] = set()
    for _sf, doc in by_kind.get(key, []):
        ck.ids_unique(doc, (key,), doc.data[key])
        for i, item in enumerate(doc.data[key]):
            problem = safe_id_problem(item["id"])
            if problem:
                ck.err(doc, (key, i, "id"), problem)
            ids.add(item["id"])
    return ids


def _check_names(ck: Checker, by_kind: ByKind) -> None:
    """Issue and book ids: each its file's stem, safe, and distinct from the others."""
    # Ids of issues and books share one output namespace (build/html/<id>.html).
    names: dict[str, tuple[Document, str]] = {}
    for kind in ("issue", "book"):
        for sf, doc in by_kind.get(kind, []):
            ident = doc.data["id"]
            stem = sf.path.stem
            if ident != stem:
                ck.err(doc, ("id",), f"id '{ident}' must match the file name '{stem}.yaml'")
            problem = safe_id_problem(ident) or page_id_problem(ident)
            if problem:
                ck.err(doc, ("id",), problem)
            folded = fold(ident)
            if folded in names:
                other_doc, other_id = names[folded]
                line = other_doc.locate(("id",))[0]
                ck.err(
                    doc,
                    ("id",),
                    f"id '{ident}' collides with '{other_id}' in {other_doc.rel}:{line}; "
                    "both would be written to the same output file",
                )
            else:
                names[folded] = (doc, ident)


def _check_actor_refs(ck: Checker, doc: Document, actors: set[str], sources: set[str]) -> None:
    """The actors registry's own references: parent actors and the sources cited."""
    for i, a in enumerate(doc.data["actors"]):
        for j, parent in enumerate(a.get("member_of") or ()):
            ck.ref(doc, ("actors", i, "member_of", j), parent, actors, "actor")
        _check_sources(ck, doc, ("actors", i), a, sources)
        for j, p in enumerate(a.get("people") or ()):
            _check_sources(ck, doc, ("actors", i, "people", j), p, sources)


def salvage_checks(
    valid: dict[str, tuple[SourceFile, Document]],
    damaged: dict[str, tuple[SourceFile, Document]],
    issue_files: Iterable[str] = (),
) -> list[Diagnostic]:
    """Cross-file checks on files that failed the schema, so one run shows every problem.

    Such a file's shape is not guaranteed, so each check is tried defensively and skipped
    where the shape is wrong (the schema error already says why).
    """
    if not damaged:
        return []
    actors: set[str] = set()
    sources: set[str] = set()
    issues: set[str] = set(issue_files)
    for sf, doc in (*valid.values(), *damaged.values()):
        data = doc.data
        try:
            if sf.kind == "actors":
                actors.update(a["id"] for a in data["actors"] if isinstance(a.get("id"), str))
            elif sf.kind == "sources":
                sources.update(x["id"] for x in data["sources"] if isinstance(x.get("id"), str))
            elif sf.kind == "issue" and isinstance(data.get("id"), str):
                issues.add(data["id"])
        except (KeyError, TypeError, AttributeError):
            continue
    ck = Checker(damaged, limit=MAX_FILE_ERRORS)
    for sf, doc in damaged.values():
        try:
            if sf.kind == "issue":
                check_issue(ck, doc, actors, sources, issues)
            elif sf.kind == "book":
                check_book(ck, doc, actors, sources, issues)
        except _Enough:
            continue
    return sorted(set(ck.diags), key=sort_key)


def _check_sources(
    ck: Checker, doc: Document, base: tuple[Any, ...], item: dict[str, Any], known: set[str]
) -> None:
    """Every source an item cites must be in the sources registry."""
    for j, sid in enumerate(item.get("sources") or ()):
        ck.ref(doc, (*base, "sources", j), sid, known, "source")


def _check_date(ck: Checker, doc: Document, path: tuple[Any, ...], text: str) -> None:
    """A date the schema's pattern let through must also exist on the calendar."""
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        ck.err(doc, path, f"'{text}' is not a real calendar date")


def _check_partial_date(ck: Checker, doc: Document, path: tuple[Any, ...], text: str) -> None:
    """A year, month or day date must exist on the calendar (no 2025-02-30)."""
    try:
        model.PartialDate.parse(text)
    except ValueError:
        ck.err(doc, path, f"'{text}' is not a real calendar date")


_ACTOR_LISTS = (
    ("agendas", "actor"),
    ("third_parties", "actor"),
    ("public_opinion", "actor"),
    ("economic_levers", "holder"),
)
_ID_LISTS = (
    "key_judgments",
    "positions",
    "analysis",
    "precedents",
    "scenarios",
    "economic_levers",
)


def _guarded(step: Any, *args: Any) -> None:
    """Run one check; a file whose shape is wrong (already a schema error) just skips it."""
    with contextlib.suppress(KeyError, TypeError, AttributeError, IndexError, ValueError):
        step(*args)


def _issue_refs(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Principals must be registered actors, as must every actor an issue names."""
    d = doc.data
    for j, a in enumerate(d["principals"]):
        ck.ref(doc, ("principals", j), a, actors, "actor")


def _issue_sources(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Every source cited anywhere in the issue must be registered."""
    d = doc.data
    _check_sources(ck, doc, (), d, sources)
    for name in (*_ID_LISTS, "agendas", "third_parties", "public_opinion", "talking_points"):
        for i, item in enumerate(d.get(name) or ()):
            _guarded(_check_sources, ck, doc, (name, i), item, sources)


def _issue_ids(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Ids within each list must be unique, so an id names exactly one item."""
    for name in _ID_LISTS:
        _guarded(ck.ids_unique, doc, (name,), doc.data.get(name) or ())


def _issue_actor_refs(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Actors named in agendas, third parties, opinion and levers must exist."""
    d = doc.data
    for name, field_name in _ACTOR_LISTS:
        for i, item in enumerate(d.get(name) or ()):
            if isinstance(item, dict) and isinstance(item.get(field_name), str):
                ck.ref(doc, (name, i, field_name), item[field_name], actors, "actor")
    for i, lever in enumerate(d.get("economic_levers") or ()):
        for j, target in enumerate(lever.get("targets") or ()):
            ck.ref(doc, ("economic_levers", i, "targets", j), target, actors, "actor")


def _issue_positions(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Each positions row names known actors and has a stance for every principal."""
    d = doc.data
    principals = [p for p in d.get("principals") or () if isinstance(p, str)]
    for i, row in enumerate(d["positions"]):
        if not isinstance(row, dict) or not isinstance(row.get("stances"), dict):
            continue
        for actor in row["stances"]:
            ck.ref(doc, ("positions", i, "stances", actor), actor, actors, "actor", key=True)
        for principal in principals:
            if principal not in row["stances"]:
                ck.err(
                    doc,
                    ("positions", i, "stances"),
                    f"row '{_shown(row.get('id'))}' has no stance for principal actor "
                    f"'{_shown(principal)}'",
                )


def _issue_dates(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """The review date and precedent dates must be real calendar dates."""
    d = doc.data
    _guarded(_check_date, ck, doc, ("last_reviewed",), d["last_reviewed"])
    for i, p in enumerate(d.get("precedents") or ()):
        _guarded(_check_partial_date, ck, doc, ("precedents", i, "date"), p["date"])


def _issue_related(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Related issues must exist; an issue related to itself is a slip, not a link."""
    d = doc.data
    for j, rel_id in enumerate(d.get("related") or ()):
        if rel_id == d.get("id"):
            ck.err(doc, ("related", j), "an issue cannot be related to itself")
        else:
            ck.ref(doc, ("related", j), rel_id, issues, "issue")


_ISSUE_STEPS = (
    _issue_refs,
    _issue_sources,
    _issue_ids,
    _issue_actor_refs,
    _issue_positions,
    _issue_dates,
    _issue_related,
)


def check_issue(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Every cross-file and semantic check of one issue file."""
    for step in _ISSUE_STEPS:
        _guarded(step, ck, doc, actors, sources, issues)


def check_book(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Every cross-file check of one briefing-book manifest."""
    _guarded(_book_checks, ck, doc, actors, sources, issues)


def _book_checks(
    ck: Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """A book's date, issues, key players, sources and section ids must be valid."""
    d = doc.data
    _guarded(_check_date, ck, doc, ("date",), d["date"])
    for j, iid in enumerate(d["issues"]):
        ck.ref(doc, ("issues", j), iid, issues, "issue")
    for j, a in enumerate(d.get("key_players") or ()):
        ck.ref(doc, ("key_players", j), a, actors, "actor")
    for j, sid in enumerate(d.get("summary_sources") or ()):
        ck.ref(doc, ("summary_sources", j), sid, sources, "source")
    ck.ids_unique(doc, ("sections",), d.get("sections") or ())
    for i, s in enumerate(d.get("sections") or ()):
        _check_sources(ck, doc, ("sections", i), s, sources)
