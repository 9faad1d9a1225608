"""Build: gather and validate everything, work out what is stale, render it, then write.

Reads top to bottom like MkDocs' build command: nothing is written until every input has
loaded and validated and every stale output has rendered. Each output knows its inputs by
content hash (the YAML files it reads, the templates, the tool version, the options and the
file's git history), so a rebuild renders only what changed; a no-op rebuild parses no YAML
and never imports WeasyPrint.
"""

from __future__ import annotations

import hashlib
import json
import os
import sys
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from multiprocessing import get_context
from pathlib import Path
from typing import Any, TextIO

from . import __version__
from .diagnostics import Diagnostic, has_errors
from .project import CONFIG_NAME, discover
from .write import contained, discard, link_or_copy, replace_dir, staging_dir

FORMATS = {"md": ".md", "html": ".html", "pdf": ".pdf"}
MANIFEST = ".manifest.json"
STATE_DIR = ".briefgen"


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
    validated: bool = False

    @property
    def ok(self) -> bool:
        """True when the build had no errors."""
        return not has_errors(self.diagnostics)


def file_digests(root: Path) -> dict[str, str]:
    """Content hash of every input file, by project-relative path."""
    out = {}
    for sf in discover(root):
        try:
            out[sf.rel] = hashlib.sha256(sf.path.read_bytes()).hexdigest()
        except OSError:
            out[sf.rel] = "missing"
    return out


