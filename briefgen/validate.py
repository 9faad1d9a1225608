"""Validate stage: schema checks per file, then cross-file semantic checks, then the Corpus.

Every problem in every file is collected before anything is returned, so an analyst sees all
of them in one run, sorted by file and line.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import model
from .cache import DocCache, cached_document, fast_valid, top_positions
from .diagnostics import Diagnostic, Severity, sort_key
from .engine.workers import context, default_jobs, parallel_map, use_context
from .load import MAX_BYTES, Document, load_file
from .project import BRIEFS_DIR, SourceFile, discover, read_source
from .schema import check, suggest

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


def _page_id_problem(value: str) -> str | None:
    """Why an issue or book id would clash with an id of the brief's own page, or None."""
    if value in PAGE_IDS or value.startswith(PAGE_ID_PREFIXES):
        return f"id '{value}' would clash with the brief page's own anchors; choose another"
    return None


@dataclass
class Loaded:
    """The outcome of loading a project: the corpus (if usable) and every diagnostic."""

    corpus: model.Corpus | None
    diagnostics: list[Diagnostic] = field(default_factory=list)
    documents: dict[str, Document] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        """True when there is a corpus and no error (warnings allowed)."""
        return self.corpus is not None and not any(
            d.severity is Severity.ERROR for d in self.diagnostics
        )


def read_input(root: Path, sf: SourceFile) -> tuple[bytes | None, Diagnostic | None]:
    """Read one input file, refusing links out of the project, non-files and huge files."""
    raw, problem = read_source(root, sf.path, MAX_BYTES)
    if problem == "missing":
        problem = f"required file {sf.rel} is missing"
    if problem is not None:
        return None, Diagnostic(sf.rel, 1, 1, problem)
    return raw, None


MAX_FILE_ERRORS = 50  # per file in the salvage checks: a hostile file cannot flood CI or stall


class _Enough(Exception):
    """A file has produced MAX_FILE_ERRORS problems; stop checking it."""


def _shown(value: Any) -> str:
    """A value as it may appear in a message: short, one line, never a forged log line."""
    if isinstance(value, str) and len(value) <= 64 and value.isprintable():
        return value
    text = repr(value)
    return text if len(text) <= 64 else text[:61] + "..."


class _Checker:
    """Cross-file checks over the validated data; collects diagnostics."""

    def __init__(
        self, docs: dict[str, tuple[SourceFile, Document]], limit: int | None = None
    ) -> None:
        self.docs = docs
        self.diags: list[Diagnostic] = []
        self.limit = limit
        self.counts: dict[str, int] = {}

    def err(self, doc: Document, path: tuple[Any, ...], msg: str, *, key: bool = False) -> None:
        n = self.counts.get(doc.rel, 0)
        if self.limit is not None and n >= self.limit:
            self.diags.append(
                doc.diag((), f"more than {self.limit} problems; fix these and run again")
            )
            raise _Enough
        self.counts[doc.rel] = n + 1
        self.diags.append(doc.diag(path, msg, key=key))

    def ids_unique(self, doc: Document, base: tuple[Any, ...], items: Iterable[Any]) -> None:
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
        if value in known:
            return
        shown = _shown(value)
        hint = suggest(value, sorted(known)) if shown == value else ""
        self.err(doc, path, f"unknown {what} '{shown}'{hint}", key=key)


def _safe_id(value: str) -> str | None:
    """Why an id that passed the slug pattern is still unsafe as a file name, or None."""
    if value in RESERVED_IDS:
        return f"id '{value}' is reserved for the site's own pages; choose another"
    return None


def _fold(value: str) -> str:
    return unicodedata.normalize("NFKC", value).casefold()


