"""The static site: every brief as a web page, plus index, actor pages, search, feed and sitemap.

Reads top to bottom like `build()`: load and validate everything, render the stale pages into
a staging folder (the rest are linked from the live site), bring the PDF and Markdown downloads
up to date through the build machinery (only stale ones render, so an unchanged corpus costs no
WeasyPrint time), then swap the staging folder in for the old site in one atomic step. With a
second core, validation and the Markdown downloads run there (build.Aside) while this process
imports and renders. Every link is relative, so the site works from any sub-path and file://.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import io
import json
import os
import re
import sys
import traceback
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from .build import (
    MANIFEST,
    SHARED,
    STATE_DIR,
    Aside,
    BuildOptions,
    BuildReport,
    Gathered,
    KeyMaker,
    Pages,
    PageSpec,
    Progress,
    Snapshot,
    build,
    code_digest,
    compiled_templates,
    default_jobs,
    extra_digest,
    join_checked,
    needed,
    output_key,
    parallel_map,
    project_snapshot,
    prose_memo,
    render_pages,
    save_fingerprint,
    save_state,
    set_worker_state,
    site_changes,
    site_is_current,
    site_state_path,
    target_inputs,
    targets_of,
    templates_digest,
    validating_aside,
    views_of,
    worker_state,
)
from .diagnostics import Diagnostic, has_errors
from .markup import MEMO
from .model import Actor, Corpus, Issue, Revision
from .write import (
    atomic_write,
    discard,
    keep_spare,
    link_flat,
    link_or_copy,
    manifest_json,
    mirror_links,
    out_dir_problem,
    removing,
    replace_dir,
    staging_dir,
    take_spare,
)

# Jinja, the renderers and the search index are imported where they are used: build_site
# starts validating on another core first, so their import (~30 ms) overlaps with that.
if TYPE_CHECKING:
    from .render.figures import Matrix

# What a page may load: only files of the site itself; no inline script, no other host.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'"
)
LIVE_PATH = "__briefgen/"  # served by `briefgen serve` only, never written into the site
# The figures hold links, so on the site they keep the SVG's own role (a graphics document):
# role=img would hide the links from assistive technology.
SVG_ROLE = ""
SUMMARY_CHARS = 200
KIND_NAMES = {"issue": "Issue", "book": "Briefing book"}
ACTOR_SKIP = frozenset({"from-issues"})  # an actor page's listings repeat the issue pages
BOOK_SKIP = frozenset({"chapter"})  # and a book's chapters do too
SITE_TEMPLATES = ("site", "html", "shared", "assets")  # the template folders site pages read
# Template names (prefixes) that an edit of one issue renders: its page and the search page.
BRIEF_PAGE_TEMPLATES = (
    "html/",
    "shared/",
    "site/base.",
    "site/brief.",
    "site/partials/",
    "site/search.",
)


@dataclass(frozen=True)
class SiteOptions:
    """Where the site goes and how to build its downloads."""

    out: Path | None = None
    jobs: int = 0
    force: bool = False
    quiet: bool = False
    pdf: bool = True  # the preview server makes PDFs on demand instead
    live_reload: bool = False  # add the preview's reload script (serve only)


@dataclass(frozen=True)
class SiteInfo:
    """Site-wide facts every page template reads."""

    title: str
    base_url: str
    author: str
    distribution: str
    csp: str
    live_reload: bool
    pdf: bool


@dataclass(frozen=True)
class Entry:
    """One brief as the index, feed and sitemap list it."""

    kind: str
    id: str
    title: str
    status: str
    version: str
    date: dt.date
    updated: dt.date
    summary: str
    href: str

    @property
    def date_label(self) -> str:
        """The date for people: '10 August 2025'."""
        return f"{self.date.day} {self.date.strftime('%B')} {self.date.year}"


@dataclass
class SitePages:
    """The new site's files, written into its staging folder as they render.

    Nothing is held whole in memory and nothing touches the live site: the staging folder
    replaces it in one atomic step only once every page, download and the search index exist.
    """

    staged: Path
    old: Path  # the live site, whose unchanged brief pages are hard-linked, not re-read
    hashes: dict[str, str] = field(default_factory=dict)  # site path -> sha256, the manifest
    sections: dict[str, Any] = field(default_factory=dict)  # site path -> search sections
    downloads: dict[str, str] = field(default_factory=dict)  # site path -> build output path
    briefs: Pages | None = None  # incremental brief pages; remembered once the site is written
    listing_memo: dict[str, Any] = field(default_factory=dict)  # remembered likewise
    reuse: bool = False  # staged is the site before last (take_spare): prefill before writing
    prefilled: set[str] = field(default_factory=set)  # linked up front, not yet claimed
    inputs: Gathered | None = None  # what it was built from, once validated
    replaced: Path | None = None  # the old site, once swapped out
    _made: set[Path] = field(default_factory=set)  # staging folders already created

    def add(self, rel: str, text: str | bytes) -> None:
        """Write one rendered file (bytes or text) under its site path."""
        data = text.encode() if isinstance(text, str) else text
        target = self._target(rel)
        if rel in self.prefilled:  # a link to the live site's file: never write through it
            self.prefilled.discard(rel)
            target.unlink()
        target.write_bytes(data)
        self.hashes[rel] = hashlib.sha256(data).hexdigest()

    def added(self, rel: str, digest: str) -> None:
        """Record a file a worker wrote into the staging folder itself (render_pages'
        write_to: through a temporary name, so a link from prefill was replaced, not
        written through)."""
        self.prefilled.discard(rel)
        self.hashes[rel] = digest

    def _target(self, rel: str) -> Path:
        """Where `rel` goes in the staging folder, its folder made (once per folder)."""
        target = join_checked(self.staged, rel)
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        return target

    def keep(self, rel: str, digest: str | None) -> None:
        """Carry an unchanged page over from the live site (a hard link: no read, no copy)."""
        target = self._target(rel)
        if rel in self.prefilled:
            self.prefilled.discard(rel)
        else:
            link_or_copy(self.old / rel, target)
        self.hashes[rel] = digest or hashlib.sha256(target.read_bytes()).hexdigest()

    def keep_top(self, names: list[str], digests: dict[str, str]) -> None:
        """`keep` for many pages at the top of the site, linked in one pass (link_flat)."""
        todo = [n for n in names if n not in self.prefilled]
        self.prefilled.difference_update(names)
        for name in link_flat(self.old, self.staged, todo) if todo else ():
            link_or_copy(self.old / name, self.staged / name)  # copied where linking is refused
        for name in names:
            digest = digests.get(name)
            self.hashes[name] = (
                digest or hashlib.sha256((self.staged / name).read_bytes()).hexdigest()
            )

    def prefill(self, folders: tuple[str, ...]) -> None:
        """Link every file of the live site into the staging folder up front (pages from its
        manifest, downloads from `folders`), while another core validates the edit.

        Then a kept page costs nothing, a page rendered anew replaces its link (add), a
        download is checked against the build's (link_downloads), and what the new site no
        longer has is swept away (sweep) before the swap.
        """
        names: dict[str, list[str]] = {"": []}
        for rel in _read_manifest(self.old):
            if _SITE_REL.match(rel):
                folder, _, name = rel.rpartition("/")
                names.setdefault(folder, []).append(name)
        for folder in folders:
            with contextlib.suppress(OSError), os.scandir(self.old / folder) as entries:
                names[folder] = [e.name for e in entries if _SITE_REL.match(e.name)]
        subfolders = [f for f in names if f]
        for folder, found in names.items():  # the top first: it drops stray folders
            src, dst = self.old / folder, self.staged / folder
            dst.mkdir(exist_ok=True)
            self._made.add(dst)
            # The staging folder may be the site before last (take_spare): mirrored, only
            # what the last build changed is linked again.
            failed = set(mirror_links(src, dst, found, () if folder else subfolders))
            self.prefilled.update(
                f"{folder}/{n}" if folder else n for n in found if n not in failed
            )

    def discard(self) -> None:
        """Drop the staging folder (after a failure)."""
        discard(self.staged)

    def link_downloads(self, artifacts: Path, formats: tuple[str, ...]) -> None:
        """Link each download from the build's folder, unless the one already there is it."""
        for fmt in formats:  # every download is FORMAT/NAME, in both folders alike
            names = sorted(r[len(fmt) + 1 :] for r in self.downloads if r.startswith(f"{fmt}/"))
            staged = self.staged / fmt
            staged.mkdir(exist_ok=True)
            have = _inodes(staged) if any(r.startswith(f"{fmt}/") for r in self.prefilled) else {}
            built = _inodes(artifacts / fmt) if have else {}
            todo = []
            for name in names:
                rel = f"{fmt}/{name}"
                if rel in self.prefilled:
                    self.prefilled.discard(rel)
                    if have.get(name) is not None and have.get(name) == built.get(name):
                        continue  # the same file, linked up front
                    (staged / name).unlink()
                todo.append(name)
            for name in link_flat(artifacts / fmt, staged, todo) if todo else ():
                link_or_copy(artifacts / fmt / name, staged / name)

    def sweep(self) -> None:
        """Remove what was linked up front and is not part of the new site."""
        for rel in sorted(self.prefilled):
            join_checked(self.staged, rel).unlink(missing_ok=True)
        self.prefilled.clear()


