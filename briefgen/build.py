"""Build: gather and validate the project, plan what is stale, render it, write, save.

Reads top to bottom like MkDocs' build command: nothing is written until every input has
loaded and validated and every stale output has rendered. Each output is keyed by a hash of
everything its bytes depend on (engine.plan), so a rebuild renders only what changed, and a
build in which no input file changed since the last clean one validates nothing at all.
"""

from __future__ import annotations

import datetime as dt
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .diagnostics import Diagnostic, Severity, has_errors, sort_key
from .engine import plan as planning
from .engine.keys import code_digest, file_digests, templates_digest
from .engine.plan import FORMAT_TEMPLATES, Inputs, Job, Target, Views
from .engine.state import STATE_DIR, Validated, read_store, write_sections
from .engine.workers import Progress, context, parallel_map, use_context
from .history import revisions as git_revisions
from .project import BRIEFS_DIR, MissingTemplate
from .reviews import dated, overdue_reviews, overdue_warnings
from .write import (
    build_lock,
    files_in,
    out_dir_problem,
    read_manifest,
    remove_leftovers,
    removing,
    write_outputs,
    write_problem,
)

if TYPE_CHECKING:
    from .model import Corpus, Revision

FORMATS = planning.FORMATS


@dataclass(frozen=True)
class BuildOptions:
    """What to build and how."""

    formats: tuple[str, ...] = ("md", "html", "pdf", "docx")
    out: Path | None = None
    page_size: str | None = None
    jobs: int = 0
    force: bool = False
    quiet: bool = False
    today: dt.date | None = None  # what "overdue" is measured from (None: the clock)


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


# --- 1. gather --------------------------------------------------------------------------------


@dataclass
class Gathered:
    """The project as one run sees it: its files' hashes, its briefs, their git history, and
    the validated corpus as far as it was needed.

    `corpus` is None when no input changed since the last clean validation (nothing was
    parsed), and partial after an edit to issue files only (the registries and the changed
    issues; `ensure` loads more on demand).
    """

    record: Validated
    corpus: Corpus | None
    partial: bool
    revisions: dict[str, list[Revision]]
    validated: bool

    @property
    def targets(self) -> list[Target]:
        """Every brief with the files it reads."""
        return self.record.targets

    @property
    def views(self) -> Views:
        """What an issue page may print of each issue it links to."""
        return self.record.views

    def ensure(self, root: Path, items: Iterable[tuple[str, str]]) -> list[Diagnostic]:
        """Make sure the corpus holds what rendering `items` (kind, id) reads; the problems
        of a full validation when that had to run (an input changed meanwhile)."""
        from . import validate  # the validators are imported only when something changed

        issues, books = planning.needed(items, self.targets)
        if self.corpus is not None and (
            not self.partial or validate.load_unchanged(root, self.corpus, issues, books)
        ):
            return []
        loaded = validate.load_project(root)
        self.corpus, self.partial, self.validated = loaded.corpus, False, True
        return loaded.diagnostics

    def ensure_all(self, root: Path) -> list[Diagnostic]:
        """The whole corpus, for pages that list every brief."""
        diags = self.ensure(root, [(t.kind, t.id) for t in self.targets])
        self.partial = False
        return diags