def load_project(
    root: Path,
    *,
    today: dt.date | None = None,
    strict_freshness: bool = False,
    use_cache: bool = True,
) -> Loaded:
    """Load, schema-check and cross-check every input; build the Corpus when all is well."""
    root = root.resolve()
    result = Loaded(corpus=None)
    cache = DocCache.open(root) if use_cache else None  # unchanged files skip parse and schema
    diags = result.diagnostics
    valid: dict[str, tuple[SourceFile, Document]] = {}
    damaged: dict[str, tuple[SourceFile, Document]] = {}
    files = discover(root)
    ready = _parse_ahead(root, files, cache)
    for sf in files:
        doc, file_diags = (ready[sf.rel], []) if sf.rel in ready else _load_one(root, sf, cache)
        diags.extend(file_diags)
        if doc is None:
            continue
        result.documents[sf.rel] = doc
        if not file_diags:
            valid[sf.rel] = (sf, doc)
        elif isinstance(doc.data, dict):
            damaged[sf.rel] = (sf, doc)
    if cache:
        cache.save()
    checker = _Checker(valid)
    corpus = _build_corpus(root, valid, checker, files)
    diags.extend(checker.diags)
    diags.extend(_salvage_checks(valid, damaged))
    if corpus is not None and today is not None:
        diags.extend(freshness(corpus, result.documents, today, strict_freshness))
    diags.sort(key=sort_key)
    if not any(d.severity is Severity.ERROR for d in diags):
        result.corpus = corpus
    return result


# A file costs ~3 ms to parse; below this many, forking a pool costs more than it saves.
PARSE_AHEAD_MIN = 160


def _parse_ahead(root: Path, files: list[SourceFile], cache: DocCache | None) -> dict[str, Any]:
    """Parse, across cores, the issues and books the cache does not hold yet.

    Each valid file comes back as its data and top-level positions, as a cache hit does
    (other positions are read again only if a later check needs one); a file with any
    problem is left to the serial pass, which reports it with exact positions. Only
    worthwhile for a cold cache.
    """
    todo: list[tuple[SourceFile, bytes]] = []
    for sf in files:
        if sf.kind not in ("issue", "book") or sf.path.suffix != ".yaml":
            continue
        raw, problem = read_input(root, sf)
        if raw is not None and problem is None and not (cache and cache.holds(sf.kind, raw)):
            todo.append((sf, raw))
    if len(todo) < PARSE_AHEAD_MIN or default_jobs() < 2:
        return {}
    with use_context(_ParseAhead(todo, cache)):
        parsed = parallel_map(_parse_valid, list(range(len(todo))), cost=lambda _: 0.003)
    ready: dict[str, Any] = {}
    for (sf, raw), got in zip(todo, parsed, strict=True):
        if got is not None:
            digest = hashlib.sha256(raw).hexdigest()
            if cache:
                cache.note_stored(sf.kind, digest)
            ready[sf.rel] = cached_document(sf.rel, got[0], digest, raw, got[1])
    return ready


@dataclass(frozen=True)
class _ParseAhead:
    """What the parse-ahead workers read: the files to parse and the document cache."""

    todo: list[tuple[SourceFile, bytes]]
    cache: DocCache | None


def _parse_valid(i: int) -> tuple[Any, dict[str, Any]] | None:
    """One file's data and top-level positions when it parses and passes the schema with no
    problem, else None (run in a worker; a valid file is stored in the document cache here)."""
    st = context(_ParseAhead)
    sf, raw = st.todo[i]
    doc, problem = load_file(raw, sf.rel)
    if problem is not None or doc is None or doc.problems or not fast_valid(sf.kind, doc.data):
        return None
    top = top_positions(doc)
    if st.cache:
        st.cache.store(sf.rel, sf.kind, doc, top)
    return doc.data, top


def _load_one(
    root: Path, sf: SourceFile, cache: DocCache | None
) -> tuple[Document | None, list[Diagnostic]]:
    """One file read, parsed (or found in the cache) and schema-checked; its problems.

    The document is None when the file could not be read or parsed at all; it is valid when
    the list is empty (valid documents are stored in the cache).
    """
    if sf.path.suffix == ".yml":
        return None, [Diagnostic(sf.rel, 1, 1, "use the .yaml extension, not .yml")]
    raw, problem = read_input(root, sf)
    if problem is not None:
        return None, [problem]
    assert raw is not None
    hit = cache.lookup(sf.rel, sf.kind, raw) if cache else None
    if hit is not None:
        return hit, []
    doc, problem = load_file(raw, sf.rel)
    if problem is not None:
        return None, [problem]
    assert doc is not None
    diags = list(doc.problems)
    diags.extend([] if fast_valid(sf.kind, doc.data) else check(doc, sf.kind))
    if not diags and cache:
        cache.store(sf.rel, sf.kind, doc)
    return doc, diags