_SITE_REL = re.compile(r"(?:[a-z0-9][a-z0-9_.-]*/)?[a-z0-9][a-z0-9_.-]*\Z")


def _inodes(folder: Path) -> dict[str, int]:
    """Inode of each file directly in `folder` (one scandir: no stat per file)."""
    try:
        with os.scandir(folder) as entries:
            return {e.name: e.inode() for e in entries if e.is_file(follow_symlinks=False)}
    except OSError:
        return {}


def site_dir(root: Path, opts: SiteOptions) -> Path:
    """The folder the site is written to (default build/site)."""
    return (opts.out or root / "build" / "site").resolve()


def build_site(
    root: Path,
    opts: SiteOptions,
    *,
    out: TextIO | None = None,
    err: TextIO | None = None,
    snapshot: Snapshot | None = None,
    validating: Aside | None = None,
) -> BuildReport:
    """Build the whole site into `opts.out` (default build/site); nothing is written on error.

    `snapshot`: build.project_snapshot of this project for these options, when the caller
    has just taken it (the CLI's no-op check), so files are not hashed nor git asked twice;
    `validating`: build.validating_aside of it, when already started (build.checked_site).
    """
    out = out or sys.stdout
    err = err or sys.stderr
    root = root.resolve()
    report = BuildReport()
    dest = site_dir(root, opts)
    problem = site_dir_problem(root, opts.out or root / "build" / "site")
    if problem:  # checked before anything is read from or written to the site folder
        report.diagnostics.append(Diagnostic("--out", 1, 1, problem))
        return report

    # 0. Incremental (build.py): no input changed since the last complete site, nothing to do.
    extra = {"pdf": opts.pdf, "live": opts.live_reload}
    snapshot = snapshot or project_snapshot(root, extra)
    current = None if opts.force else site_is_current(
        root, opts.out, pdf=opts.pdf, live=opts.live_reload, jobs=opts.jobs, snapshot=snapshot
    )  # fmt: skip
    if current is not None:
        if not opts.quiet:
            print(f"up to date: {_show(root, dest)}", file=out)
        return report

    formats = ("md", "pdf") if opts.pdf else ("md",)
    artifacts = (root / "build").resolve()
    downloads = BuildOptions(
        formats=formats, out=artifacts, jobs=opts.jobs, force=opts.force, quiet=opts.quiet
    )
    # With a second core, the changed issues are validated there while this process imports
    # Jinja and the renderers; then, when the downloads are Markdown alone (a short job),
    # they are brought up to date there while the pages render here. PDFs take long and show
    # their progress, so they are built after the pages, here.
    parallel = (opts.jobs or default_jobs()) > 1
    md_aside = downloads if parallel and not opts.pdf else None
    asides: list[Aside] = []
    if validating is not None:  # started by checked_site while this module was imported
        asides.append(validating)
    elif parallel and not opts.force:
        asides.append(validating_aside(root, dest, snapshot.digests))
    run = _Run(root, opts, snapshot, dest, downloads, md_aside, asides, out, err)
    try:
        return _build_site(run)
    finally:
        for aside in asides:
            aside.close()