def templates_digest(root: Path) -> str:
    """One hash over the tool (version and code) and every template and asset file."""
    from .render.templates import template_dirs

    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent
    for p in sorted(package.rglob("*.py")):  # the renderer's own code is an input too
        h.update(hashlib.sha256(p.read_bytes()).digest())
    for d in template_dirs(root):
        for p in sorted(d.rglob("*")):
            if p.is_file():
                h.update(p.relative_to(d).as_posix().encode())
                h.update(hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def _key(parts: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


def _read_json(path: Path) -> dict[str, Any]:
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
    """The input files one target reads (besides the shared config and registries)."""
    if kind == "issue":
        own = f"briefs/issues/{ident}.yaml"
        return [own] + [f"briefs/issues/{r}.yaml" for r in data.get("related", ())]
    own = f"briefs/books/{ident}.yaml"
    return [own] + [f"briefs/issues/{i}.yaml" for i in data.get("issues", ())]


SHARED = [CONFIG_NAME, "briefs/actors.yaml", "briefs/sources.yaml"]


def plan(
    targets: Iterable[tuple[str, str, list[str]]],
    formats: Iterable[str],
    digests: dict[str, str],
    tdigest: str,
    revisions: dict[str, list[Any]],
    page_size: str,
) -> list[Job]:
    """A job per target and format, keyed by everything its bytes depend on."""
    jobs = []
    for kind, ident, deps in targets:
        own = deps[0]
        base = {
            "v": __version__,
            "templates": tdigest,
            "inputs": {r: digests.get(r, "missing") for r in sorted({*SHARED, *deps})},
            "history": [
                list(map(str, (r.date, r.short_hash, r.subject))) for r in revisions.get(own, [])
            ],
            "page": page_size,
        }
        for fmt in formats:
            jobs.append(Job(kind, ident, fmt, _key({**base, "fmt": fmt})))
    return jobs


# --- rendering, in this process or in workers -------------------------------------------

_WORKER: dict[str, Any] = {}


def _init_worker(corpus: Any, root: Path, revisions: dict[str, Any], page_size: str) -> None:
    _WORKER.update(corpus=corpus, root=root, revisions=revisions, page_size=page_size)


def _render_target(kind: str, ident: str, fmts: tuple[str, ...]) -> dict[str, bytes]:
    """Render one target in the requested formats (HTML is shared by the PDF)."""
    from .render import Target, render_html, render_markdown

    corpus, root = _WORKER["corpus"], _WORKER["root"]
    target = Target(kind, ident)
    rel = (corpus.issues[ident] if kind == "issue" else corpus.books[ident]).rel
    revs = _WORKER["revisions"].get(rel, [])
    out: dict[str, bytes] = {}
    if "md" in fmts:
        out["md"] = render_markdown(corpus, target, root=root, revisions=revs).encode()
    if "html" in fmts or "pdf" in fmts:
        html = render_html(
            corpus, target, root=root, revisions=revs, page_size=_WORKER["page_size"]
        )
        if "html" in fmts:
            out["html"] = html.encode()
        if "pdf" in fmts:
            from .render.pdf import render_pdf

            out["pdf"] = render_pdf(html, root=root)
    return out


def _run_jobs(
    todo: dict[tuple[str, str], tuple[str, ...]],
    workers: int,
    progress: Any,
) -> dict[tuple[str, str], dict[str, bytes]]:
    results: dict[tuple[str, str], dict[str, bytes]] = {}
    items = sorted(todo.items())
    if workers <= 1 or len(items) <= 1:
        for (kind, ident), fmts in items:
            results[(kind, ident)] = _render_target(kind, ident, fmts)
            progress(kind, ident)
        return results
    ctx = get_context("fork")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(items)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(
            _WORKER["corpus"],
            _WORKER["root"],
            _WORKER["revisions"],
            _WORKER["page_size"],
        ),
    ) as pool:
        # Heaviest first (books), so the pool drains evenly.
        order = sorted(items, key=lambda it: (it[0][0] != "book", it[0]))
        futures = {pool.submit(_render_target, k, i, f): (k, i) for (k, i), f in order}
        for fut, (kind, ident) in futures.items():
            results[(kind, ident)] = fut.result()
            progress(kind, ident)
    return results


class _Progress:
    """A progress bar on a terminal; one plain line per target elsewhere (CI logs)."""

    def __init__(self, total: int, err: TextIO, quiet: bool) -> None:
        self.bar = None
        self.err = err
        self.quiet = quiet
        if total and not quiet and err.isatty() and total > 1:
            from tqdm import tqdm

            self.bar = tqdm(total=total, file=err, unit="brief", desc="rendering", leave=False)

    def __call__(self, kind: str, ident: str) -> None:
        if self.bar is not None:
            self.bar.update(1)
        elif not self.quiet:
            print(f"rendered {kind} {ident}", file=self.err)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def build(
    root: Path, opts: BuildOptions, *, out: TextIO | None = None, err: TextIO | None = None
) -> BuildReport:
    """Build every brief in the requested formats into `opts.out` (default build/)."""
    from .history import revisions as git_revisions

    out = out or sys.stdout
    err = err or sys.stderr
    root = root.resolve()
    report = BuildReport()
    out_dir = (opts.out or root / "build").resolve()
    state_path = out_dir / STATE_DIR / "state.json"

    # 1. Gather: hash every input; reuse the last validation when nothing changed.
    digests = file_digests(root)
    state = _read_json(state_path)
    corpus = None
    page_size = opts.page_size
    if state.get("digests") == digests and state.get("v") == __version__ and not opts.force:
        target_list = [(k, i, d) for k, i, d in state.get("targets", [])]
        page_size = page_size or state.get("page_size", "A4")
    else:
        corpus, diags = _validated(root)
        report.diagnostics.extend(diags)
        report.validated = True
        if corpus is None:
            return report
        page_size = page_size or corpus.config.page_size
        target_list = _targets_of(corpus)

    own_files = [deps[0] for _, _, deps in target_list]
    revisions = git_revisions(root, own_files)
    tdigest = templates_digest(root)
    assert page_size is not None
    jobs = plan(target_list, opts.formats, digests, tdigest, revisions, page_size)

    # 2. Decide: which outputs are stale, which can be kept, which are orphans.
    manifests = {fmt: _read_json(out_dir / fmt / MANIFEST) for fmt in opts.formats}
    todo: dict[tuple[str, str], tuple[str, ...]] = {}
    for job in jobs:
        have = manifests[job.fmt].get(job.rel)
        exists = (out_dir / job.fmt / job.rel).is_file()
        if opts.force or have != job.key or not exists:
            todo[(job.kind, job.id)] = (*todo.get((job.kind, job.id), ()), job.fmt)
    wanted = {(j.fmt, j.rel) for j in jobs}
    orphans = [
        (fmt, name)
        for fmt in opts.formats
        for name in sorted(manifests[fmt])
        if (fmt, name) not in wanted
    ]
    if not todo and not orphans:
        report.kept = sorted(f"{j.fmt}/{j.rel}" for j in jobs)
        if not opts.quiet:
            print(f"up to date: {len(jobs)} outputs in {_show(root, out_dir)}", file=out)
        return report

    # 3. Render everything stale, in memory, before touching the output folder.
    if corpus is None:
        corpus, diags = _validated(root)
        report.diagnostics.extend(diags)
        report.validated = True
        if corpus is None:
            return report
    _init_worker(corpus, root, revisions, page_size)
    workers = opts.jobs or os.cpu_count() or 1
    progress = _Progress(len(todo), err, opts.quiet)
    try:
        results = _run_jobs(todo, workers, progress)
    except Exception as exc:  # a renderer failure must not leave partial output
        report.diagnostics.append(Diagnostic("build", 1, 1, f"rendering failed: {exc}"))
        return report
    finally:
        progress.close()

    # 4. Write: per format, a staging folder replaces the old one in one atomic step.
    for fmt in opts.formats:
        fmt_jobs = [j for j in jobs if j.fmt == fmt]
        dest = out_dir / fmt
        staged = staging_dir(dest)
        try:
            manifest = {}
            for job in fmt_jobs:
                target = contained(staged, job.rel)
                data = results.get((job.kind, job.id), {}).get(fmt)
                if data is None:
                    link_or_copy(dest / job.rel, target)
                    report.kept.append(f"{fmt}/{job.rel}")
                else:
                    target.write_bytes(data)
                    report.written.append(f"{fmt}/{job.rel}")
                manifest[job.rel] = job.key
            (staged / MANIFEST).write_text(json.dumps(manifest, sort_keys=True, indent=1))
            replace_dir(staged, dest)
        except BaseException:
            discard(staged)
            raise
        report.removed.extend(f"{f}/{n}" for f, n in orphans if f == fmt)
    _save_state(state_path, digests, target_list, page_size)
    if not opts.quiet:
        for rel in report.written:
            print(f"wrote {_show(root, out_dir / rel)}", file=out)
        for rel in report.removed:
            print(f"removed {_show(root, out_dir / rel)}", file=out)
    return report


def _show(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def _validated(root: Path) -> tuple[Any, list[Diagnostic]]:
    from .validate import load_project

    loaded = load_project(root)
    return (loaded.corpus if loaded.ok else None), loaded.diagnostics


def _targets_of(corpus: Any) -> list[tuple[str, str, list[str]]]:
    out: list[tuple[str, str, list[str]]] = []
    for iid, issue in corpus.issues.items():
        out.append(("issue", iid, target_deps("issue", iid, {"related": issue.related})))
    for bid, book in corpus.books.items():
        out.append(("book", bid, target_deps("book", bid, {"issues": book.issues})))
    return out


def _save_state(
    path: Path, digests: dict[str, str], targets: list[tuple[str, str, list[str]]], page: str
) -> None:
    from .write import atomic_write

    data = {"v": __version__, "digests": digests, "targets": targets, "page_size": page}
    atomic_write(path, json.dumps(data, sort_keys=True).encode())