def revalidate_changed(root: Path, changed: Collection[str]) -> model.Corpus | None:
    """Validate only the changed issue files of a project that last validated clean.

    The caller (build) has established from the last build's state that the input files are
    the same set, the code is the same, the last validation was clean and only issue files
    changed: config, registries and books are byte for byte as they were. As every issue id
    must equal its file's stem, the ids are then the stems and the registries are unchanged,
    so every unchanged file's cross-file checks would say what they said last time; only the
    changed files are checked: load, schema, id == stem, safe and page ids, case-fold
    collisions and `_check_issue` against the registries and the stems.

    Returns a partial corpus (config, actors, sources and the changed issues; add more with
    `load_unchanged`), or None on any problem at all: the caller then runs `load_project`,
    so an error is reported exactly as a full validation reports it.
    """
    root = root.resolve()
    files = discover(root)
    if any(sf.path.suffix != ".yaml" for sf in files):
        return None
    by_rel = {sf.rel: sf for sf in files}
    cache = DocCache.open(root)  # never cache.save(): it would prune the unseen files' entries
    docs: dict[str, Document] = {}
    for sf in files:
        if sf.kind in ("config", "actors", "sources"):
            doc, diags = _load_one(root, sf, cache)
            if doc is None or diags:
                return None
            docs[sf.kind] = doc
    corpus = model.Corpus(root=str(root), config=model.config_from(docs["config"].data))
    for a in docs["actors"].data["actors"]:
        corpus.actors[a["id"]] = model.actor_from(a)
    for x in docs["sources"].data["sources"]:
        corpus.sources[x["id"]] = model.source_from(x)
    actor_ids, source_ids = set(corpus.actors), set(corpus.sources)
    issue_ids = {sf.path.stem for sf in files if sf.kind == "issue"}
    folded: dict[str, int] = {}
    for sf in files:
        if sf.kind in ("issue", "book"):
            key = _fold(sf.path.stem)
            folded[key] = folded.get(key, 0) + 1
    ck = _Checker({})
    for rel in sorted(changed):
        src = by_rel.get(rel)
        if src is None or src.kind != "issue":
            return None
        doc, diags = _load_one(root, src, cache)
        if doc is None or diags:
            return None
        ident = doc.data["id"]
        if ident != src.path.stem or _safe_id(ident) or _page_id_problem(ident):
            return None
        if folded.get(_fold(ident)) != 1:
            return None
        _check_issue(ck, doc, actor_ids, source_ids, issue_ids)
        if ck.diags:
            return None
        corpus.issues[ident] = model.issue_from(doc.data, doc.rel, doc.digest)
        corpus.digests[rel] = doc.digest
    corpus.issues = dict(sorted(corpus.issues.items()))
    return corpus


def load_unchanged(
    root: Path, corpus: model.Corpus, issues: Iterable[str], books: Iterable[str]
) -> bool:
    """Add unchanged issues and books to a partial corpus from `revalidate_changed`.

    They validated clean last time and neither they nor anything they are checked against
    changed, so they are only loaded (through the document cache) and turned into models.
    False on any surprise (a file that no longer loads cleanly): validate in full instead.
    """
    root = root.resolve()
    cache = DocCache.open(root)

    def load(kind: str, ident: str) -> Document | None:
        rel = f"{BRIEFS_DIR}/{kind}s/{ident}.yaml"
        doc, diags = _load_one(root, SourceFile(kind, root / rel, rel), cache)
        if doc is None or diags or doc.data.get("id") != ident:
            return None
        corpus.digests[rel] = doc.digest
        return doc

    for ident in issues:
        if ident not in corpus.issues:
            if (doc := load("issue", ident)) is None:
                return False
            corpus.issues[ident] = model.issue_from(doc.data, doc.rel, doc.digest)
    for ident in books:
        if ident not in corpus.books:
            if (doc := load("book", ident)) is None:
                return False
            corpus.books[ident] = model.book_from(doc.data, doc.rel, doc.digest)
    corpus.issues = dict(sorted(corpus.issues.items()))
    corpus.books = dict(sorted(corpus.books.items()))
    return True