@dataclass
class _Run:
    """One run of build_site once the site is known to be stale: what every step reads."""

    root: Path
    opts: SiteOptions
    snapshot: Snapshot
    dest: Path
    downloads: BuildOptions  # the downloads' build
    md_aside: BuildOptions | None  # the same, when it runs on the other core
    asides: list[Aside]  # what runs on the other core
    out: TextIO
    err: TextIO


def _build_site(run: _Run) -> BuildReport:
    """build_site once the site is known to be stale."""
    from . import search  # noqa: F401 - imported, with Jinja and the renderers, while the
    from .render import asset_text  # changed issues are validated on the other core

    root, opts, snapshot, dest, out = run.root, run.opts, run.snapshot, run.dest, run.out

    asset_text.cache_clear()  # assets may have changed since the last build (serve)
    compiled_templates(root)  # compiled templates kept between runs, as for the build
    prose_memo(root)
    report = BuildReport()
    digests = snapshot.digests
    # An incremental site starts from the site before last, brought up to date by prefill.
    reuse = not opts.force and (dest / MANIFEST).is_file()
    pages = SitePages(take_spare(dest) if reuse else staging_dir(dest), dest, reuse=reuse)
    try:
        swapped = _stage_site(run, pages, report)
    except BaseException:
        pages.discard()
        raise
    if not swapped:  # errors, reported: nothing written
        pages.discard()
        return report
    assert pages.inputs is not None
    inputs = pages.inputs
    # The old site is kept for the next build to start from; when it cannot be, it goes,
    # in a thread, while what the next build compares with is saved.
    with removing(keep_spare(pages.replaced, dest)):
        if pages.briefs is not None:
            pages.briefs.remember()
        _remember_listing(dest, pages.listing_memo)
        save_state(
            site_state_path(dest),
            digests,
            inputs.targets,
            inputs.views,
            inputs.corpus.config.page_size,
            {},
        )
        save_fingerprint(dest, snapshot.fingerprint)
    report.written = sorted(pages.hashes) + sorted(
        r for r in pages.downloads if opts.pdf or not r.startswith("pdf/")
    )
    if not opts.quiet:
        n_pages = sum(r.endswith(".html") for r in pages.hashes)
        print(f"wrote {_show(root, dest)}: {n_pages} pages", file=out)
    return report


