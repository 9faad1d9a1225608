"""Build: gather and validate everything, work out what is stale, render it, then write.

Reads top to bottom like MkDocs' build command: nothing is written until every input has
loaded and validated and every stale output has rendered. Each output knows its inputs by
content hash (the YAML files it reads, the templates of its format, the tool's version and
code, the options and the file's git history; of an issue it links to, only the title it
prints), so a rebuild renders only what changed; a no-op rebuild parses no YAML, imports
neither Jinja nor WeasyPrint, and writes nothing. When only issue files changed since the
last clean build, only they are validated and only what the stale outputs need is loaded.

The machinery in the second half (keys, manifests, a fork-based worker pool with longest-
first scheduling, a progress reporter, atomic folder writes) is shared with the site build.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import io
import json
import os
import re
import stat
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from . import __version__
from .diagnostics import Diagnostic, has_errors
from .project import BRIEFS_DIR, CONFIG_NAME, discover, read_source
from .write import (
    contained,
    discard,
    link_flat,
    link_or_copy,
    manifest_json,
    out_dir_problem,
    removing,
    replace_dir,
    staging_dir,
)

if TYPE_CHECKING:
    from concurrent.futures import Future

FORMATS = {"md": ".md", "html": ".html", "pdf": ".pdf"}
MANIFEST = ".manifest.json"
STATE_DIR = ".briefgen"
STATE_FORMAT = 3
SHARED = [CONFIG_NAME, f"{BRIEFS_DIR}/actors.yaml", f"{BRIEFS_DIR}/sources.yaml"]
# Template folders each output format reads (files at the top of a template folder count for
# every format). A site template edit must not re-render every PDF.
FORMAT_TEMPLATES = {
    "md": ("md", "shared"),
    "html": ("html", "shared", "assets"),
    "pdf": ("html", "shared", "assets"),
}
# Modules that never run while a brief renders; editing them must not invalidate every PDF.
NOT_BRIEF_CODE = frozenset(
    {"cli.py", "__main__.py", "site.py", "serve.py", "diff.py", "scaffold.py", "hooks.py"}
)
_SAFE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how."""

    formats: tuple[str, ...] = ("md", "html", "pdf")
    out: Path | None = None
    page_size: str | None = None
    jobs: int = 0
    force: bool = False
    quiet: bool = False


@dataclass
class BuildReport:
    """What a build did: diagnostics, and which outputs were written, kept or removed."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    old: Path | None = None  # the replaced folder, when the caller removes it (drop=False)
    validated: bool = False

    @property
    def ok(self) -> bool:
        """True when the build had no errors."""
        return not has_errors(self.diagnostics)


# --- inputs, by content hash -----------------------------------------------------------------


def file_digests(root: Path, changed: set[str] | None = None) -> dict[str, str]:
    """Content hash of every input file, by project-relative path.

    Like git's index, a file whose inode, size, mtime and ctime are those recorded with its
    hash last time is not read again (ctime cannot be set back by hand); the record is signed
    (cache.py), so a committed one is ignored. The files whose hash is not the recorded one
    (new or edited since) are added to `changed`.
    """
    from .cache import CACHE_DIR, signed_dump, signed_load

    memo_path = root / CACHE_DIR / "files.json"
    try:
        memo = signed_load(memo_path.read_bytes())
    except OSError:
        memo = None
    memo = memo if isinstance(memo, dict) else {}
    fresh: dict[str, list[Any]] = {}
    out = {}
    for sf in discover(root):
        try:
            st = os.lstat(sf.path)
            sig = [st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns]
        except OSError:
            sig = None
        known = memo.get(sf.rel)
        if (
            sig is not None
            and stat.S_ISREG(st.st_mode)
            and isinstance(known, list)
            and len(known) == 5
            and known[:4] == sig
            and isinstance(known[4], str)
        ):
            out[sf.rel] = known[4]
            fresh[sf.rel] = known
            continue
        data, _ = read_source(root, sf.path)  # never through a link out, a device or a FIFO
        out[sf.rel] = hashlib.sha256(data).hexdigest() if data is not None else "missing"
        if changed is not None and not (isinstance(known, list) and known[-1:] == [out[sf.rel]]):
            changed.add(sf.rel)
        if sig is not None and data is not None and stat.S_ISREG(st.st_mode):
            fresh[sf.rel] = [*sig, out[sf.rel]]
    if fresh != memo:
        blob = signed_dump(fresh)
        if blob is not None:
            from .write import atomic_write

            with contextlib.suppress(OSError):  # a read-only checkout just reads every file
                atomic_write(memo_path, blob)
    return out


def template_dirs(root: Path | None) -> list[Path]:
    """Project templates first, then the built-in set (render.templates without Jinja)."""
    builtin = Path(__file__).resolve().parent.parent / "templates"
    dirs = []
    if root is not None and (root / "templates").is_dir():
        dirs.append((root / "templates").resolve())
    if builtin.is_dir() and builtin not in dirs:
        dirs.append(builtin)
    return dirs


@functools.cache
def code_digest(exclude: frozenset[str] = NOT_BRIEF_CODE) -> str:
    """One hash over the tool's version and its code (the renderer is an input too).

    Once per process: the code that runs is the code that was loaded, whatever happens to
    the files afterwards (a long-running preview server is restarted for a code change).
    """
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for p in sorted(package.rglob("*.py")):
        rel = p.relative_to(package).as_posix()
        if rel in exclude:
            continue
        h.update(rel.encode())
        h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def templates_digest(root: Path | None, folders: Iterable[str] | None = None) -> str:
    """One hash over the template and asset files in `folders` (default: all of them)."""
    wanted = set(folders) if folders is not None else None
    h = hashlib.sha256()
    for d in template_dirs(root):
        h.update(b"\x00dir")
        for p in sorted(d.rglob("*")):
            if not p.is_file():
                continue
            rel = p.relative_to(d)
            if wanted is not None and len(rel.parts) > 1 and rel.parts[0] not in wanted:
                continue
            h.update(rel.as_posix().encode() + b"\x00")
            h.update(_file_sha(p))
    return h.hexdigest()


_FILE_SHAS: dict[Path, tuple[tuple[int, ...], bytes]] = {}


def _file_sha(path: Path) -> bytes:
    """A template file's sha256, read again only when its inode, size or times changed
    (several keys of one run hash the same templates; the preview server edits them).

    A file changed in the last two seconds is always read: a second edit within one tick
    of the file system's clock would not change its times (git's "racily clean" case).
    """
    st = path.stat()
    sig = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    known = _FILE_SHAS.get(path)
    if known is not None and known[0] == sig and time.time_ns() - st.st_ctime_ns > 2 * 10**9:
        return known[1]
    digest = hashlib.sha256(path.read_bytes()).digest()
    _FILE_SHAS[path] = (sig, digest)
    return digest


def output_key(parts: dict[str, Any]) -> str:
    """The key of one output: a hash of everything its bytes depend on."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class KeyMaker:
    """Keys of many outputs sharing most of their inputs: the shared part is encoded and
    hashed once, each output's own part then (about half the cost of output_key per page)."""

    def __init__(self, shared: dict[str, Any]) -> None:
        self._hash = hashlib.sha256(json.dumps(shared, sort_keys=True).encode() + b"\x00")

    def key(self, own: dict[str, Any] | bytes) -> str:
        """The key of one output whose own inputs are `own` (or their encoding, own_json)."""
        h = self._hash.copy()
        h.update(own if isinstance(own, bytes) else own_json(own))
        return h.hexdigest()