def _salvage_checks(
    valid: dict[str, tuple[SourceFile, Document]],
    damaged: dict[str, tuple[SourceFile, Document]],
) -> list[Diagnostic]:
    """Cross-file checks on files that failed the schema, so one run shows every problem.

    Such a file's shape is not guaranteed, so each check is tried defensively and skipped
    where the shape is wrong (the schema error already says why).
    """
    if not damaged:
        return []
    actors: set[str] = set()
    sources: set[str] = set()
    issues: set[str] = set()
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
    ck = _Checker(damaged, limit=MAX_FILE_ERRORS)
    for sf, doc in damaged.values():
        try:
            if sf.kind == "issue":
                _check_issue(ck, doc, actors, sources, issues)
            elif sf.kind == "book":
                _check_book(ck, doc, actors, sources, issues)
        except _Enough:
            continue
    return sorted(set(ck.diags), key=sort_key)


def freshness(
    corpus: model.Corpus, docs: dict[str, Document], today: dt.date, strict: bool
) -> list[Diagnostic]:
    """Warn (or, when strict, fail) on briefs not reviewed within the configured age."""
    out = []
    limit = corpus.config.stale_after_days
    for issue in corpus.issues.values():
        age = (today - issue.last_reviewed).days
        if age > limit:
            line, col = docs[issue.rel].locate(("last_reviewed",))
            out.append(
                Diagnostic(
                    issue.rel,
                    line,
                    col,
                    f"last reviewed {age} days ago ({issue.last_reviewed.isoformat()}); "
                    f"briefs older than {limit} days are stale",
                    Severity.ERROR if strict else Severity.WARNING,
                )
            )
    return out


def _build_corpus(
    root: Path,
    valid: dict[str, tuple[SourceFile, Document]],
    ck: _Checker,
    files: list[SourceFile],
) -> model.Corpus | None:
    """Cross-file checks and model construction over the schema-valid documents."""
    by_kind: dict[str, list[tuple[SourceFile, Document]]] = {}
    for sf, doc in valid.values():
        by_kind.setdefault(sf.kind, []).append((sf, doc))
    config_docs = by_kind.get("config", [])
    config = model.config_from(config_docs[0][1].data) if config_docs else model.Config()
    corpus = model.Corpus(root=str(root), config=config)
    for sf in files:
        if sf.rel in valid:
            corpus.digests[sf.rel] = valid[sf.rel][1].digest

    actor_ids: set[str] = set()
    source_ids: set[str] = set()
    for kind, key in (("actors", "actors"), ("sources", "sources")):
        for _sf, doc in by_kind.get(kind, []):
            ck.ids_unique(doc, (key,), doc.data[key])
            for i, item in enumerate(doc.data[key]):
                problem = _safe_id(item["id"])
                if problem:
                    ck.err(doc, (key, i, "id"), problem)
                (actor_ids if kind == "actors" else source_ids).add(item["id"])
    registries_ok = all(
        any(sf.kind == k for sf, _ in valid.values()) for k in ("actors", "sources")
    )

    # Ids of issues and books share one output namespace (build/html/<id>.html).
    names: dict[str, tuple[Document, str]] = {}
    for kind in ("issue", "book"):
        for sf, doc in by_kind.get(kind, []):
            ident = doc.data["id"]
            stem = sf.path.stem
            if ident != stem:
                ck.err(doc, ("id",), f"id '{ident}' must match the file name '{stem}.yaml'")
            problem = _safe_id(ident) or _page_id_problem(ident)
            if problem:
                ck.err(doc, ("id",), problem)
            folded = _fold(ident)
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
    issue_ids = {d.data["id"] for _, d in by_kind.get("issue", [])}

    if registries_ok:
        for _sf, doc in by_kind.get("actors", []):
            for i, a in enumerate(doc.data["actors"]):
                for j, parent in enumerate(a.get("member_of") or ()):
                    ck.ref(doc, ("actors", i, "member_of", j), parent, actor_ids, "actor")
                _check_sources(ck, doc, ("actors", i), a, source_ids)
                for j, p in enumerate(a.get("people") or ()):
                    _check_sources(ck, doc, ("actors", i, "people", j), p, source_ids)
        for _sf, doc in by_kind.get("issue", []):
            _check_issue(ck, doc, actor_ids, source_ids, issue_ids)
        for _sf, doc in by_kind.get("book", []):
            _check_book(ck, doc, actor_ids, source_ids, issue_ids)

    for _sf, doc in by_kind.get("sources", []):
        for i, s in enumerate(doc.data["sources"]):
            if s.get("date"):
                _check_partial_date(ck, doc, ("sources", i, "date"), s["date"])

    if ck.diags:
        return None
    for _sf, doc in by_kind.get("actors", []):
        for a in doc.data["actors"]:
            corpus.actors[a["id"]] = model.actor_from(a)
    for _sf, doc in by_kind.get("sources", []):
        for s in doc.data["sources"]:
            corpus.sources[s["id"]] = model.source_from(s)
    for _sf, doc in sorted(by_kind.get("issue", []), key=lambda x: x[1].data["id"]):
        corpus.issues[doc.data["id"]] = model.issue_from(doc.data, doc.rel, doc.digest)
    for _sf, doc in sorted(by_kind.get("book", []), key=lambda x: x[1].data["id"]):
        corpus.books[doc.data["id"]] = model.book_from(doc.data, doc.rel, doc.digest)
    return corpus