def _stage_site(run: _Run, pages: SitePages, report: BuildReport) -> bool:
    """Steps 1-4 of build_site: validate, render into the staging folder, bring the downloads
    up to date, swap the site in (the old folder left in `pages.replaced` for the caller to
    remove). False when errors (in `report`) stopped it: the caller discards the staging."""
    root, opts, snapshot, dest = run.root, run.opts, run.snapshot, run.dest
    downloads, md_aside, asides = run.downloads, run.md_aside, run.asides
    out, err = run.out, run.err
    digests = snapshot.digests

    # 1. Load and validate: when only issue files changed since the last site, only those
    #    (build.py's incremental validation); otherwise everything.
    inputs: Gathered | None = None
    if pages.reuse:  # (while the other core validates) link the live site into staging
        pages.prefill(downloads.formats)
    if asides:
        # While the other core validates: load the templates a brief page and the search
        # page use.
        from .render.templates import load_templates

        load_templates("html", root, BRIEF_PAGE_TEMPLATES)
        inputs = asides[0].receive()
        asides[0].close()
        if inputs is not None:
            inputs.digests = digests
    elif not opts.force:
        inputs = site_changes(root, dest, digests)
    if inputs is None:
        from .validate import load_project  # after the no-op check: it imports the validators

        loaded = load_project(root)
        report.diagnostics.extend(loaded.diagnostics)
        if not loaded.ok or loaded.corpus is None:
            report.validated = True
            return False
        inputs = Gathered(
            loaded.corpus, targets_of(loaded.corpus), views_of(loaded.corpus), digests, False
        )
    report.validated = True
    pages.inputs = inputs
    revisions = inputs.revisions = _revisions(root, snapshot, inputs)

    # 2. Render every page into the staging folder.
    if md_aside is not None:  # forked here, so it inherits the template set-up
        gathered = inputs
        asides.append(Aside(lambda send: send(_downloads_aside(root, md_aside, gathered))))
    try:
        render_site(inputs, root, revisions, opts, pages, err)
    except Exception as exc:  # a template error must not leave a half-written site
        report.diagnostics.append(render_failure(exc, root))
        return False

    # 3. Bring the downloads up to date (incremental: unchanged briefs are not re-rendered).
    if md_aside is not None:
        built, shown, problems, memo = asides[-1].receive()
        out.write(shown)
        err.write(problems)
        MEMO.new.update(memo)
    else:
        built = build(
            root,
            downloads,
            out=out,
            err=err,
            gathered=inputs,  # hashed, validated and dated above: not done again
        )
    MEMO.save()
    report.diagnostics.extend(d for d in built.diagnostics if d not in report.diagnostics)
    if has_errors(report.diagnostics):
        return False

    # 4. Complete the staged site with the downloads and swap it in.
    assert downloads.out is not None
    pages.link_downloads(downloads.out, downloads.formats)
    pages.sweep()
    (pages.staged / MANIFEST).write_text(manifest_json(pages.hashes) + "\n")
    pages.replaced = replace_dir(pages.staged, dest, drop=False)
    return True


def _revisions(root: Path, snapshot: Snapshot, inputs: Gathered) -> dict[str, list[Revision]]:
    """Each brief's git history, from the snapshot (which holds every brief file's)."""
    own = [deps[0] for _, _, deps in inputs.targets]
    if all(r in snapshot.revisions for r in own):
        return {r: snapshot.revisions[r] for r in own}
    from .history import revisions as git_revisions  # pragma: no cover - not expected

    return git_revisions(root, own)  # pragma: no cover


def _downloads_aside(
    root: Path, opts: BuildOptions, inputs: Gathered
) -> tuple[BuildReport, str, str, dict[str, str]]:
    """The downloads' build, run in a forked child: its report, output, errors, and the
    prose it rendered with the parser (the parent saves the memo: one writer)."""
    out, err = io.StringIO(), io.StringIO()
    MEMO.defer = True
    report = build(root, opts, out=out, err=err, gathered=inputs)
    return report, out.getvalue(), err.getvalue(), MEMO.new


def site_dir_problem(root: Path, dest: Path) -> str | None:
    """Why the site must not be written to `dest`, or None: the whole folder gets replaced."""
    problem = out_dir_problem(root, dest, ())
    if problem:
        return problem
    real = dest.resolve()
    if real.is_dir() and any(real.iterdir()) and not (real / MANIFEST).is_file():
        return f"{real} was not made by briefgen site; refusing to replace it"
    return None


_REMOTE_J2_FRAME = re.compile(r'File "([^"]+\.j2)", line (\d+)')


def render_failure(exc: BaseException, root: Path) -> Diagnostic:
    """A template failure as a located diagnostic: the template file and line when known."""
    import jinja2

    path, line = "templates", 1
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        path, line = exc.filename, exc.lineno
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith(".j2"):
                path, line = frame.filename, frame.lineno or 1
                break
        else:  # raised in a worker process: its traceback arrives as text
            frames = _REMOTE_J2_FRAME.findall(str(exc.__cause__ or ""))
            if frames:
                path, line = frames[-1][0], int(frames[-1][1])
    return Diagnostic(_show(root, Path(path)), line, 1, f"rendering failed: {exc}")


def _show(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


# --- what the pages show ---------------------------------------------------------------------

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z\"“(])")


def one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    """The first sentence of a Markdown field as plain text, for lists and the feed."""
    flat = " ".join(re.sub(r"[*_`]", "", text).split())
    first = ""
    for sentence in _SENTENCE_END.split(flat):  # a lead-in such as "Bottom line." is not enough
        first = f"{first} {sentence}".strip()
        if len(first) >= 60:
            break
    return first if len(first) <= limit else first[: limit - 1].rsplit(" ", 1)[0] + "…"


def native_lang(text: str) -> str:
    """A language tag for a native name, guessed from its script, so it is read aloud right."""
    for ch in text:
        if "\u0400" <= ch <= "\u04ff":
            return "uk" if any(c in "іїєґІЇЄҐ" for c in text) else "ru"
        if "\u4e00" <= ch <= "\u9fff":
            return "zh"
        if "\u0900" <= ch <= "\u097f":
            return "hi"
        if "\u0600" <= ch <= "\u06ff":
            return "ar"
    return ""


def _updated(date: dt.date, revs: list[Revision]) -> dt.date:
    """The later of the brief's own date and its last commit: what the feed calls an update."""
    dates = [date]
    for r in revs:
        try:
            dates.append(dt.date.fromisoformat(r.date))
        except ValueError:
            continue
    return max(dates)