def gather(
    root: Path,
    last: dict[str, Any],
    *,
    force: bool,
    previous: Gathered | None = None,
    today: dt.date | None = None,
) -> tuple[Gathered | None, list[Diagnostic]]:
    """Hash every input and validate what changed since the last clean validation (`last`,
    a state record): nothing when no file changed, only the changed issues when nothing else
    did, everything otherwise. None, with the problems, when the project does not validate.

    `previous`: the last run's Gathered, with its whole corpus, when the caller keeps it (the
    preview server); the changed issues are then merged into it instead of loaded anew.
    `today`: when given, a full validation also warns about briefs whose review is overdue.
    """
    last_record = previous.record if previous is not None else Validated.from_json(last)
    digests = file_digests(root, last_record.theme if last_record is not None else ())
    record = None if force else last_record
    corpus, partial = None, False
    if record is not None and record.digests != digests:
        found = _revalidated(root, record, digests)
        record, corpus, partial = (None, None, False) if found is None else (*found, True)
    if record is not None and previous is not None:
        merged = _merged(previous, corpus, last_record)
        if merged is not None:
            corpus, partial = merged, False
    diags: list[Diagnostic] = list(record.warnings) if record is not None else []
    validated = record is None or corpus is not None
    if record is None:
        from . import validate  # the validators are imported only when something changed

        loaded = validate.load_project(root, today=today)
        diags = loaded.diagnostics
        if loaded.corpus is None:
            return None, diags
        corpus = loaded.corpus
        theme_files = corpus.config.theme.files
        if set(theme_files) != set(last_record.theme if last_record is not None else ()):
            digests = file_digests(root, theme_files)  # the files the config names now
        record = Validated(
            digests,
            planning.targets_of(corpus),
            planning.views_of(corpus),
            corpus.config.page_size,
            planning.markings_of(corpus),
            planning.due_of(corpus),
            [d for d in diags if d.severity is Severity.WARNING and not dated(d)],
            tuple(theme_files),
            planning.reviewed_at_of(corpus),
        )
    own = [t.own for t in record.targets]
    gathered = Gathered(record, corpus, partial, git_revisions(root, own), validated)
    return gathered, diags


def _merged(previous: Gathered, changed: Corpus | None, last: Validated | None) -> Corpus | None:
    """The previous whole corpus with the changed issues put in; None when it does not
    describe the last clean validation (then the usual loading applies)."""
    if previous.corpus is None or previous.partial or last is None:
        return None
    if previous.record.digests != last.digests:
        return None
    if changed is None:
        return previous.corpus
    issues = dict(sorted({**previous.corpus.issues, **changed.issues}.items()))
    digests = {**previous.corpus.digests, **changed.digests}
    return replace(previous.corpus, issues=issues, digests=digests)


def _revalidated(
    root: Path, last: Validated, digests: dict[str, str]
) -> tuple[Validated, Corpus] | None:
    """Validate only the changed issue files (and the issues showing a changed figure), when
    nothing but issue and figure files changed since the last clean validation; None when the
    full validation must run."""
    from . import validate

    if set(last.digests) != set(digests):
        return None  # a file came or went
    changed = [r for r in digests if last.digests[r] != digests[r]]
    issues = f"{BRIEFS_DIR}/issues/"
    figures = {r for r in changed if r.startswith(planning.FIGURES_PREFIX)}
    if not all(r.startswith(issues) or r in figures for r in changed):
        return None
    shows = {f for t in last.targets for f in t.figures}
    if figures and not shows <= set(digests):
        return None  # a brief shows a figure by a path that is not hashed (a link?)
    # An edited figure is checked again (size, format, SVG) by validating the issues showing it.
    files = sorted(
        {r for r in changed if r.startswith(issues)}
        | {t.own for t in last.targets if t.kind == "issue" and figures & set(t.figures)}
    )
    corpus = validate.revalidate_changed(root, files)
    if corpus is None:
        return None
    shown = {
        t.id: planning.issue_target(t.id, corpus.issues[t.id]) if t.id in corpus.issues else t
        for t in last.targets
        if t.kind == "issue"
    }
    targets = [
        shown[t.id]
        if t.kind == "issue"
        else planning.book_target(t.id, [planning.stem(r) for r in t.deps[1:]], shown)
        for t in last.targets
    ]
    views = {**last.views, **planning.views_of(corpus)}
    markings = {**last.markings, **planning.markings_of(corpus)}
    due = {**last.due, **planning.due_of(corpus)}
    kept = [d for d in last.warnings if d.path not in files]
    warnings = sorted([*kept, *validate.warnings_of(root, files)], key=sort_key)
    at = {**last.reviewed_at, **planning.reviewed_at_of(corpus)}
    record = Validated(
        digests, targets, views, last.page_size, markings, due, warnings, last.theme, at
    )
    return record, corpus


# --- the build ----------------------------------------------------------------------------------


