"""The static site: every brief as a web page, plus index, actor pages, search, feed, sitemap.

`build_site` reads as its stages: gather (as the build does), answer a no-op, render the
stale pages into a staging folder (the rest are linked from the live site), bring the PDF
and Markdown downloads up to date through the build, swap the staging folder in for the old
site in one atomic step, and record what it was built from. Every link is relative, so the
site works from any sub-path and from file://.
"""

from __future__ import annotations

import io
import sys
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TextIO

from ..build import BuildOptions, BuildReport, Gathered, build, failure, gather, waiting_note
from ..diagnostics import Diagnostic, has_errors
from ..engine.keys import code_digest, output_key, templates_digest
from ..engine.state import STATE_DIR, history_json, read_store, write_sections
from ..write import MANIFEST, build_lock, remove_leftovers, removing
from .publish import MemorySite, Staging, site_dir_problem
from .settings import CSP, LIVE_PATH, SiteOptions

__all__ = ["CSP", "LIVE_PATH", "Preview", "SiteOptions", "build_site", "preview_site"]


def site_dir(root: Path, opts: SiteOptions) -> Path:
    """The folder the site is written to (default build/site)."""
    return (opts.out or root / "build" / "site").resolve()


def build_site(
    root: Path, opts: SiteOptions, *, out: TextIO | None = None, err: TextIO | None = None
) -> BuildReport:
    """Build the whole site into `opts.out` (default build/site); nothing is written on error."""
    out, err = out or sys.stdout, err or sys.stderr
    root = root.resolve()
    report = BuildReport()
    dest = site_dir(root, opts)
    problem = site_dir_problem(root, opts.out or root / "build" / "site")
    if problem:  # checked before anything is read from or written to the site folder
        report.diagnostics.append(Diagnostic("--out", 1, 1, problem))
        return report
    try:  # the lock of the folder that holds the site (build/, which its downloads share)
        with build_lock(dest.parent / STATE_DIR, waiting_note(root, err, quiet=opts.quiet)):
            remove_leftovers(dest.parent, [dest.name], [STATE_DIR])
            return _build_site(root, dest, opts, (out, err), report)
    except OSError as exc:  # a full or read-only disk: the live site stays as it was
        report.diagnostics.append(failure("site", exc, root, dest.parent))
        return report


def _build_site(
    root: Path, dest: Path, opts: SiteOptions, streams: tuple[TextIO, TextIO], report: BuildReport
) -> BuildReport:
    """The site's stages, with the lock of its folder held."""
    out, err = streams
    section = f"site:{dest.name}"
    store = read_store(dest.parent)
    state = store.get(section, {})
    downloads = BuildOptions(
        formats=("md", "pdf", "docx") if opts.pdf else ("md",),
        out=(root / "build").resolve(),
        jobs=opts.jobs,
        force=opts.force,
        quiet=opts.quiet,
        today=opts.today,  # the PDFs say what the pages say of overdue reviews
    )

    # 1. Gather, as the build does: nothing is validated when no input changed.
    gathered, diags = gather(root, store.get("validated", {}), force=opts.force)
    report.diagnostics.extend(diags)
    report.validated = gathered is None or gathered.validated
    if gathered is None:
        return report

    # 2. A no-op: the site was built from exactly these inputs and its downloads are current.
    fingerprint = site_fingerprint(root, gathered, opts)
    if not opts.force and state.get("fingerprint") == fingerprint and (dest / MANIFEST).is_file():
        sink = io.StringIO()
        quiet = replace(downloads, quiet=True)
        built = build(root, quiet, out=sink, err=sink, gathered=gathered)
        if built.ok and not built.written and not built.removed:
            if not opts.quiet:
                print(f"up to date: {_show(root, dest)}", file=out)
            return report

    # 3. Render every page into a staging folder; 4. the downloads; 5. swap it in. (The
    #    renderers are imported here, after the no-op check: Jinja and markdown-it are most
    #    of a no-op's time.)
    from .stage import link_downloads, stage_site

    staging = Staging.beside(dest)
    try:
        record = stage_site(root, opts, gathered, state, staging, report, err)
        if record is not None:
            built = build(root, downloads, out=out, err=err, gathered=gathered)
            report.diagnostics.extend(d for d in built.diagnostics if d not in report.diagnostics)
        if record is None or has_errors(report.diagnostics):
            staging.discard()
            return report
        link_downloads(staging, gathered, downloads)
        old = staging.publish()
    except BaseException:
        staging.discard()
        raise

    # 6. Record what the site was built from (the old site goes meanwhile).
    with removing(old):
        record["fingerprint"] = fingerprint
        write_sections(dest.parent, {"validated": gathered.record.to_json(), section: record})
    report.written = sorted(staging.hashes)
    if not opts.quiet:
        n_pages = sum(r.endswith(".html") for r in staging.hashes)
        print(f"wrote {_show(root, dest)}: {n_pages} pages", file=out)
    return report


@dataclass
class Preview:
    """What the preview server keeps between builds: the site's files, the project as last
    gathered (its whole corpus) and the record of the last build."""

    files: dict[str, bytes] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    gathered: Gathered | None = None
    state: dict[str, Any] = field(default_factory=dict)


PREVIEW = SiteOptions(quiet=True, pdf=False, live_reload=True)  # all cores for big changes


def preview_site(root: Path, kept: Preview, *, err: TextIO | None = None) -> BuildReport:
    """Bring the in-memory preview up to date: as build_site, with the site in memory and the
    corpus kept between builds, so an edit costs what it changes (one issue re-validated, its
    pages rendered), not the size of the project. `kept` is updated only on success. The
    downloads are made when asked for (`preview_download`)."""
    root = root.resolve()
    err = err or io.StringIO()
    report = BuildReport()
    gathered, diags = gather(
        root, _dict(kept.state.get("validated")), force=False, previous=kept.gathered
    )
    report.diagnostics.extend(diags)
    if gathered is None:
        return report
    fingerprint = site_fingerprint(root, gathered, PREVIEW)
    if kept.state.get("fingerprint") == fingerprint and kept.files:
        return report
    from .stage import stage_site

    memory = MemorySite(kept.files, live_digests=kept.hashes)
    record = stage_site(root, PREVIEW, gathered, kept.state, memory, report, err)
    if record is None or has_errors(report.diagnostics):
        return report
    record["validated"] = gathered.record.to_json()
    record["fingerprint"] = fingerprint
    kept.files, kept.hashes, kept.gathered, kept.state = (
        memory.files,
        memory.hashes,
        gathered,
        record,
    )
    report.written = sorted(memory.hashes)
    return report


def preview_download(root: Path, kept: Preview, fmt: str) -> BuildReport:
    """Bring build/<fmt> up to date for the preview, from the project it last gathered."""
    sink = io.StringIO()
    opts = BuildOptions(formats=(fmt,), out=(root / "build").resolve(), quiet=True)
    return build(root.resolve(), opts, out=sink, err=sink, gathered=kept.gathered)


def site_fingerprint(root: Path, gathered: Gathered, opts: SiteOptions) -> str:
    """One key over every input of the site: files, history, templates, code, options."""
    return output_key(
        {
            "digests": gathered.record.digests,
            "history": history_json(gathered.revisions),
            "templates": templates_digest(root),
            "code": code_digest(False),
            "options": {"pdf": opts.pdf, "live": opts.live_reload, "today": str(opts.today)},
        }
    )


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _show(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