def entries(corpus: Corpus, revisions: dict[str, list[Revision]]) -> list[Entry]:
    """Books then issues, each as the index, feed and sitemap describe it."""
    out = []
    for b in corpus.books.values():
        out.append(
            Entry(
                "book",
                b.id,
                b.title,
                b.status,
                b.version,
                b.date,
                _updated(b.date, revisions.get(b.rel, [])),
                one_line(b.executive_summary),
                f"{b.id}.html",
            )
        )
    for i in corpus.issues.values():
        out.append(
            Entry(
                "issue",
                i.id,
                i.title,
                i.status,
                i.version,
                i.last_reviewed,
                _updated(i.last_reviewed, revisions.get(i.rel, [])),
                one_line(i.bluf),
                f"{i.id}.html",
            )
        )
    return out


def site_matrix(issues: list[Issue]) -> Matrix:
    """The gap matrix across issues, each strip and cell linking to its own issue page."""
    from .render.figures import gap_matrix

    m = gap_matrix(issues)
    rows = []
    for issue, row in zip(issues, m.rows, strict=True):
        page = f"{issue.id}.html"
        cells = tuple(replace(c, href=f"{page}{c.href}") for c in row.cells)
        rows.append(replace(row, href=page, cells=cells))
    return replace(m, rows=tuple(rows))


@dataclass(frozen=True)
class ActorIssue:
    """What one issue says about one actor: stances, goals, notes and levers."""

    issue: Issue
    stances: list[tuple[Any, str]]
    agendas: list[Any]
    notes: list[tuple[str, Any]]
    levers: list[Any]

    @property
    def empty(self) -> bool:
        """True when the issue does not mention the actor at all."""
        return not (self.stances or self.agendas or self.notes or self.levers)


def actor_issues(corpus: Corpus, actor: Actor) -> list[ActorIssue]:
    """Every issue that mentions the actor, with what it says about it."""
    found = []
    for issue in corpus.issues.values():
        stances = [(row, s) for row in issue.positions if (s := row.stance(actor.id))]
        notes = [("Influence", n) for n in issue.third_parties if n.actor == actor.id]
        notes += [("Public opinion", n) for n in issue.public_opinion if n.actor == actor.id]
        ai = ActorIssue(
            issue=issue,
            stances=stances,
            agendas=[a for a in issue.agendas if a.actor == actor.id],
            notes=notes,
            levers=[
                e for e in issue.economic_levers if actor.id == e.holder or actor.id in e.targets
            ],
        )
        if not ai.empty or actor.id in issue.principals:
            found.append(ai)
    return found


# --- rendering --------------------------------------------------------------------------------


def _downloads(ident: str, up: str, pdf: bool) -> list[tuple[str, str, str]]:
    """(label, href, media type) of a brief's downloads, relative to the page."""
    links = [("Markdown", f"{up}md/{ident}.md", "text/markdown")]
    if pdf:
        links.insert(0, ("PDF", f"{up}pdf/{ident}.pdf", "application/pdf"))
    return links