def build(
    root: Path,
    opts: BuildOptions,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    gathered: Gathered | None = None,
) -> BuildReport:
    """Build every brief in the requested formats into `opts.out` (default build/).

    `gathered`: the project already gathered by the caller (the site), so nothing is done
    twice.
    """
    out, err = out or sys.stdout, err or sys.stderr
    root = root.resolve()
    report = BuildReport()
    out_dir = (opts.out or root / "build").resolve()
    problem = out_dir_problem(root, opts.out or root / "build", (*opts.formats, STATE_DIR))
    if problem:  # checked before anything is read from or written to the output folder
        report.diagnostics.append(Diagnostic("--out", 1, 1, problem))
        return report
    try:
        lock = build_lock(out_dir / STATE_DIR, waiting_note(root, err, quiet=opts.quiet))
        with lock:
            # Under the lock no other build is running: what a killed one left is garbage.
            remove_leftovers(out_dir, FORMATS, (STATE_DIR, *FORMATS))
            return _build(root, out_dir, opts, (out, err), gathered, report)
    except OSError as exc:  # a full or read-only disk: what was there stays as it was
        report.diagnostics.append(failure("build", exc, root, out_dir, partly=bool(report.written)))
        return report


def waiting_note(root: Path, err: TextIO, *, quiet: bool) -> Callable[[Path], None]:
    """What to say while another build holds the output folder's lock."""

    def note(lock: Path) -> None:
        if not quiet:
            print(f"waiting for another briefgen run to finish ({_show(root, lock)})", file=err)

    return note


def failure(
    where: str, exc: OSError, root: Path, out_dir: Path, *, partly: bool = False
) -> Diagnostic:
    """A file that could not be written (or read), as one unlocated line:
    `build: error: cannot write build/pdf/nato.pdf: No space left on device; ...`."""
    return Diagnostic(where, 0, 0, write_problem(exc, root, out_dir, partly=partly))


def _build(
    root: Path,
    out_dir: Path,
    opts: BuildOptions,
    streams: tuple[TextIO, TextIO],
    gathered: Gathered | None,
    report: BuildReport,
) -> BuildReport:
    """The build's stages, with the output folder's lock held."""
    out, err = streams
    # 1. Gather: hash every input, validate what changed since the last clean validation.
    store = read_store(out_dir)
    if gathered is None:
        gathered, diags = gather(
            root, store.get("validated", {}), force=opts.force, today=opts.today
        )
        report.diagnostics.extend(diags)
        if gathered is None:
            report.validated = True
            return report
        report.diagnostics.extend(overdue_warnings(opts.today, gathered.record, diags))
    report.validated = gathered.validated

    # 2. Plan: a key per output; which are stale, which are orphans.
    jobs = plan_jobs(root, opts, gathered)
    recorded = {fmt: read_manifest(out_dir / fmt) for fmt in opts.formats}
    present = {fmt: files_in(out_dir / fmt) for fmt in opts.formats}
    todo = planning.stale(jobs, recorded, present) if not opts.force else _all(jobs)
    orphans = planning.orphans(jobs, recorded)
    costs = store.get("build", {}).get("costs", {})
    costs = costs if isinstance(costs, dict) else {}
    if not todo and not any(orphans.values()):
        report.kept = sorted(f"{j.fmt}/{j.rel}" for j in jobs)
        if gathered.validated:  # inputs changed, outputs did not: the next run is a no-op
            save_build_state(out_dir, gathered, costs)
        if not opts.quiet:
            print(f"up to date: {len(jobs)} outputs in {_show(root, out_dir)}", file=out)
        return report

    # 3. Render everything stale, in memory, before touching the output folder.
    items = [(kind, ident, fmts) for (kind, ident), fmts in sorted(todo.items())]
    report.diagnostics.extend(gathered.ensure(root, [(k, i) for k, i, _ in items]))
    if gathered.corpus is None or has_errors(report.diagnostics):
        return report
    report.diagnostics.extend(unprintable(root, gathered, items))
    if has_errors(report.diagnostics):
        return report
    try:
        rendered = render_stale(root, gathered, items, opts, costs, err)
    except MissingTemplate as exc:  # a project's templates/ that names a file nobody has
        report.diagnostics.append(Diagnostic("templates", 0, 0, str(exc)))
        return report
    except Exception as exc:  # a renderer failure must not leave partial output
        report.diagnostics.append(Diagnostic("build", 1, 1, f"rendering failed: {exc}"))
        return report

    # 4. Write: per changed format, the folder replaced in one atomic step; 5. save the state.
    with removing(*write_formats(out_dir, opts.formats, jobs, rendered, orphans, report)):
        new_costs = {k: round(sec, 3) for k, (_, sec) in rendered.items() if sec is not None}
        save_build_state(out_dir, gathered, {**costs, **new_costs})
    if not opts.quiet:
        for rel in report.written:
            print(f"wrote {_show(root, out_dir / rel)}", file=out)
        for rel in report.removed:
            print(f"removed {_show(root, out_dir / rel)}", file=out)
    return report


