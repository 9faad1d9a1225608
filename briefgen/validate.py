"""Validate stage: schema checks per file, then cross-file checks (rules.py), then the Corpus.

Every problem in every file is collected before anything is returned, so an analyst sees all
of them in one run, sorted by file and line.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from . import model, rules, tradecraft
from .cache import DocCache, cached_document, fast_valid, top_positions
from .diagnostics import Diagnostic, Severity, has_errors, sort_key
from .engine.workers import context, default_jobs, parallel_map, use_context
from .load import MAX_BYTES, Document, load_file
from .project import BRIEFS_DIR, SourceFile, discover, read_source
from .rules_topic import check_figures, prose_images, source_refs
from .schema import check


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


def _authoring_warnings(doc: Document, raw: bytes) -> list[Diagnostic]:
    """authoring.warnings, imported only for a file that may hold a TODO or a tag."""
    if b"TODO" not in raw and b"<" not in raw:
        return []
    from . import authoring

    return authoring.warnings(doc, raw)


def read_input(root: Path, sf: SourceFile) -> tuple[bytes | None, Diagnostic | None]:
    """Read one input file, refusing links out of the project, non-files and huge files."""
    raw, problem = read_source(root, sf.path, MAX_BYTES)
    if problem == "missing":
        problem = (
            f"required file {sf.rel} is missing (`briefgen init --force .` writes a starter "
            "one and keeps every file you have)"
        )
    if problem is not None:
        return None, Diagnostic(sf.rel, 1, 1, problem)
    return raw, None


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
        diags.extend(doc.warnings)
        result.documents[sf.rel] = doc
        if not file_diags:
            valid[sf.rel] = (sf, doc)
        elif isinstance(doc.data, dict):
            damaged[sf.rel] = (sf, doc)
    if cache:
        cache.save()
    checker = rules.Checker(valid)
    corpus = _build_corpus(root, valid, checker, files)
    diags.extend(checker.diags)
    placed = {(d.path, d.line, d.col) for d in diags if d.severity is Severity.ERROR}
    salvaged = rules.salvage_checks(valid, damaged, _issue_stems(files))
    diags.extend(d for d in salvaged if (d.path, d.line, d.col) not in placed)  # one per place
    for sf, doc in valid.values():
        if sf.kind in ("issue", "book"):
            diags.extend(prose_images(root, doc))
    reviewed = corpus or _reviewed_only(root, valid)  # warnings are kept beside errors
    if reviewed is not None and today is not None:
        diags.extend(freshness(reviewed, result.documents, today, strict_freshness))
    if corpus is not None:  # tradecraft (#22): the analytic-standards rules, TC001...
        diags.extend(tradecraft.check(corpus, result.documents, today, strict_freshness))
    diags.sort(key=sort_key)
    _fold_consequences(diags, files, valid, result.documents)
    if not any(d.severity is Severity.ERROR for d in diags):
        result.corpus = corpus
    return result


def _fold_consequences(
    diags: list[Diagnostic],
    files: list[SourceFile],
    valid: dict[str, tuple[SourceFile, Document]],
    docs: dict[str, Document],
) -> None:
    """Say, at a broken issue file's first error, how many references to it from other
    files wait on it (they are not reported "unknown": the file exists)."""
    broken = {
        sf.path.stem: sf.rel
        for sf in files
        if sf.kind == "issue"
        and (sf.rel not in valid or valid[sf.rel][1].data.get("id") != sf.path.stem)
    }
    if not broken:
        return
    waiting = dict.fromkeys(broken, 0)
    for rel, doc in docs.items():
        data = doc.data if isinstance(doc.data, dict) else {}
        for name in ("issues", "related"):
            refs = data.get(name)
            for ref in refs if isinstance(refs, list) else ():
                if isinstance(ref, str) and ref in waiting and broken[ref] != rel:
                    waiting[ref] += 1
    for stem, n in waiting.items():
        first = next(
            (
                i
                for i, d in enumerate(diags)
                if d.path == broken[stem] and d.severity is Severity.ERROR
            ),
            None,
        )
        if n and first is not None:
            refs = "reference" if n == 1 else "references"
            d = diags[first]
            diags[first] = replace(
                d,
                message=f"{d.message}; and {n} {refs} to '{stem}' from other files cannot be "
                "checked until this is fixed",
            )


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
            ready[sf.rel].warnings = _authoring_warnings(ready[sf.rel], raw)
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
        hit.warnings = _authoring_warnings(hit, raw)
        return hit, []
    doc, problem = load_file(raw, sf.rel, lambda data: fast_valid(sf.kind, data))
    if problem is not None:
        return None, [problem]
    assert doc is not None
    doc.warnings = _authoring_warnings(doc, raw)
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
    actor_ids, source_ids = set(corpus.actors), source_refs(docs["sources"].data["sources"])
    issue_ids = {sf.path.stem for sf in files if sf.kind == "issue"}
    folded: dict[str, int] = {}
    for sf in files:
        if sf.kind in ("issue", "book"):
            key = rules.fold(sf.path.stem)
            folded[key] = folded.get(key, 0) + 1
    ck = rules.Checker({})
    for rel in sorted(changed):
        src = by_rel.get(rel)
        if src is None or src.kind != "issue":
            return None
        doc, diags = _load_one(root, src, cache)
        if doc is None or diags:
            return None
        ident = doc.data["id"]
        if ident != src.path.stem or rules.safe_id_problem(ident) or rules.page_id_problem(ident):
            return None
        if folded.get(rules.fold(ident)) != 1:
            return None
        rules.check_issue(ck, doc, actor_ids, source_ids, issue_ids)
        rules.check_marking(ck, doc, rules.marking_names(docs["config"].data))
        check_figures(ck, root, doc)
        if ck.diags or prose_images(root, doc):
            return None
        corpus.issues[ident] = _issue(doc)
        corpus.digests[rel] = doc.digest
        docs[rel] = doc
    corpus.issues = dict(sorted(corpus.issues.items()))
    return _tradecraft_clean(corpus, docs)


def _tradecraft_clean(corpus: model.Corpus, docs: dict[str, Document]) -> model.Corpus | None:
    """The corpus, or None when a tradecraft rule finds an error (TC001, TC005)."""
    return None if has_errors(tradecraft.check(corpus, docs, None, False)) else corpus


def warnings_of(root: Path, rels: Collection[str]) -> list[Diagnostic]:
    """The authoring warnings of a few files that validated (read through the cache)."""
    root = root.resolve()
    cache = DocCache.open(root)
    by_rel = {sf.rel: sf for sf in discover(root)}
    out: list[Diagnostic] = []
    for rel in sorted(rels):
        if rel in by_rel:
            doc, _ = _load_one(root, by_rel[rel], cache)
            out.extend(doc.warnings if doc is not None else ())
    return out


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
            corpus.issues[ident] = _issue(doc)
    for ident in books:
        if ident not in corpus.books:
            if (doc := load("book", ident)) is None:
                return False
            corpus.books[ident] = model.book_from(doc.data, doc.rel, doc.digest)
    corpus.issues = dict(sorted(corpus.issues.items()))
    corpus.books = dict(sorted(corpus.books.items()))
    return True


def _issue(doc: Document) -> model.Issue:
    """The model of a valid issue document, knowing where its `last_reviewed` is written."""
    return model.issue_from(doc.data, doc.rel, doc.digest, doc.locate(("last_reviewed",)))


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
    ck: rules.Checker,
    files: list[SourceFile],
) -> model.Corpus | None:
    """Cross-file checks and model construction over the schema-valid documents."""
    by_kind: rules.ByKind = {}
    for sf, doc in valid.values():
        by_kind.setdefault(sf.kind, []).append((sf, doc))
    config_docs = by_kind.get("config", [])
    config = model.config_from(config_docs[0][1].data) if config_docs else model.Config()
    corpus = model.Corpus(root=str(root), config=config)
    for sf in files:
        if sf.rel in valid:
            corpus.digests[sf.rel] = valid[sf.rel][1].digest
    rules.check_corpus(ck, by_kind, _issue_stems(files))
    for _sf, doc in by_kind.get("issue", []):
        check_figures(ck, root, doc)
    if ck.diags:
        return None
    _fill_corpus(corpus, by_kind)
    return corpus


def _reviewed_only(
    root: Path, valid: dict[str, tuple[SourceFile, Document]]
) -> model.Corpus | None:
    """A corpus of just the schema-valid issues, for the review-date warnings of a project
    that has errors elsewhere (every problem in every file is reported in one run)."""
    corpus = model.Corpus(root=str(root), config=model.Config())
    for sf, doc in valid.values():
        if sf.kind == "config":
            try:
                corpus = model.Corpus(root=str(root), config=model.config_from(doc.data))
            except (KeyError, TypeError, ValueError):
                return None
    for sf, doc in valid.values():
        if sf.kind == "issue":
            try:
                corpus.issues[doc.data["id"]] = _issue(doc)
            except (KeyError, TypeError, ValueError):
                continue
    return corpus


def _issue_stems(files: list[SourceFile]) -> set[str]:
    """The name of every issue file, whatever its content: the id it must carry."""
    return {sf.path.stem for sf in files if sf.kind == "issue"}


def _fill_corpus(corpus: model.Corpus, by_kind: rules.ByKind) -> None:
    """Models of every actor, source, issue and book; issues and books in id order."""
    for _sf, doc in by_kind.get("actors", []):
        for a in doc.data["actors"]:
            corpus.actors[a["id"]] = model.actor_from(a)
    for _sf, doc in by_kind.get("sources", []):
        for s in doc.data["sources"]:
            corpus.sources[s["id"]] = model.source_from(s)
    for _sf, doc in sorted(by_kind.get("issue", []), key=lambda x: x[1].data["id"]):
        corpus.issues[doc.data["id"]] = _issue(doc)
    for _sf, doc in sorted(by_kind.get("book", []), key=lambda x: x[1].data["id"]):
        corpus.books[doc.data["id"]] = model.book_from(doc.data, doc.rel, doc.digest)