def render_site(
    inputs: Gathered,
    root: Path,
    revisions: dict[str, list[Revision]],
    opts: SiteOptions,
    pages: SitePages,
    err: TextIO,
) -> SitePages:
    """Every file of the site except the downloads, written into `staged` as it renders."""
    from .render import asset_text
    from .render.templates import render

    corpus = inputs.corpus
    cfg = corpus.config
    base_url = cfg.base_url if cfg.base_url.endswith("/") else cfg.base_url + "/"
    site = SiteInfo(
        title=cfg.site_title,
        base_url=base_url,
        author=cfg.author,
        distribution=cfg.distribution,
        csp=CSP,
        live_reload=opts.live_reload,
        pdf=opts.pdf or opts.live_reload,
    )
    dest = site_dir(root, opts)
    link_pdf = site.pdf  # the preview server makes PDFs on request, so it links them too

    def page(name: str, up: str, current: str, **ctx: Any) -> str:
        return render(
            "html",
            name,
            root,
            site=site,
            up=up,
            current=current,
            downloads=lambda ident: _downloads(ident, up, link_pdf),
            native_lang=native_lang,
            svg_role=SVG_ROLE,
            **ctx,
        )

    # Briefs: the brief templates, wrapped in the site's layout; only stale pages render,
    # across cores, each with its search sections (see brief_pages below).
    templates = templates_digest(root, SITE_TEMPLATES)  # the brief pages' and listing's
    pages.briefs = brief_pages(inputs, root, revisions, opts, site, err, templates, pages.staged)
    old_hashes = _read_manifest(dest)
    kept = []
    for _, ident, _ in inputs.targets:
        rel = f"{ident}.html"
        digest = pages.briefs.written.pop(rel, None)
        if digest is not None:
            pages.added(rel, digest)
        else:
            kept.append(rel)
        pages.downloads[f"md/{ident}.md"] = f"md/{ident}.md"
        pages.downloads[f"pdf/{ident}.pdf"] = f"pdf/{ident}.pdf"
    pages.keep_top(kept, old_hashes)

    # The pages that list every brief (index, actor pages, 404, feed, sitemap) see only what
    # they print of each issue (a slim copy), and are kept from the last site while that,
    # hashed issue by issue, is unchanged: a partial corpus needs only the changed issues.
    memo = _read_listing_memo(dest)
    slim: dict[str, str] = {}
    if inputs.partial and isinstance(memo.get("slim"), dict):
        slim.update({k: v for k, v in memo["slim"].items() if isinstance(v, str)})
    slim.update({i: _slim_digest(x) for i, x in _listing_corpus(corpus).issues.items()})
    issue_ids = [i for k, i, _ in inputs.targets if k == "issue"]
    if any(i not in slim for i in issue_ids):
        inputs.load_all(root)
        slim = {i: _slim_digest(x) for i, x in _listing_corpus(corpus).issues.items()}
    key = output_key(
        {
            "code": code_digest(frozenset()),
            "templates": templates,
            "site": [str(v) for v in vars(site).values()],
            "issues": [[i, slim[i]] for i in issue_ids],
            "books": [[i, inputs.digests.get(d[0])] for k, i, d in inputs.targets if k == "book"],
            "shared": {r: inputs.digests.get(r) for r in SHARED},
            "history": {
                d[0]: [[r.date, r.short_hash, r.subject] for r in revisions.get(d[0], [])]
                for _, _, d in inputs.targets
            },
        }
    )
    listing_files = ["index.html", "404.html", "feed.xml", "sitemap.xml"]
    listing_files += [f"actors/{a}.html" for a in corpus.actors]
    if (
        not opts.force
        and memo.get("key") == key
        and isinstance(memo.get("sections"), dict)
        and isinstance(memo.get("titles"), dict)
        and all((dest / rel).is_file() for rel in listing_files)
    ):
        for rel in listing_files:
            pages.keep(rel, old_hashes.get(rel))
        pages.sections.update(memo["sections"])
        titles: dict[str, str] = memo["titles"]
    else:
        inputs.load_all(root)
        listing = _listing_corpus(corpus)
        _listing_pages(pages, listing, entries(listing, revisions), page, opts.jobs)
        titles = {i: x.title for i, x in corpus.issues.items()}
        titles.update({b: x.title for b, x in corpus.books.items()})
    pages.listing_memo = {"key": key, "sections": pages.sections, "slim": slim, "titles": titles}

    docs = [(f"{i}.html", titles[i], KIND_NAMES[k]) for k, i, _ in inputs.targets]
    docs += [(f"actors/{a.id}.html", a.name, "Actor") for a in corpus.actors.values()]
    pages.listing_memo["index"] = _search_pages(
        pages,
        docs,
        page,
        memo.get("index"),
        old_hashes,
        same=not opts.force and memo.get("key") == key,
    )

    css = asset_text(root, "brief.css") + "\n" + asset_text(root, "site.css")
    pages.add("assets/site.css", css)
    for name in ("search.js", "favicon.svg"):
        pages.add(f"assets/{name}", asset_text(root, name))
    return pages


def _slim_digest(issue: Issue) -> str:
    """A hash of all the listing pages print of one issue (its slim copy, whole)."""
    return hashlib.sha256(repr(issue).encode()).hexdigest()


def _listing_corpus(corpus: Corpus) -> Corpus:
    """The corpus as the listing pages see it: each issue without what they never print."""
    slim = {
        i: replace(
            issue,
            subtitle=None,
            distribution=None,
            key_judgments=(),
            analysis=(),
            precedents=(),
            scenarios=(),
            talking_points=(),
            digest="",
        )
        for i, issue in corpus.issues.items()
    }
    return replace(corpus, issues=slim, digests={})


def _listing_pages(
    pages: SitePages,
    corpus: Corpus,
    listed: list[Entry],
    page: Callable[..., str],
    jobs: int,
) -> None:
    """Index, actor pages, 404, feed and sitemap, rendered from the listing corpus, across cores.

    At hundreds of issues each actor page lists all of them: these pages are a few large jobs
    (about as costly as the index each), so they go to the worker pool like brief pages do.
    """
    items = [("index", ""), *(("actor", a) for a in corpus.actors), ("other", "")]
    # What each issue says of each actor is gathered in the workers, as each job needs it
    # (the index needs every actor's count): a scan of every issue per actor.
    set_worker_state(corpus=corpus, listed=listed, page=page, actors_in={})
    try:
        done = parallel_map(
            _listing_page,
            items,
            jobs=jobs,
            cost=lambda item: 0.02 * len(corpus.issues) / (3 if item[0] == "other" else 1),
        )
    finally:
        set_worker_state()
    for files in done:
        for rel, text, sections in files:
            if sections is not None:
                pages.sections[rel] = sections
            pages.add(rel, text)