def own_json(own: dict[str, Any]) -> bytes:
    """An output's own inputs encoded as KeyMaker hashes them (to encode once, use twice)."""
    return json.dumps(own, sort_keys=True).encode()


def read_json(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class Job:
    """One output file to produce: a target in one format, with its input key."""

    kind: str
    id: str
    fmt: str
    key: str

    @property
    def rel(self) -> str:
        """Path inside the format folder."""
        return f"{self.id}{FORMATS[self.fmt]}"


def target_deps(kind: str, ident: str, data: dict[str, Any]) -> list[str]:
    """The input files one target reads, its own first (besides config and registries).

    An issue reads the issues it links to (only their RelatedIssue fields: its key holds
    those, not their files' hashes); a book reads its issues. The renderer is handed only
    these (see `scoped`), so the list cannot silently fall short.
    """
    if kind == "issue":
        own = f"{BRIEFS_DIR}/issues/{ident}.yaml"
        return [own] + [f"{BRIEFS_DIR}/issues/{r}.yaml" for r in data.get("related", ())]
    own = f"{BRIEFS_DIR}/books/{ident}.yaml"
    return [own] + [f"{BRIEFS_DIR}/issues/{i}.yaml" for i in data.get("issues", ())]


Targets = list[tuple[str, str, list[str]]]


@dataclass(frozen=True)
class RelatedIssue:
    """All an issue's page may read of an issue in its `related` list (the templates print
    its title). Its key holds these fields of each related issue, not the related file's
    hash, so editing an issue's subtitle re-renders its own page only; `scoped` hands the
    renderer this and nothing more, so a template reaching for another field fails loudly
    (StrictUndefined) instead of leaving a page stale."""

    id: str
    title: str


PROJECTION = tuple(f.name for f in fields(RelatedIssue) if f.name != "id")
Views = dict[str, dict[str, Any]]  # issue id -> its PROJECTION fields


def views_of(corpus: Any) -> Views:
    """The PROJECTION fields of every issue of `corpus`, as an issue page may see them."""
    return {i: {f: getattr(x, f) for f in PROJECTION} for i, x in corpus.issues.items()}


def _stem(rel: str) -> str:
    return rel.rsplit("/", 1)[-1].removesuffix(".yaml")


def target_inputs(
    kind: str,
    deps: list[str],
    digests: dict[str, str],
    revisions: dict[str, list[Any]],
    views: Views,
) -> dict[str, Any]:
    """What one brief's bytes depend on among the inputs (part of every key made from it).

    The shared files and its own file (a book: its issues' files too, it prints them whole),
    its git history, and for an issue the `views` of the issues it relates to.
    """
    own = deps[0]
    files = [own] if kind == "issue" else deps
    parts: dict[str, Any] = {
        "inputs": {r: digests.get(r, "missing") for r in sorted({*SHARED, *files})},
        "history": [
            list(map(str, (r.date, r.short_hash, r.subject))) for r in revisions.get(own, [])
        ],
    }
    if kind == "issue":
        parts["related"] = [[_stem(r), views.get(_stem(r))] for r in deps[1:]]
    return parts


def plan(
    targets: Iterable[tuple[str, str, list[str]]],
    formats: Iterable[str],
    digests: dict[str, str],
    tdigests: dict[str, str],
    revisions: dict[str, list[Any]],
    page_size: str,
    code: str,
    views: Views,
) -> list[Job]:
    """A job per target and format, keyed by everything its bytes depend on.

    An issue's key holds its related issues' `views` (their PROJECTION fields), a book's the
    hashes of its issues' files (it prints them whole).
    """
    makers = {
        fmt: KeyMaker(
            {"v": __version__, "code": code, "fmt": fmt, "templates": tdigests[fmt]}
            | ({} if fmt == "md" else {"page": page_size})
        )
        for fmt in formats
    }
    jobs = []
    for kind, ident, deps in targets:
        own = own_json(target_inputs(kind, deps, digests, revisions, views))
        for fmt in formats:
            jobs.append(Job(kind, ident, fmt, makers[fmt].key(own)))
    return jobs


def _targets_from_state(state: dict[str, Any]) -> Targets | None:
    """The last build's targets, if the state file is well-formed; None otherwise."""
    raw = state.get("targets")
    if not isinstance(raw, list):
        return None
    out: Targets = []
    for item in raw:
        if not (isinstance(item, list) and len(item) == 3):
            return None
        kind, ident, deps = item
        if kind not in ("issue", "book") or not isinstance(ident, str):
            return None
        if not _SAFE_ID.match(ident) or not isinstance(deps, list) or not deps:
            return None
        if not all(isinstance(d, str) for d in deps):
            return None
        out.append((kind, ident, list(deps)))
    return out


def _views_from_state(state: dict[str, Any], targets: Targets) -> Views | None:
    """The last build's views of every issue, if well-formed and complete; None otherwise."""
    raw = state.get("views")
    if not isinstance(raw, dict):
        return None
    for kind, ident, _ in targets:
        view = raw.get(ident)
        if kind == "issue" and not (
            isinstance(view, dict)
            and sorted(view) == sorted(PROJECTION)
            and all(isinstance(v, str) or v is None for v in view.values())
        ):
            return None
    return raw


def last_build(state: dict[str, Any]) -> tuple[Targets, Views] | None:
    """The targets and views of the last (clean) build, when its state is usable here.

    The state is written only after a build whose inputs all validated, so it also says
    that its `digests` validated clean with this code.
    """
    if not (
        state.get("format") == STATE_FORMAT
        and state.get("v") == __version__
        and state.get("code") == code_digest(frozenset())  # a new rule may reject old input
        and isinstance(state.get("page_size"), str)
        and isinstance(state.get("digests"), dict)
    ):
        return None
    targets = _targets_from_state(state)
    views = _views_from_state(state, targets) if targets is not None else None
    return None if targets is None or views is None else (targets, views)


def revalidated(
    root: Path, old: dict[str, Any], digests: dict[str, str], targets: Targets, views: Views
) -> tuple[Any, Targets, Views] | None:
    """Validate only the changed issue files, when nothing but issue files changed.

    Returns a partial corpus (validate.revalidate_changed), the target list and the views
    updated for the changed issues; None when the full validation must run (some other
    file changed, a file came or went, or a changed issue has any problem at all).
    """
    if set(old) != set(digests):
        return None
    changed = [r for r in digests if old[r] != digests[r]]
    issues = f"{BRIEFS_DIR}/issues/"
    if not changed or not all(r.startswith(issues) and r.endswith(".yaml") for r in changed):
        return None
    inputs = {
        ("issue" if r.startswith(issues) else "book", _stem(r))
        for r in digests
        if r.startswith((issues, f"{BRIEFS_DIR}/books/"))
    }
    if {(kind, ident) for kind, ident, _ in targets} != inputs:
        return None  # a state that does not describe these files
    from .validate import revalidate_changed

    corpus = revalidate_changed(root, changed)
    if corpus is None:
        return None
    fresh = [
        (kind, ident, target_deps(kind, ident, {"related": corpus.issues[ident].related}))
        if kind == "issue" and ident in corpus.issues
        else (kind, ident, deps)
        for kind, ident, deps in targets
    ]
    return corpus, fresh, {**views, **views_of(corpus)}


# --- the build --------------------------------------------------------------------------------


@dataclass
class Gathered:
    """What a build reads, already hashed, validated and dated by its caller (the site).

    After an edit to issue files only, `corpus` is partial (`partial`): the registries and
    the changed issues, grown on demand (validate.load_unchanged) by whatever must render.
    """

    corpus: Any
    targets: Targets  # every brief: (kind, id, the files it reads, its own first)
    views: Views  # every issue's fields that other issue pages print (RelatedIssue)
    digests: dict[str, str]
    partial: bool
    revisions: dict[str, list[Any]] | None = None  # git history of each brief's own file

    def load(self, root: Path, issues: Iterable[str], books: Iterable[str]) -> None:
        """Make sure these issues and books are in the corpus (a partial one loads them)."""
        if self.partial and not load_missing(root, self.corpus, issues, books):
            raise RuntimeError("an input changed during the build; run it again")

    def load_all(self, root: Path) -> None:
        """The whole corpus, for the pages that list every brief."""
        issues = [i for k, i, _ in self.targets if k == "issue"]
        self.load(root, issues, [i for k, i, _ in self.targets if k == "book"])
        self.partial = False


def load_missing(root: Path, corpus: Any, issues: Iterable[str], books: Iterable[str]) -> bool:
    """validate.load_unchanged for those of these issues and books a partial corpus lacks;
    when it lacks none, the loader is not even imported (another process may have run it)."""
    issues = [i for i in issues if i not in corpus.issues]
    books = [b for b in books if b not in corpus.books]
    if not issues and not books:
        return True
    from .validate import load_unchanged

    return load_unchanged(root, corpus, issues, books)


def build(
    root: Path,
    opts: BuildOptions,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    corpus: Any = None,
    gathered: Gathered | None = None,
) -> BuildReport:
    """Build every brief in the requested formats into `opts.out` (default build/).

    `corpus`: the project already loaded and validated; `gathered`: that and more (the
    site's inputs, hashed, validated and dated), so nothing is done twice.
    """
    from .history import revisions as git_revisions

    out = out or sys.stdout
    err = err or sys.stderr
    root = root.resolve()
    report = BuildReport()
    problem = out_dir_problem(root, opts.out or root / "build", (*opts.formats, STATE_DIR))
    if problem:  # checked before anything is read from or written to the output folder
        report.diagnostics.append(Diagnostic("--out", 1, 1, problem))
        return report
    out_dir = (opts.out or root / "build").resolve()
    state_path = out_dir / STATE_DIR / "state.json"

    # 1. Gather: hash every input; reuse the last validation when no input changed, and
    #    check only the changed issues when nothing but issues changed.
    state = read_json(state_path)
    page_size = opts.page_size
    target_list: Targets | None = None
    views: Views = {}
    partial = False  # corpus holds only what the stale targets need (see load_unchanged)
    if gathered is not None:
        digests, corpus, partial = gathered.digests, gathered.corpus, gathered.partial
        target_list, views = gathered.targets, gathered.views
        page_size = page_size or corpus.config.page_size
        report.validated = True
    else:
        digests = file_digests(root)
    last = None if opts.force or gathered is not None else last_build(state)
    if last is not None and state["digests"] == digests:
        target_list, views = last
        page_size = page_size or state["page_size"]
    elif last is not None and corpus is None:
        found = revalidated(root, state["digests"], digests, *last)
        if found is not None:
            corpus, target_list, views = found
            partial = report.validated = True
            page_size = page_size or corpus.config.page_size
    if target_list is None:
        if corpus is None:
            corpus, diags = _validated(root)
            report.diagnostics.extend(diags)
            report.validated = True
            if corpus is None:
                return report
        page_size = page_size or corpus.config.page_size
        target_list = targets_of(corpus)
        views = views_of(corpus)
    assert page_size is not None

    own_files = [deps[0] for _, _, deps in target_list]
    if gathered is not None and gathered.revisions is not None:
        revisions = gathered.revisions
    else:
        revisions = git_revisions(root, own_files)
    code = code_digest()
    tdigests = {fmt: templates_digest(root, FORMAT_TEMPLATES[fmt]) for fmt in opts.formats}
    jobs = plan(target_list, opts.formats, digests, tdigests, revisions, page_size, code, views)

    # 2. Decide: which outputs are stale, which can be kept, which are orphans.
    manifests = {fmt: read_manifest(out_dir / fmt) for fmt in opts.formats}
    present = {fmt: _files_in(out_dir / fmt) for fmt in opts.formats}
    todo: dict[tuple[str, str], tuple[str, ...]] = {}
    for job in jobs:
        if (
            opts.force
            or manifests[job.fmt].get(job.rel) != job.key
            or job.rel not in present[job.fmt]
        ):
            todo[(job.kind, job.id)] = (*todo.get((job.kind, job.id), ()), job.fmt)
    wanted = {(j.fmt, j.rel) for j in jobs}
    orphans = {
        fmt: sorted(n for n in manifests[fmt] if (fmt, n) not in wanted) for fmt in opts.formats
    }
    costs = state.get("costs") if isinstance(state.get("costs"), dict) else {}
    assert isinstance(costs, dict)
    if not todo and not any(orphans.values()):
        report.kept = sorted(f"{j.fmt}/{j.rel}" for j in jobs)
        if report.validated:  # inputs changed, outputs did not: the next run is a no-op
            save_state(state_path, digests, target_list, views, page_size, costs)
        if not opts.quiet:
            print(f"up to date: {len(jobs)} outputs in {_show(root, out_dir)}", file=out)
        return report

    # 3. Render everything stale, in memory, before touching the output folder.
    items = [(kind, ident, fmts) for (kind, ident), fmts in sorted(todo.items())]
    if corpus is None:
        corpus, diags = _validated(root)
        report.diagnostics.extend(diags)
        report.validated = True
        if corpus is None:
            return report
    elif partial and not load_missing(root, corpus, *needed(items, target_list)):
        full, diags = _validated(root)  # cannot happen unless a file changed meanwhile
        if full is None:
            report.diagnostics.extend(diags)
            return report
        return build(root, opts, out=out, err=err, corpus=full)
    estimate = {item: _estimate(item, costs, corpus) for item in items}  # longest first
    any_pdf = any("pdf" in fmts for _, _, fmts in items)
    set_worker_state(
        corpus=corpus, root=root, revisions=revisions, page_size=page_size, views=views
    )
    compiled_templates(root)
    prose_memo(root)
    progress = Progress(len(items), err, quiet=opts.quiet, unit="brief")
    try:
        rendered = parallel_map(
            _render_target,
            items,
            jobs=opts.jobs,
            cost=estimate.__getitem__,
            progress=lambda item: progress(f"{item[0]} {item[1]}"),
            warm=lambda: _warm(min(items, key=estimate.__getitem__), pdf=any_pdf),
            serial_warm=any_pdf,
        )
    except Exception as exc:  # a renderer failure must not leave partial output
        report.diagnostics.append(Diagnostic("build", 1, 1, f"rendering failed: {exc}"))
        return report
    finally:
        progress.close()
        set_worker_state()
    from .markup import MEMO

    MEMO.save()  # what this process rendered with the parser (forked workers' is theirs)
    results = {(item[0], item[1]): res for item, (res, _) in zip(items, rendered, strict=True)}
    new_costs = {
        f"{k}/{i}": round(sec, 3)
        for (k, i, fmts), (_, sec) in zip(items, rendered, strict=True)
        if "pdf" in fmts
    }

    # 4. Write: per changed format, a staging folder replaces the old one in one atomic step.
    replaced: list[Path | None] = []  # the old folders, removed while the state is saved
    try:
        for fmt in opts.formats:
            fmt_jobs = [j for j in jobs if j.fmt == fmt]
            fresh = {
                j.rel: results[(j.kind, j.id)][fmt]
                for j in fmt_jobs
                if fmt in results.get((j.kind, j.id), {})
            }
            if not fresh and not orphans[fmt]:
                report.kept.extend(f"{fmt}/{j.rel}" for j in fmt_jobs)
                continue
            outcome = write_outputs(
                out_dir / fmt, [(j.rel, j.key) for j in fmt_jobs], fresh, drop=False
            )
            replaced.append(outcome.old)
            report.written.extend(f"{fmt}/{r}" for r in outcome.written)
            report.kept.extend(f"{fmt}/{r}" for r in outcome.kept)
            report.removed.extend(f"{fmt}/{r}" for r in outcome.removed)
    except BaseException:
        with removing(*replaced):
            raise
    with removing(*replaced):
        save_state(state_path, digests, target_list, views, page_size, {**costs, **new_costs})
    if not opts.quiet:
        for rel in report.written:
            print(f"wrote {_show(root, out_dir / rel)}", file=out)
        for rel in report.removed:
            print(f"removed {_show(root, out_dir / rel)}", file=out)
    return report


def needed(items: Iterable[tuple[str, str, Any]], targets: Targets) -> tuple[set[str], set[str]]:
    """The issues and books the renderer needs for `items`: each target and, for a book, its
    issues. An issue's related issues are not loaded: it sees them through their views."""
    deps_of = {(kind, ident): deps for kind, ident, deps in targets}
    issues: set[str] = set()
    books: set[str] = set()
    for kind, ident, _ in items:
        (books if kind == "book" else issues).add(ident)
        if kind == "book":
            issues.update(_stem(r) for r in deps_of[(kind, ident)][1:])
    return issues, books


def _estimate(item: tuple[str, str, tuple[str, ...]], costs: dict[str, Any], corpus: Any) -> float:
    """Seconds a target will take: last build's time, else its size (a book is its issues)."""
    kind, ident, fmts = item
    last = costs.get(f"{kind}/{ident}")
    if isinstance(last, int | float) and "pdf" in fmts:
        return float(last)
    brief = corpus.books[ident] if kind == "book" else corpus.issues[ident]
    parts = [brief, *(corpus.issues[i] for i in getattr(brief, "issues", ()))]
    size = sum(len(repr(p)) for p in parts)  # characters of content: a fair proxy for pages
    return size * (7.5e-5 if "pdf" in fmts else 2e-7)  # seconds per character, measured


def _show(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _validated(root: Path) -> tuple[Any, list[Diagnostic]]:
    from .validate import load_project

    loaded = load_project(root)
    return (loaded.corpus if loaded.ok else None), loaded.diagnostics


def targets_of(corpus: Any) -> Targets:
    """Every issue and book with the input files it reads."""
    out: Targets = []
    for iid, issue in corpus.issues.items():
        out.append(("issue", iid, target_deps("issue", iid, {"related": issue.related})))
    for bid, book in corpus.books.items():
        out.append(("book", bid, target_deps("book", bid, {"issues": book.issues})))
    return out


def scoped(corpus: Any, kind: str, ident: str, views: Views) -> Any:
    """The corpus as one target may see it: the registries, itself and its declared inputs.

    A template that reaches for any other issue fails loudly instead of producing an output
    whose key misses an input, which would make incremental builds silently wrong. An issue
    sees the issues it relates to only as RelatedIssue, made from their `views`: the fields
    its key holds (so they need not be loaded at all).
    """
    if kind == "issue":
        related = set(corpus.issues[ident].related)
        issues = {
            i: corpus.issues[i] if i == ident else RelatedIssue(i, **views[i])
            for i in sorted({ident} | related)
        }
        return replace(corpus, issues=issues, books={})
    wanted = set(corpus.books[ident].issues)
    issues = {i: x for i, x in corpus.issues.items() if i in wanted}
    return replace(corpus, issues=issues, books={ident: corpus.books[ident]})


def _render_target(item: tuple[str, str, tuple[str, ...]]) -> tuple[dict[str, bytes], float]:
    """Render one target in the requested formats (the PDF is made from the HTML)."""
    from .render import Target, render_html, render_markdown

    kind, ident, fmts = item
    started = time.perf_counter()
    st = worker_state()
    root = st["root"]
    corpus = scoped(st["corpus"], kind, ident, st["views"])
    target = Target(kind, ident)
    rel = (corpus.issues[ident] if kind == "issue" else corpus.books[ident]).rel
    revs = st["revisions"].get(rel, [])
    result: dict[str, bytes] = {}
    if "md" in fmts:
        result["md"] = render_markdown(corpus, target, root=root, revisions=revs).encode()
    if "html" in fmts or "pdf" in fmts:
        html = render_html(corpus, target, root=root, revisions=revs, page_size=st["page_size"])
        if "html" in fmts:
            result["html"] = html.encode()
        if "pdf" in fmts:
            from .render.pdf import render_pdf

            result["pdf"] = render_pdf(html, root=root)
    return result, time.perf_counter() - started


def prose_memo(root: Path) -> None:
    """Keep the HTML of Markdown fields that needed the parser in the project's cache."""
    from .cache import CACHE_DIR, DocCache
    from .markup import MEMO

    MEMO.use(root / CACHE_DIR / "prose.json" if DocCache.open(root) is not None else None)


def compiled_templates(root: Path | None) -> None:
    """Keep compiled Jinja templates between runs, as Python keeps .pyc files.

    Compiling the brief templates costs about half a second a run, more than rendering one
    brief. The compiled code goes to this user's cache folder, never into the project (a
    cache committed in a pull request would be code), keyed by each template's source hash.
    """
    import jinja2

    from .cache import user_cache_dir
    from .render.templates import environment
    from .render.templates import template_dirs as render_dirs

    folder = user_cache_dir() / "templates"
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        if folder.stat().st_uid != os.getuid() or folder.stat().st_mode & 0o022:
            return  # someone else could plant code there
    except OSError:
        return
    bcc = jinja2.FileSystemBytecodeCache(str(folder))
    dirs = tuple(render_dirs(root))
    for kind in ("html", "md"):
        env = environment(kind, dirs)
        if env.bytecode_cache is None:
            env.bytecode_cache = bcc


def _warm(item: tuple[str, str, tuple[str, ...]], pdf: bool) -> None:
    """Compile the templates once in the parent by rendering one small target without PDF."""
    kind, ident, fmts = item
    light = tuple(f for f in fmts if f != "pdf") or ("html",)
    _render_target((kind, ident, light))
    if pdf:
        warm_pdf(worker_state()["root"])


def warm_pdf(root: Path | None) -> None:
    """Import WeasyPrint and load the brief's fonts once, here, before any fork.

    Each PDF is laid out in a forked child (render.pdf's time budget), and so is each worker:
    done here, the import (~0.5 s) and the font set-up of a first layout are inherited by all
    of them instead of being paid again for every PDF.
    """
    import logging

    from .render import asset_text
    from .render.pdf import load_weasyprint

    weasyprint = load_weasyprint()

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    css = asset_text(root, "brief.css")
    sample = (
        f"<!doctype html><html lang=en><head><style>{css}</style></head><body><h1>Brief</h1>"
        "<p>Text <em>emphasis</em> <strong>strong</strong> <code>code</code> Русский.</p>"
        "<table><tr><th>A</th><td>B</td></tr></table></body></html>"
    )
    weasyprint.HTML(string=sample, base_url=None, url_fetcher=_no_fetch).render()


def _no_fetch(url: str, *args: Any, **kwargs: Any) -> Any:
    raise ValueError(f"the warm-up page fetches nothing ({url[:80]})")


def save_state(
    path: Path,
    digests: dict[str, str],
    targets: Targets,
    views: Views,
    page: str,
    costs: dict[str, Any],
) -> None:
    """Record a build whose inputs all validated: what the next build compares against."""
    from .write import atomic_write

    data = {
        "format": STATE_FORMAT,
        "code": code_digest(frozenset()),
        "v": __version__,
        "digests": digests,
        "targets": targets,
        "views": views,
        "page_size": page,
        "costs": costs,
    }
    atomic_write(path, json.dumps(data, sort_keys=True).encode())


# --- shared machinery: manifests, atomic folder writes, workers, progress ----------------------


@dataclass(frozen=True)
class Snapshot:
    """A project's inputs at one moment, gathered once per run and handed on: every file's
    hash, every brief's git history, and one key over them, the templates, the code and the
    options (a site's fingerprint). Costs no YAML parsing."""

    digests: dict[str, str]
    revisions: dict[str, list[Any]]  # brief file -> its commits, newest first
    fingerprint: str


def project_snapshot(
    root: Path,
    extra: dict[str, Any],
    on_change: Callable[[dict[str, str]], None] | None = None,
) -> Snapshot:
    """The Snapshot of the project at `root` for options `extra`.

    `on_change(digests)` is called as soon as the files are hashed when a file's content
    changed since they were last hashed (an edit, most likely), before git is asked.
    """
    from .history import revisions as git_revisions

    changed: set[str] = set()
    digests = file_digests(root, changed)
    if changed and on_change is not None:
        on_change(digests)
    own = [r for r in digests if r.startswith((f"{BRIEFS_DIR}/issues/", f"{BRIEFS_DIR}/books/"))]
    revisions = git_revisions(root, own)
    history = {
        r: [[str(x.date), str(x.short_hash), str(x.subject)] for x in revs]
        for r, revs in revisions.items()
    }
    fingerprint = output_key(
        {
            "v": __version__,
            "digests": digests,
            "code": code_digest(frozenset()),
            "templates": templates_digest(root),
            "history": history,
            "extra": extra,
        }
    )
    return Snapshot(digests, dict(revisions), fingerprint)


def site_state_path(dest: Path) -> Path:
    """The record of what the site at `dest` was last built from."""
    return dest.parent / STATE_DIR / f"{dest.name}-state.json"


def site_changes(root: Path, dest: Path, digests: dict[str, str]) -> Gathered | None:
    """The partial inputs when only issue files changed since the last site, else None."""
    state = read_json(site_state_path(dest))
    last = last_build(state)
    if last is None:
        return None
    found = revalidated(root, state["digests"], digests, *last)
    if found is None:
        return None
    corpus, target_list, views = found
    return Gathered(corpus, target_list, views, digests, True)


def validating_aside(root: Path, dest: Path, digests: dict[str, str]) -> Aside:
    """site_changes run in a forked child (the receiver has the file hashes: not sent back)."""

    def child(send: Callable[[Any], None]) -> None:
        inputs = site_changes(root, dest, digests)
        if inputs is not None:
            inputs.digests = {}
        send(inputs)

    return Aside(child)


@dataclass
class SiteCheck:
    """What checked_site found: the snapshot, the site folder when it is current, and the
    edit's validation when it was started on another core."""

    snapshot: Snapshot
    current: Path | None
    validating: Aside | None


@contextlib.contextmanager
def checked_site(
    root: Path, out: Path | None, *, pdf: bool, live: bool, jobs: int, force: bool
) -> Iterator[SiteCheck]:
    """The no-op check of `briefgen site` (project_snapshot, site_is_current), which starts
    validating an edit on another core as soon as the files are hashed.

    The site is then stale, and the child validates the changed issues while this process
    asks git, checks the site and imports the site module, Jinja and the renderers: for a
    one-issue edit they take as long, and the validators' imports leave the critical path.
    Hand `validating` to build_site; the child is waited for when the block ends.
    """
    from .write import out_dir_problem

    root = root.resolve()
    dest = (out or root / "build" / "site").resolve()
    started: list[Aside] = []

    def start(digests: dict[str, str]) -> None:
        if force or (jobs or default_jobs()) < 2:
            return
        if out_dir_problem(root, out or root / "build" / "site", ()) is None:
            started.append(validating_aside(root, dest, digests))

    try:
        snapshot = project_snapshot(root, {"pdf": pdf, "live": live}, on_change=start)
        current = None if force else site_is_current(
            root, out, pdf=pdf, live=live, jobs=jobs, snapshot=snapshot
        )  # fmt: skip
        yield SiteCheck(snapshot, current, started[0] if started else None)
    finally:
        for aside in started:
            aside.close()


def site_is_current(
    root: Path,
    out: Path | None,
    *,
    pdf: bool,
    live: bool,
    jobs: int = 0,
    snapshot: Snapshot | None = None,
) -> Path | None:
    """The site folder when the site and its downloads are up to date, else None.

    Needs neither Jinja nor the site module, so `briefgen site` can answer a no-op before
    importing them; a folder the site may not be written to is never called current.
    """
    from .write import out_dir_problem

    root = root.resolve()
    dest = (out or root / "build" / "site").resolve()
    if out_dir_problem(root, out or root / "build" / "site", ()):
        return None
    snapshot = snapshot or project_snapshot(root, {"pdf": pdf, "live": live})
    if not is_current(dest, snapshot.fingerprint):
        return None
    formats = ("md", "pdf") if pdf else ("md",)
    sink = io.StringIO()
    downloads = build(
        root,
        BuildOptions(formats=formats, out=(root / "build").resolve(), jobs=jobs, quiet=True),
        out=sink,
        err=sink,
    )
    if downloads.ok and not downloads.written and not downloads.removed:
        return dest
    return None


def fingerprint_path(dest: Path) -> Path:
    """Where the fingerprint of the last complete build of folder `dest` is kept."""
    return dest.parent / STATE_DIR / f"{dest.name}-fingerprint.json"


def is_current(dest: Path, fingerprint: str) -> bool:
    """True when `dest` was last built, completely, from exactly this fingerprint."""
    saved = read_json(fingerprint_path(dest))
    return saved.get("fingerprint") == fingerprint and (dest / MANIFEST).is_file()


def save_fingerprint(dest: Path, fingerprint: str) -> None:
    """Record that `dest` is now complete for this fingerprint."""
    from .write import atomic_write

    atomic_write(fingerprint_path(dest), json.dumps({"fingerprint": fingerprint}).encode())


def read_manifest(folder: Path) -> dict[str, str]:
    """The keys of the outputs last written into `folder`, by path inside it."""
    data = read_json(folder / MANIFEST)
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


@dataclass
class WriteOutcome:
    """Paths (inside the folder) written anew, carried over unchanged, and dropped."""

    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    old: Path | None = None  # the replaced folder, when the caller removes it (drop=False)


def write_outputs(
    dest: Path,
    outputs: Sequence[tuple[str, str]],
    fresh: dict[str, bytes],
    extra: Callable[[Path], None] | None = None,
    *,
    drop: bool = True,
) -> WriteOutcome:
    """Replace `dest` atomically: fresh bytes written, the rest hard-linked from the old folder.

    `outputs` is every (path, key) the folder should hold; files of the old folder that are not
    among them are dropped (their sources are gone). `extra` may add untracked files.

    When a few files change in a large folder (an edit), they are replaced one by one in
    place instead (write_in_place): each file still appears whole or not at all.
    """
    old = read_manifest(dest)
    wanted = {rel for rel, _ in outputs}
    orphans = sorted(set(old) - wanted)
    if (
        extra is None
        and old
        and len(fresh) + len(orphans) <= len(outputs) // IN_PLACE_SHARE
        and all(_PLAIN_REL.match(rel) and ".." not in rel for rel in [*wanted, *orphans])
    ):
        return write_in_place(dest, outputs, fresh, orphans)
    outcome = WriteOutcome()
    staged = staging_dir(dest)
    try:
        manifest = {}
        flat = []  # kept files at the top of the folder: linked in one pass below
        for rel, key in outputs:
            data = fresh.get(rel)
            if data is None and "/" not in rel and _PLAIN_REL.match(rel) and dest.is_dir():
                flat.append(rel)
            elif data is None:
                link_or_copy(dest / rel, join_checked(staged, rel))
            else:
                target = join_checked(staged, rel)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                outcome.written.append(rel)
            manifest[rel] = key
        for rel in link_flat(dest, staged, flat) if flat else ():
            link_or_copy(dest / rel, staged / rel)  # copied where linking is refused
        outcome.kept = [rel for rel, _ in outputs if rel not in fresh]
        if extra is not None:
            extra(staged)
        (staged / MANIFEST).write_text(manifest_json(manifest))
        outcome.old = replace_dir(staged, dest, drop=drop)
    except BaseException:
        discard(staged)
        raise
    outcome.removed = sorted(set(old) - set(manifest))
    return outcome


_PLAIN_REL = re.compile(r"[a-z0-9][a-z0-9_.-]*(?:/[a-z0-9][a-z0-9_.-]*)*\Z")
IN_PLACE_SHARE = 4  # in place when at most a quarter of a folder's files change or go


def write_in_place(
    dest: Path, outputs: Sequence[tuple[str, str]], fresh: dict[str, bytes], orphans: list[str]
) -> WriteOutcome:
    """Update a folder file by file: each fresh file written beside its place and renamed
    over it, orphans removed, the manifest replaced last.

    An interruption leaves every file whole (old or new); the manifest, old until the end,
    then marks the new ones stale, so the next build writes them again. A file still linked
    into a published site keeps its old bytes there: a rename never changes an inode.
    """
    outcome = WriteOutcome()
    for rel, _ in outputs:
        data = fresh.get(rel)
        if data is None:
            outcome.kept.append(rel)
        else:
            _replace_file(join_checked(dest, rel), data)
            outcome.written.append(rel)
    for rel in orphans:
        join_checked(dest, rel).unlink(missing_ok=True)
    manifest = dict(outputs)
    _replace_file(dest / MANIFEST, manifest_json(manifest).encode())
    outcome.removed = orphans
    return outcome


def _replace_file(path: Path, data: bytes) -> None:
    """Write `path` through a temporary name and one rename, with the mode write_bytes gives."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def join_checked(staged: Path, rel: str) -> Path:
    """`staged / rel`, checked: plain lower-case names skip the costly resolve of contained().

    The staging folder is new and holds only what we wrote, so no link can redirect a plain
    relative path; anything else goes through the full check.
    """
    if _PLAIN_REL.match(rel) and ".." not in rel:
        return staged / rel
    return contained(staged, rel)


@dataclass(frozen=True)
class PageSpec:
    """One page of a folder of outputs: where it goes, its input key, what renders it."""

    rel: str
    key: str
    item: Any  # handed to the render function; must be picklable (ids, not objects)


@dataclass
class Pages:
    """The outcome of render_pages: the pages rendered now, and a digest of every page's extra.

    Only the extras of pages rendered now are held: a kept page's extra is known by its
    digest alone, so the record stays small however large the extras (a site's search
    sections are megabytes) and a one-page change reads and writes kilobytes.
    """

    fresh: dict[str, bytes] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)  # written by the workers: sha256
    extras: dict[str, Any] = field(default_factory=dict)  # of the pages rendered now
    digests: dict[str, str] = field(default_factory=dict)  # extra_digest of every page's extra
    kept: list[str] = field(default_factory=list)
    keys: dict[str, str] = field(default_factory=dict)
    record: Path | None = None

    def remember(self) -> None:
        """Record every page's key and extra digest, once the folder holding them is written."""
        from .cache import signed_dump
        from .write import atomic_write

        blob = signed_dump({rel: [key, self.digests[rel]] for rel, key in self.keys.items()})
        if blob is not None and self.record is not None:
            atomic_write(self.record, blob)


def extra_digest(extra: Any) -> str:
    """A page extra's content hash (a string is hashed as its own UTF-8 bytes)."""
    data = extra if isinstance(extra, str) else json.dumps(extra, sort_keys=True)
    return hashlib.sha256(data.encode()).hexdigest()


def render_pages(
    dest: Path,
    specs: Sequence[PageSpec],
    fn: Callable[[Any], tuple[bytes, Any]],
    *,
    jobs: int = 0,
    force: bool = False,
    cost: Callable[[Any], float] | None = None,
    progress: Callable[[Any], None] | None = None,
    warm: Callable[[], None] | None = None,
    prepare: Callable[[list[Any]], None] | None = None,
    write_to: Path | None = None,
) -> Pages:
    """Render only the stale pages of `dest`, across cores; the rest are kept as they are.

    `fn(item)` returns a page's bytes and an extra JSON value derived from it (a site's search
    sections, say). Keys and extra digests are recorded, signed, beside `dest` by
    `Pages.remember()` once the folder is written, so a kept page needs neither a render nor
    a re-read. A page is kept when its recorded key equals its key now and the file is
    still in `dest`. With `write_to` (a staging folder), each worker writes its pages there
    itself (through a temporary name: never through a hard link) and sends back their
    sha256 (`written`) instead of their bytes (`fresh`).
    """
    from .cache import signed_load

    record = dest.parent / STATE_DIR / f"{dest.name}-pages.json"
    try:
        side = signed_load(record.read_bytes())
    except OSError:
        side = None
    side = side if isinstance(side, dict) else {}
    out = Pages(keys={s.rel: s.key for s in specs}, record=record)
    todo: list[PageSpec] = []
    present = _files_in(dest)
    for spec in specs:
        remembered = side.get(spec.rel)
        if (
            not force
            and isinstance(remembered, list)
            and len(remembered) == 2
            and remembered[0] == spec.key
            and isinstance(remembered[1], str)
            and (spec.rel in present if "/" not in spec.rel else (dest / spec.rel).is_file())
        ):
            out.digests[spec.rel] = remembered[1]
            out.kept.append(spec.rel)
        else:
            todo.append(spec)
    if prepare is not None and todo:  # e.g. load what only the stale pages read
        prepare([s.item for s in todo])
    if write_to is None:
        results = parallel_map(
            fn, [s.item for s in todo], jobs=jobs, cost=cost, progress=progress, warm=warm
        )
        for spec, (data, extra) in zip(todo, results, strict=True):
            out.fresh[spec.rel] = data
            out.extras[spec.rel] = extra
            out.digests[spec.rel] = extra_digest(extra)
        return out
    written = parallel_map(
        functools.partial(_write_rendered, fn, str(write_to)),
        [(s.rel, s.item) for s in todo],
        jobs=jobs,
        cost=None if cost is None else lambda job: cost(job[1]),
        progress=None if progress is None else lambda job: progress(job[1]),
        warm=warm,
    )
    for spec, (digest, extra) in zip(todo, written, strict=True):
        out.written[spec.rel] = digest
        out.extras[spec.rel] = extra
        out.digests[spec.rel] = extra_digest(extra)
    return out


def _write_rendered(
    fn: Callable[[Any], tuple[bytes, Any]], folder: str, job: tuple[str, Any]
) -> tuple[str, Any]:
    """One page rendered and written into `folder` (in a worker): its sha256 and extra."""
    rel, item = job
    data, extra = fn(item)
    _replace_file(join_checked(Path(folder), rel), data)
    return hashlib.sha256(data).hexdigest(), extra


def _files_in(folder: Path) -> frozenset[str]:
    """Names of the regular files directly in `folder` (one scandir instead of a stat each)."""
    try:
        with os.scandir(folder) as it:
            return frozenset(e.name for e in it if e.is_file(follow_symlinks=False))
    except OSError:
        return frozenset()


_WORKER: dict[str, Any] = {}


def set_worker_state(**state: Any) -> None:
    """What worker functions read; set before parallel_map (forked workers inherit it)."""
    _WORKER.clear()
    _WORKER.update(state)


def worker_state() -> dict[str, Any]:
    """The state set by the parent before the workers were forked."""
    return _WORKER


def default_jobs() -> int:
    """All the cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0)) or 1
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


PARALLEL_MIN_SECONDS = 0.5
T = TypeVar("T")
R = TypeVar("R")


def _run_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(item) for item in chunk]


def parallel_map(
    fn: Callable[[T], R],
    items: Sequence[T],
    *,
    jobs: int = 0,
    cost: Callable[[T], float] | None = None,
    progress: Callable[[T], None] | None = None,
    warm: Callable[[], None] | None = None,
    serial_warm: bool = False,
) -> list[R]:
    """`[fn(i) for i in items]` across forked worker processes; results in input order.

    Items start longest first (by `cost`), so one long item (a 44-page book) does not run
    alone at the end; many small items travel in chunks so the pool's overhead stays small.
    `fn` must be a module-level function; it reads `worker_state()` for shared inputs.
    Work estimated under PARALLEL_MIN_SECONDS runs here: forking would cost more than it
    saves. `warm` runs here before forking (imports, template compilation), so every worker
    inherits its result instead of repeating it; with `serial_warm` it runs before serial
    work too (for work that forks children of its own).
    """
    workers = min(jobs or default_jobs(), len(items))
    if cost is not None and sum(cost(i) for i in items) < PARALLEL_MIN_SECONDS:
        workers = 1
    if workers <= 1 and warm is not None and serial_warm:
        warm()
    if workers <= 1:
        results = []
        for item in items:
            results.append(fn(item))
            if progress:
                progress(item)
        return results
    order = sorted(range(len(items)), key=lambda i: -(cost(items[i]) if cost else 0.0))
    size = max(1, len(items) // (workers * 8)) if cost is None or len(items) > 64 else 1
    chunks = [order[i : i + size] for i in range(0, len(order), size)]
    out: list[Any] = [None] * len(items)
    from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait
    from multiprocessing import get_context

    if warm is not None:
        warm()
    ctx = get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx) as pool:
        pending: dict[Future[list[R]], list[int]] = {
            pool.submit(_run_chunk, fn, [items[i] for i in chunk]): chunk for chunk in chunks
        }
        while pending:
            done, _ = wait(pending, return_when=FIRST_COMPLETED)
            for fut in done:
                chunk = pending.pop(fut)
                for i, res in zip(chunk, fut.result(), strict=True):
                    out[i] = res
                    if progress:
                        progress(items[i])
    return out


class Aside:
    """Work run in a forked child while this process goes on (a second core's work).

    `fn(send)` runs in the child and may `send` several values, each pickled back through a
    pipe (our own child: trusted) and read here, in order, by `receive()`. An exception in
    the child is raised by the next `receive()` as a RuntimeError carrying the child's
    traceback. `close()` must be called (it is idempotent): it waits for the child, so the
    child never outlives its caller.
    """

    def __init__(self, fn: Callable[[Callable[[Any], None]], None]) -> None:
        for stream in (sys.stdout, sys.stderr):  # nothing buffered may be written twice
            with contextlib.suppress(Exception):
                stream.flush()
        read, write = os.pipe()
        pid = os.fork()
        if pid == 0:  # pragma: no cover - the child, measured by what it sends
            import pickle  # here, not before the fork: the parent's time is the one that counts
            import traceback

            os.close(read)
            code = 0
            with os.fdopen(write, "wb") as pipe:

                def send(value: Any) -> None:
                    data = pickle.dumps((True, value))
                    pipe.write(len(data).to_bytes(8, "big") + data)
                    pipe.flush()

                try:
                    fn(send)
                except BaseException as exc:
                    data = pickle.dumps((False, "".join(traceback.format_exception(exc))))
                    with contextlib.suppress(OSError):
                        pipe.write(len(data).to_bytes(8, "big") + data)
                    code = 1
                finally:
                    with contextlib.suppress(OSError):
                        pipe.flush()
            os._exit(code)
        os.close(write)
        self._pid: int | None = pid
        self._pipe = os.fdopen(read, "rb")

    def receive(self) -> Any:
        """The next value the child sends, once it has sent it."""
        import pickle

        head = self._pipe.read(8)
        data = self._pipe.read(int.from_bytes(head, "big")) if len(head) == 8 else b""
        try:
            ok, value = pickle.loads(data)
        except Exception as exc:
            raise RuntimeError("a worker process ended without an answer") from exc
        if not ok:
            raise RuntimeError(f"a worker process failed:\n{value}")
        return value

    def close(self) -> None:
        """Wait for the child (what it has not sent yet is dropped); idempotent."""
        if self._pid is not None:
            pid, self._pid = self._pid, None
            self._pipe.close()
            os.waitpid(pid, 0)


class Progress:
    """A progress bar on a terminal; one plain line per finished item elsewhere (CI logs)."""

    def __init__(self, total: int, err: TextIO, *, quiet: bool, unit: str = "item") -> None:
        self.bar: Any = None
        self.err = err
        self.quiet = quiet
        self.total = total
        self.done = 0
        self.tty = bool(getattr(err, "isatty", lambda: False)())
        if total > 1 and not quiet and self.tty:
            from tqdm import tqdm

            tqdm.monitor_interval = 0  # no monitor thread: workers are forked later
            self.bar = tqdm(total=total, file=err, unit=unit, desc="rendering", leave=False)

    def __call__(self, label: str) -> None:
        """Count one finished item."""
        self.done += 1
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet and not self.tty:
            print(f"[{self.done}/{self.total}] {label}", file=self.err)

    def close(self) -> None:
        """Remove the bar (it is transient)."""
        if self.bar is not None:
            self.bar.close()