def unprintable(
    root: Path, gathered: Gathered, items: list[tuple[str, str, tuple[str, ...]]]
) -> list[Diagnostic]:
    """Fields of the briefs about to become PDFs that hold a character no font draws."""
    from .render import brief_css
    from .render.glyphs import check_files

    by_id = {(t.kind, t.id): t for t in gathered.targets}
    rels = {r for kind, ident, fmts in items if "pdf" in fmts for r in by_id[(kind, ident)].deps}
    if not rels:
        return []
    assert gathered.corpus is not None
    css = brief_css(root, gathered.corpus.config.theme)
    return check_files(root, sorted({*planning.SHARED, *rels}), css)


def plan_jobs(root: Path, opts: BuildOptions, gathered: Gathered) -> list[Job]:
    """Every output of this build with its key."""
    inputs = Inputs(
        digests=gathered.record.digests,
        revisions=gathered.revisions,
        views=gathered.views,
        templates={fmt: templates_digest(root, FORMAT_TEMPLATES[fmt]) for fmt in opts.formats},
        code=code_digest(),
        page_size=opts.page_size or gathered.record.page_size,
        overdue=overdue_reviews(opts.today, gathered.record.due),
        tools=_tools(opts.formats),
        theme=gathered.record.theme,
    )
    return planning.plan(gathered.targets, opts.formats, inputs)


def _tools(formats: tuple[str, ...]) -> dict[str, str]:
    """The version of each outside program a format runs (pandoc for DOCX): part of its key."""
    if "docx" not in formats:
        return {}
    from .tools import pandoc_version

    return {"docx": pandoc_version()}


def _all(jobs: list[Job]) -> dict[tuple[str, str], tuple[str, ...]]:
    todo: dict[tuple[str, str], tuple[str, ...]] = {}
    for j in jobs:
        todo[(j.kind, j.id)] = (*todo.get((j.kind, j.id), ()), j.fmt)
    return todo


@dataclass(frozen=True)
class RenderContext:
    """What every render worker reads (set before the workers fork)."""

    root: Path
    corpus: Corpus
    revisions: dict[str, list[Revision]]
    views: Views
    page_size: str
    targets: dict[tuple[str, str], Target]
    overdue: dict[str, str] = field(default_factory=dict)  # issue id -> review due date


Rendered = dict[str, tuple[dict[str, bytes], float | None]]  # "kind/id" -> bytes, PDF seconds


def render_stale(
    root: Path,
    gathered: Gathered,
    items: list[tuple[str, str, tuple[str, ...]]],
    opts: BuildOptions,
    costs: dict[str, Any],
    err: TextIO,
) -> Rendered:
    """Render each stale brief in the formats it needs, across cores, longest first."""
    assert gathered.corpus is not None
    if not items:
        return {}
    corpus = gathered.corpus
    estimate = {item: planning.estimate(*item, costs, corpus) for item in items}
    ctx = RenderContext(
        root,
        corpus,
        gathered.revisions,
        gathered.views,
        opts.page_size or gathered.record.page_size,
        {(t.kind, t.id): t for t in gathered.targets},
        overdue_reviews(opts.today, gathered.record.due),
    )
    progress = Progress(len(items), err, quiet=opts.quiet, unit="brief")
    try:
        with use_context(ctx):
            compiled_templates(root)
            if any("pdf" in fmts for _, _, fmts in items):
                warm_pdf(root)  # every PDF child forks from here: import WeasyPrint once
            light = min(items, key=estimate.__getitem__)
            results = parallel_map(
                render_target,
                items,
                jobs=opts.jobs,
                cost=estimate.__getitem__,
                progress=lambda item: progress(f"{item[0]} {item[1]}"),
                # compile the templates once, here, so the forked workers inherit them
                before_fork=lambda: render_target((light[0], light[1], ("md", "html"))),
            )
    finally:
        progress.close()
    return {
        f"{kind}/{ident}": (res, sec if planning.SLOW_FORMATS & set(fmts) else None)
        for (kind, ident, fmts), (res, sec) in zip(items, results, strict=True)
    }