def _listing_page(item: tuple[str, str]) -> list[tuple[str, bytes, str | None]]:
    """One listing job's files: (site path, bytes, encoded search sections or None)."""
    from .render.view import Citations, sections_of
    from .search import page_sections, section_json

    kind, ident = item
    st = worker_state()
    corpus: Corpus = st["corpus"]
    listed: list[Entry] = st["listed"]
    page: Callable[..., str] = st["page"]
    found: dict[str, list[ActorIssue]] = st["actors_in"]  # this worker's, filled as needed

    def actors_in(ids: Iterable[str]) -> dict[str, list[ActorIssue]]:
        for a in ids:
            if a not in found:
                found[a] = actor_issues(corpus, corpus.actors[a])
        return found

    if kind == "index":
        text = page(
            "site/index.html.j2",
            "",
            "home",
            books=[e for e in listed if e.kind == "book"],
            issue_entries=[e for e in listed if e.kind == "issue"],
            matrix=site_matrix(list(corpus.issues.values())),
            actors=corpus.actors,
            actors_in=actors_in(corpus.actors),
        )
        return [("index.html", text.encode(), None)]
    if kind == "actor":
        actor = corpus.actors[ident]
        text = page(
            "site/actor.html.j2",
            "../",
            "actors",
            actor=actor,
            found=actors_in([actor.id])[actor.id],
            actors=corpus.actors,
            members=[a for a in corpus.actors.values() if actor.id in a.member_of],
            books=[b for b in corpus.books.values() if actor.id in b.key_players],
            cite=Citations(corpus.sources),
            sections_of=sections_of,
        )
        sections = section_json(page_sections(text, ACTOR_SKIP))
        return [(f"actors/{ident}.html", text.encode(), sections)]
    sitemap: list[tuple[str, dt.date | None]] = [(e.href, e.updated) for e in listed]
    sitemap += [(f"actors/{a}.html", None) for a in corpus.actors]
    return [
        ("404.html", page("site/404.html.j2", "", "none").encode(), None),
        (
            "feed.xml",
            page("site/feed.xml.j2", "", "none", entries=_by_update(listed)).encode(),
            None,
        ),
        ("sitemap.xml", page("site/sitemap.xml.j2", "", "none", urls=sitemap).encode(), None),
    ]


def _search_pages(
    pages: SitePages,
    docs: list[tuple[str, str, str]],
    page: Callable[..., str],
    last: Any,
    old_hashes: dict[str, str],
    *,
    same: bool,
) -> dict[str, Any]:
    """The search index's shards and search.html, which loads them; what to remember of them.

    A shard whose pages, titles and sections' digests are all as last time (and `same`: the
    site's templates and settings too) is kept. In a shard that changed, a page rendered now
    brings its sections; a kept page's entry is sliced from the shard as last built (checked
    against its signed hash), else its live page is split again.
    """
    from .search import assemble_shard, shard_count, shard_name, shard_of

    fresh = {**(pages.briefs.extras if pages.briefs else {}), **pages.sections}
    digests = {**(pages.briefs.digests if pages.briefs else {})}
    digests.update({rel: extra_digest(s) for rel, s in pages.sections.items()})
    count = shard_count(len(docs))
    groups: list[list[tuple[str, str, str, str]]] = [[] for _ in range(count)]
    for rel, title, kind in docs:
        groups[shard_of(rel, count)].append((rel, kind, title, digests.get(rel, "")))
    before = _last_shards(last, count)
    files, remembered = [], []
    for number, group in enumerate(groups):
        if not group:
            continue
        prev = before.get(number)
        if (
            prev is not None
            and same
            and [d[:4] for d in prev["docs"]] == [list(g) for g in group]
            and old_hashes.get(prev["file"]) == prev["sha"]
            and (pages.old / prev["file"]).is_file()
        ):
            pages.keep(prev["file"], prev["sha"])
            files.append(prev["file"])
            remembered.append(prev)
            continue
        data, spans = assemble_shard(*_shard_entries(pages, group, fresh, prev))
        name = shard_name(number, data)
        pages.add(name, data)
        files.append(name)
        remembered.append(
            {
                "n": number,
                "file": name,
                "sha": pages.hashes[name],
                "docs": [[*g, *o] for g, o in zip(group, spans, strict=True)],
            }
        )
    pages.add("search.html", page("site/search.html.j2", "", "search", index_files=files))
    return {"count": count, "shards": remembered}


def _shard_entries(
    pages: SitePages,
    group: list[tuple[str, str, str, str]],
    fresh: dict[str, str],
    prev: dict[str, Any] | None,
) -> tuple[list[bytes | tuple[int, int]], bytes]:
    """A changed shard's entries (new bytes, or spans of its last build) and that last build."""
    from .search import index_part, page_sections, section_json

    spans = {d[0]: d for d in prev["docs"]} if prev else {}
    old: bytes | None = None  # the shard as last built, read (and checked) only if sliced
    entries: list[bytes | tuple[int, int]] = []
    for rel, kind, title, digest in group:
        sections = fresh.get(rel)
        if sections is None:
            span = spans.get(rel)
            if prev is not None and span is not None and span[1:4] == [kind, title, digest]:
                if old is None:
                    old = _checked(pages.old / prev["file"], prev["sha"])
                if old and span[5] <= len(old):
                    entries.append((span[4], span[5]))
                    continue
            skip = {"Issue": frozenset(), "Actor": ACTOR_SKIP}.get(kind, BOOK_SKIP)
            sections = section_json(page_sections((pages.old / rel).read_text("utf-8"), skip))
        entries.append(index_part(kind, title, rel, sections))
    return entries, old or b""