def _check_sources(
    ck: _Checker, doc: Document, base: tuple[Any, ...], item: dict[str, Any], known: set[str]
) -> None:
    for j, sid in enumerate(item.get("sources") or ()):
        ck.ref(doc, (*base, "sources", j), sid, known, "source")


def _check_date(ck: _Checker, doc: Document, path: tuple[Any, ...], text: str) -> None:
    try:
        dt.date.fromisoformat(text)
    except ValueError:
        ck.err(doc, path, f"'{text}' is not a real calendar date")


def _check_partial_date(ck: _Checker, doc: Document, path: tuple[Any, ...], text: str) -> None:
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
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    d = doc.data
    for j, a in enumerate(d["principals"]):
        ck.ref(doc, ("principals", j), a, actors, "actor")


def _issue_sources(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    d = doc.data
    _check_sources(ck, doc, (), d, sources)
    for name in (*_ID_LISTS, "agendas", "third_parties", "public_opinion", "talking_points"):
        for i, item in enumerate(d.get(name) or ()):
            _guarded(_check_sources, ck, doc, (name, i), item, sources)


def _issue_ids(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    for name in _ID_LISTS:
        _guarded(ck.ids_unique, doc, (name,), doc.data.get(name) or ())


def _issue_actor_refs(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    d = doc.data
    for name, field_name in _ACTOR_LISTS:
        for i, item in enumerate(d.get(name) or ()):
            if isinstance(item, dict) and isinstance(item.get(field_name), str):
                ck.ref(doc, (name, i, field_name), item[field_name], actors, "actor")
    for i, lever in enumerate(d.get("economic_levers") or ()):
        for j, target in enumerate(lever.get("targets") or ()):
            ck.ref(doc, ("economic_levers", i, "targets", j), target, actors, "actor")


def _issue_positions(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
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
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    d = doc.data
    _guarded(_check_date, ck, doc, ("last_reviewed",), d["last_reviewed"])
    for i, p in enumerate(d.get("precedents") or ()):
        _guarded(_check_partial_date, ck, doc, ("precedents", i, "date"), p["date"])


def _issue_related(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
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


def _check_issue(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Every cross-file and semantic check of one issue file."""
    for step in _ISSUE_STEPS:
        _guarded(step, ck, doc, actors, sources, issues)


def _check_book(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
    """Every cross-file check of one briefing-book manifest."""
    _guarded(_book_checks, ck, doc, actors, sources, issues)


def _book_checks(
    ck: _Checker, doc: Document, actors: set[str], sources: set[str], issues: set[str]
) -> None:
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