def render_target(item: tuple[str, str, tuple[str, ...]]) -> tuple[dict[str, bytes], float]:
    """Render one brief in the requested formats (the PDF is made from the HTML, the DOCX by
    pandoc from the docx/ templates)."""
    from .render import Target as RenderTarget
    from .render import render_html, render_markdown

    kind, ident, fmts = item
    started = time.perf_counter()
    ctx = context(RenderContext)
    corpus = planning.scoped(ctx.corpus, ctx.targets[(kind, ident)], ctx.views)
    target = RenderTarget(kind, ident)
    revs = ctx.revisions.get(ctx.targets[(kind, ident)].own, [])
    result: dict[str, bytes] = {}
    if "md" in fmts:
        result["md"] = render_markdown(corpus, target, root=ctx.root, revisions=revs).encode()
    if "html" in fmts or "pdf" in fmts:
        html = render_html(
            corpus,
            target,
            root=ctx.root,
            revisions=revs,
            page_size=ctx.page_size,
            overdue={i: dt.date.fromisoformat(d) for i, d in ctx.overdue.items()},
        )
        if "html" in fmts:
            result["html"] = html.encode()
        if "pdf" in fmts:
            from .render.pdf import pdf_links, render_pdf

            result["pdf"] = render_pdf(pdf_links(html), root=ctx.root)
    if "docx" in fmts:
        from .render.docx import render_docx

        result["docx"] = render_docx(
            corpus, target, root=ctx.root, revisions=revs, page_size=ctx.page_size
        )
    return result, time.perf_counter() - started


def compiled_templates(root: Path | None) -> None:
    """Keep compiled Jinja templates between runs, as Python keeps .pyc files: compiling the
    brief templates costs more than rendering one brief (measured: about half a second)."""
    from .render.templates import use_bytecode_cache

    use_bytecode_cache(root)


def warm_pdf(root: Path | None) -> None:
    """Import WeasyPrint and lay out a small page once, here, before any fork: each PDF is
    laid out in a forked child, which then inherits the import (~0.5 s) and the fonts."""
    import logging

    from .render import asset_text
    from .render.pdf import NO_FETCH, load_weasyprint

    weasyprint = load_weasyprint()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    css = asset_text(root, "brief.css")
    sample = (
        f"<!doctype html><html lang=en><head><style>{css}</style></head><body><h1>Brief</h1>"
        "<p>Text <em>emphasis</em> <strong>strong</strong> <code>code</code> Русский.</p>"
        "<table><tr><th>A</th><td>B</td></tr></table></body></html>"
    )
    weasyprint.HTML(string=sample, base_url=None, url_fetcher=NO_FETCH).render()


def write_formats(
    out_dir: Path,
    formats: tuple[str, ...],
    jobs: list[Job],
    rendered: Rendered,
    orphans: dict[str, list[str]],
    report: BuildReport,
) -> list[Path | None]:
    """Write each format folder that changed; the replaced folders, for the caller to remove."""
    replaced: list[Path | None] = []
    try:
        for fmt in formats:
            fmt_jobs = [j for j in jobs if j.fmt == fmt]
            fresh = {
                j.rel: rendered[f"{j.kind}/{j.id}"][0][fmt]
                for j in fmt_jobs
                if fmt in rendered.get(f"{j.kind}/{j.id}", ({}, None))[0]
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
    return replaced


def save_build_state(out_dir: Path, gathered: Gathered, costs: dict[str, Any]) -> None:
    """Record a build whose inputs all validated: what the next build compares against."""
    write_sections(out_dir, {"validated": gathered.record.to_json(), "build": {"costs": costs}})


def _show(root: Path, path: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