def _last_shards(last: Any, count: int) -> dict[int, dict[str, Any]]:
    """The shards the last site recorded, by number, when it had `count`; {} when unusable."""
    from .search import SHARD_NAME

    if not isinstance(last, dict) or last.get("count") != count:
        return {}
    shards = last.get("shards")
    if not isinstance(shards, list):
        return {}
    out = {}
    for shard in shards:
        docs = shard.get("docs") if isinstance(shard, dict) else None
        if not (
            isinstance(docs, list)
            and isinstance(shard.get("n"), int)
            and isinstance(shard.get("sha"), str)
            and isinstance(shard.get("file"), str)
            and SHARD_NAME.match(shard["file"])
            and all(
                isinstance(d, list)
                and len(d) == 6
                and all(isinstance(x, str) for x in d[:4])
                and all(isinstance(x, int) and x >= 0 for x in d[4:])
                for d in docs
            )
        ):
            return {}
        out[shard["n"]] = shard
    return out


def _checked(path: Path, sha: str) -> bytes:
    """The file's bytes when they are those recorded (signed) with it; else b""."""
    try:
        data = path.read_bytes()
    except OSError:
        return b""
    return data if hashlib.sha256(data).hexdigest() == sha else b""


def _read_listing_memo(dest: Path) -> dict[str, Any]:
    """What the last site recorded of its listing pages (signed; empty when absent or bad)."""
    from .cache import signed_load

    try:
        data = signed_load(_listing_memo_path(dest).read_bytes())
    except OSError:
        return {}
    return data if isinstance(data, dict) else {}


def _listing_memo_path(dest: Path) -> Path:
    return dest.parent / STATE_DIR / f"{dest.name}-listing.json"


def _remember_listing(dest: Path, memo: dict[str, Any]) -> None:
    """Record the listing pages' key and sections, signed, once the site is in place."""
    from .cache import signed_dump

    blob = signed_dump(memo)
    if blob is not None:
        atomic_write(_listing_memo_path(dest), blob)


def _by_update(listed: list[Entry]) -> list[Entry]:
    return sorted(listed, key=lambda e: (e.updated, e.id), reverse=True)


def _read_manifest(dest: Path) -> dict[str, str]:
    """The live site's manifest (site path -> sha256); empty when there is none or it is bad."""
    try:
        data = json.loads((dest / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


# --- incremental, parallel brief pages (the build.py machinery) --------------------------------


def brief_pages(
    inputs: Gathered,
    root: Path,
    revisions: dict[str, list[Revision]],
    opts: SiteOptions,
    site: SiteInfo,
    err: TextIO,
    templates: str,
    staged: Path,
) -> Pages:
    """Every brief page: rendered across cores when stale, else kept from the last site.

    A page's key covers what its bytes depend on, as the build's keys do (build.py's
    target_inputs, enforced by its scoped corpus): the files the brief reads, the titles of
    the issues it links to, its git history, the site and brief templates, the code and the
    site settings. Only what the stale pages read is loaded (a partial corpus grows).
    """
    keys = KeyMaker(
        {
            "code": code_digest(frozenset()),
            "templates": templates,
            "site": [str(v) for v in vars(site).values()],
        }
    )
    specs = []
    for kind, ident, deps in inputs.targets:
        parts = target_inputs(kind, deps, inputs.digests, revisions, inputs.views)
        specs.append(PageSpec(f"{ident}.html", keys.key(parts), (kind, ident)))

    bar: list[Progress] = []  # made once the number of stale pages is known

    def prepare(items: list[tuple[str, str]]) -> None:
        inputs.load(root, *needed([(k, i, ()) for k, i in items], inputs.targets))
        bar.append(Progress(len(items), err, quiet=opts.quiet, unit="page"))

    set_worker_state(
        corpus=inputs.corpus, root=root, revisions=revisions, site=site, views=inputs.views
    )
    try:
        return render_pages(
            site_dir(root, opts),
            specs,
            _brief_page,
            jobs=opts.jobs,
            force=opts.force,
            cost=lambda item: 0.01 if item[0] == "issue" else 0.05,
            progress=lambda item: bar[0](f"page {item[1]}.html"),
            warm=lambda: _warm_brief(specs),
            prepare=prepare,
            write_to=staged,  # each worker writes its pages: the bytes never cross a pipe
        )
    finally:
        set_worker_state()
        for b in bar:
            b.close()


def _warm_brief(specs: list[PageSpec]) -> None:
    """Compile the templates here once (on a loaded brief), so forked workers inherit them."""
    corpus = worker_state()["corpus"]
    for spec in reversed(specs):
        kind, ident = spec.item
        if ident in (corpus.issues if kind == "issue" else corpus.books):
            _brief_page(spec.item)
            return


def _brief_page(item: tuple[str, str]) -> tuple[bytes, str]:
    """One brief page and its search sections (run in a worker; reads worker_state())."""
    from .build import scoped
    from .render import Target, render_html
    from .search import page_sections, section_json

    kind, ident = item
    st = worker_state()
    corpus = scoped(st["corpus"], kind, ident, st["views"])
    site: SiteInfo = st["site"]
    brief = corpus.issues[ident] if kind == "issue" else corpus.books[ident]
    html = render_html(
        corpus,
        Target(kind, ident),
        root=st["root"],
        revisions=st["revisions"].get(brief.rel, []),
        css_href="assets/site.css",
        template="site/brief.html.j2",
        site=site,
        up="",
        current=kind,
        downloads=lambda i: _downloads(i, "", site.pdf),
        svg_role=SVG_ROLE,
    )
    skip = BOOK_SKIP if kind == "book" else frozenset()
    return html.encode(), section_json(page_sections(html, skip))
