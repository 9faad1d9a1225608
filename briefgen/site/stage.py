"""Rendering the site's files: brief pages, listing pages, the search index and assets, each
kept from the live site while its key is unchanged."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, TextIO
from urllib.parse import urlsplit

from markupsafe import Markup

from ..build import BuildOptions, BuildReport, Gathered, RenderContext, compiled_templates
from ..engine.keys import KeyMaker, code_digest, output_key, templates_digest
from ..engine.plan import SHARED, links_of, overdue, overdue_of, target_inputs
from ..engine.state import history_json
from ..engine.workers import Progress, parallel_map, use_context
from ..theme import Theme, site_files, site_logo, site_stylesheets
from .audience import publishing_problems, site_marking, site_targets
from .errors import render_failure
from .pages import (
    BOOK_SKIP,
    KIND_NAMES,
    SITE_TEMPLATES,
    BriefPageContext,
    ListingContext,
    SiteInfo,
    brief_page,
    entries,
    listing_corpus,
    listing_page,
    page_renderer,
    slim_digest,
)
from .publish import MemorySite, Staging
from .search import (
    ACTOR_SKIP_KIND,
    assemble_shard,
    index_part,
    page_sections,
    read_shard,
    section_json,
    shard_count,
    shard_name,
    shard_of,
)
from .settings import CSP, SiteOptions

Site = Staging | MemorySite  # where a build's files go: a staging folder, or memory


def stage_site(
    root: Path,
    opts: SiteOptions,
    gathered: Gathered,
    state: dict[str, Any],
    staging: Site,
    report: BuildReport,
    err: TextIO,
) -> dict[str, Any] | None:
    """Every file of the site but the downloads, written into the staging folder; the record
    to keep of them, or None when errors (in `report`) stopped it."""
    report.diagnostics.extend(gathered.ensure(root, []))  # at least the config and registries
    if gathered.corpus is None:
        return None
    cfg = gathered.corpus.config
    if not opts.live_reload:  # the preview is the author's own: it shows every brief
        report.diagnostics.extend(publishing_problems(root, cfg, gathered.record))
        if report.diagnostics:
            return None
    gathered = shown(gathered)
    compiled_templates(root)
    site = site_info(gathered, opts)
    live = staging.live_hashes()
    templates = templates_digest(root, SITE_TEMPLATES)
    run = SiteRun(root, opts, gathered, site, templates, state, staging, live)
    try:
        briefs = brief_pages(run, err)
        listing = listing_pages(run)
        if gathered.corpus is None:
            return None
        search = search_index(run, briefs, listing)
        add_assets(root, staging, gathered.corpus.config.theme)
    except Exception as exc:  # a template error must not leave a half-written site
        report.diagnostics.append(render_failure(exc, root))
        return None
    return {"pages": briefs.keys, "listing": listing.record, "search": search}


@dataclass(frozen=True)
class SiteRun:
    """What every kind of page of one site build reads."""

    root: Path
    opts: SiteOptions
    gathered: Gathered
    site: SiteInfo
    templates: str  # the digest of the template folders site pages read
    state: dict[str, Any]  # what the last build of this site recorded
    staging: Site
    live: dict[str, str]  # the live site's files and their sha256


def shown(gathered: Gathered) -> Gathered:
    """The project as the site shows it: without the briefs `site.exclude` names."""
    assert gathered.corpus is not None
    out = set(gathered.corpus.config.exclude)
    if not out:
        return gathered
    corpus = replace(
        gathered.corpus,
        issues={i: x for i, x in gathered.corpus.issues.items() if i not in out},
        books={b: x for b, x in gathered.corpus.books.items() if b not in out},
    )
    record = replace(gathered.record, targets=site_targets(corpus.config, gathered.record))
    return Gathered(record, corpus, gathered.partial, gathered.revisions, gathered.validated)


def site_info(gathered: Gathered, opts: SiteOptions) -> SiteInfo:
    """Site-wide facts every page template reads."""
    assert gathered.corpus is not None
    cfg = gathered.corpus.config
    return SiteInfo(
        title=cfg.site_title,
        base_url=cfg.base_url if cfg.base_url.endswith("/") else cfg.base_url + "/",
        author=cfg.author,
        distribution=site_marking(cfg, gathered.record),
        audience=cfg.audience,
        csp=Markup(CSP),  # a policy, not text: no typographer quotes in it
        live_reload=opts.live_reload,
        pdf=opts.pdf or opts.live_reload,  # the preview server makes PDFs on request
        organisation=cfg.theme.organisation,
        logo=site_logo(cfg.theme),
        stylesheets=tuple(site_stylesheets(cfg.theme)),
    )


@dataclass
class Rendered:
    """Pages of one kind: their keys, and the search sections of those rendered now."""

    keys: dict[str, str]
    sections: dict[str, str]
    record: dict[str, Any]


def brief_pages(run: SiteRun, err: TextIO) -> Rendered:
    """Every brief page: rendered across cores when its key changed, else linked from the
    live site. A page's key holds what the build's key of its HTML holds, and the site's
    templates and settings."""
    root, opts, gathered, site, staging = run.root, run.opts, run.gathered, run.site, run.staging
    templates, state, live = run.templates, run.state, run.live
    maker = KeyMaker({"code": code_digest(False), "templates": templates, "site": repr(site)})
    links, digests = links_of(gathered.targets), gathered.record.digests
    late = overdue(gathered.record.due, opts.today) if opts.today else {}  # as on page 1
    keys = {
        f"{t.id}.html": maker.key(
            target_inputs(t, digests, gathered.revisions, gathered.views, links)
            | {"overdue": overdue_of(t, late)}
        )
        for t in gathered.targets
    }
    last = _dict(state.get("pages"))
    todo = [
        (t.kind, t.id)
        for t in gathered.targets
        if opts.force
        or last.get(f"{t.id}.html") != keys[f"{t.id}.html"]
        or f"{t.id}.html" not in live
    ]
    for rel in keys.keys() - {f"{i}.html" for _, i in todo}:
        staging.keep(rel, live.get(rel))
    sections: dict[str, str] = {}
    if not todo:
        return Rendered(keys, sections, {})
    diags = gathered.ensure(root, todo)
    if diags or gathered.corpus is None:
        raise RuntimeError("an input changed during the build; run it again")
    ctx = BriefPageContext(
        RenderContext(
            root,
            gathered.corpus,
            gathered.revisions,
            gathered.views,
            gathered.record.page_size,
            {(t.kind, t.id): t for t in gathered.targets},
            late,
        ),
        site,
    )
    progress = Progress(len(todo), err, quiet=opts.quiet, unit="page")
    try:
        with use_context(ctx):
            done = parallel_map(
                brief_page,
                todo,
                jobs=opts.jobs,
                cost=lambda item: 0.01 if item[0] == "issue" else 0.05,
                progress=lambda item: progress(f"page {item[1]}.html"),
                before_fork=lambda: brief_page(min(todo)),  # compile templates once
            )
    finally:
        progress.close()
    for (_, ident), (data, found) in zip(todo, done, strict=True):
        staging.add(f"{ident}.html", data)
        sections[f"{ident}.html"] = found
    return Rendered(keys, sections, {})


def listing_pages(run: SiteRun) -> Rendered:
    """Index, actor pages, 404, feed and sitemap. They print only a slim copy of each issue,
    so they are kept while every issue's slim copy, hashed issue by issue, is unchanged: an
    edit to an issue's analysis does not re-render the index and every actor page."""
    root, opts, gathered, site, staging = run.root, run.opts, run.gathered, run.site, run.staging
    templates, state, live = run.templates, run.state, run.live
    assert gathered.corpus is not None
    last = _dict(state.get("listing"))
    slim = {k: v for k, v in _dict(last.get("slim")).items() if isinstance(v, str)}
    if not gathered.partial:
        slim = {}
    slim.update({i: slim_digest(x) for i, x in gathered.corpus.issues.items()})
    issue_ids = [t.id for t in gathered.targets if t.kind == "issue"]
    if any(i not in slim for i in issue_ids):
        gathered.ensure_all(root)
        assert gathered.corpus is not None
        slim = {i: slim_digest(x) for i, x in gathered.corpus.issues.items()}
    key = output_key(
        {
            "code": code_digest(False),
            "templates": templates,
            "site": repr(site),
            "today": str(opts.today),  # which reviews are overdue
            "issues": [[i, slim[i]] for i in issue_ids],
            "books": [
                [t.id, gathered.record.digests.get(t.own)]
                for t in gathered.targets
                if t.kind == "book"
            ],
            "shared": {r: gathered.record.digests.get(r) for r in SHARED},
            "history": history_json(
                {t.own: gathered.revisions.get(t.own, []) for t in gathered.targets}
            ),
        }
    )
    files = ["index.html", "actors/index.html", "404.html", "feed.xml", "robots.txt"]
    files += ["sitemap.xml"] if site.audience == "public" else []
    files += [f"actors/{a}.html" for a in gathered.corpus.actors]
    titles = last.get("titles")
    current = not opts.force and last.get("key") == key and all(rel in live for rel in files)
    if current and isinstance(titles, dict):
        for rel in files:
            staging.keep(rel, live.get(rel))
        keys = {rel: key for rel in files}
        return Rendered(keys, {}, {"key": key, "slim": slim, "titles": titles})
    gathered.ensure_all(root)
    corpus = listing_corpus(gathered.corpus)
    sections: dict[str, str] = {}
    ctx = ListingContext(
        corpus,
        entries(corpus, gathered.revisions, opts.today),
        page_renderer(root, site),
        {},
        site.audience == "public",
        site_root(site),
    )
    items = [("index", ""), *(("actor", a) for a in corpus.actors), ("other", "")]
    with use_context(ctx):
        done = parallel_map(
            listing_page,
            items,
            jobs=opts.jobs,
            cost=lambda item: 0.02 * len(corpus.issues) / (3 if item[0] == "other" else 1),
        )
    for result in done:
        for rel, data, found in result:
            staging.add(rel, data)
            if found is not None:
                sections[rel] = found
    titles = {i: x.title for i, x in gathered.corpus.issues.items()}
    titles.update({b: x.title for b, x in gathered.corpus.books.items()})
    keys = {rel: key for rel in files}
    return Rendered(keys, sections, {"key": key, "slim": slim, "titles": titles})


def search_index(run: SiteRun, briefs: Rendered, listing: Rendered) -> dict[str, Any]:
    """The search index's shards and search.html; a shard none of whose pages changed is kept.

    A changed shard takes the sections of the pages rendered now and, for the others, their
    entries as the last shard holding them has them (else their live page is split again).
    """
    root, gathered, site, staging = run.root, run.gathered, run.site, run.staging
    state, live = run.state, run.live
    assert gathered.corpus is not None
    titles = _dict(listing.record.get("titles"))
    docs = [
        (
            f"{t.id}.html",
            KIND_NAMES[t.kind],
            str(titles.get(t.id, t.id)),
            briefs.keys[f"{t.id}.html"],
        )
        for t in gathered.targets
    ]
    docs += [
        (f"actors/{a.id}.html", "Actor", a.name, listing.keys[f"actors/{a.id}.html"])
        for a in gathered.corpus.actors.values()
    ]
    fresh = {**briefs.sections, **listing.sections}
    count = shard_count(len(docs))
    groups: list[list[tuple[str, str, str, str]]] = [[] for _ in range(count)]
    for doc in docs:
        groups[shard_of(doc[0], count)].append(doc)
    last = _dict(state.get("search"))
    before = _dict(last.get("shards")) if last.get("count") == count else {}
    shards: dict[str, Any] = {}
    files = []
    for number, group in enumerate(groups):
        if not group:
            continue
        prev = _dict(before.get(str(number)))
        same = [list(d) for d in group] == prev.get("docs") and not any(
            d[0] in fresh for d in group
        )
        name = prev.get("file")
        if same and isinstance(name, str) and name in live:
            staging.keep(name, live.get(name))
        else:
            old = _old_entries(staging, prev) if prev else {}
            entries = [_entry(staging, d, fresh, old) for d in group]
            data = assemble_shard(entries)
            name = shard_name(number, data)
            staging.add(name, data)
        files.append(name)
        shards[str(number)] = {"file": name, "docs": [list(d) for d in group]}
    page = page_renderer(root, site)
    staging.add("search.html", page("site/search.html.j2", "", "search", index_files=files))
    return {"count": count, "shards": shards}


def _old_entries(live: Site, shard: dict[str, Any]) -> dict[str, Any]:
    """The entries of one shard of the last site, by page (our own output, read as JSON)."""
    name = shard.get("file")
    try:
        pages = read_shard(live.read_live(name) or b"") if isinstance(name, str) else []
    except ValueError:
        return {}
    return {e["u"]: e for e in pages if isinstance(e, dict) and isinstance(e.get("u"), str)}


def _entry(
    live: Site, doc: tuple[str, str, str, str], fresh: dict[str, str], old: dict[str, Any]
) -> bytes:
    rel, kind, title, _ = doc
    sections = fresh.get(rel)
    if sections is None:
        entry = old.get(rel)
        if isinstance(entry, dict) and isinstance(entry.get("s"), list):
            sections = section_json(entry["s"])
        else:
            skip = ACTOR_SKIP_KIND.get(kind, BOOK_SKIP)
            page = (live.read_live(rel) or b"").decode("utf-8")
            sections = section_json(page_sections(page, skip))
    return index_part(kind, title, rel, sections)


def add_assets(root: Path, staging: Site, theme: Theme) -> None:
    """The site's stylesheet (the brief's and the site's own), script and icon, and the
    project theme's stylesheets and logo."""
    from ..render import asset_text, theme_css

    asset_text.cache_clear()  # assets may have changed since the last build (serve)
    staging.add(
        "assets/site.css", asset_text(root, "brief.css") + "\n" + asset_text(root, "site.css")
    )
    for name in ("search.js", "favicon.svg"):
        staging.add(f"assets/{name}", asset_text(root, name))
    for path, data in site_files(root, theme, theme_css(root, theme)).items():
        staging.add(path, data)


def link_downloads(staging: Site, gathered: Gathered, downloads: BuildOptions) -> None:
    """Each shown brief's PDF and Markdown, linked from the build's folder."""
    assert downloads.out is not None and gathered.corpus is not None
    left_out = set(gathered.corpus.config.exclude)
    for fmt in downloads.formats:
        for t in (t for t in gathered.targets if t.id not in left_out):
            rel = f"{fmt}/{t.id}.{fmt}"
            staging.link(rel, downloads.out / rel)


def site_root(site: SiteInfo) -> str:
    """The site's root path on its host ("/" or a Pages sub-path such as "/briefs/"): the 404
    page is served for a missing page in any folder, so its links cannot be relative."""
    if site.live_reload:  # the preview serves the site at "/"
        return "/"
    path = urlsplit(site.base_url).path
    return path if path.endswith("/") else path + "/"


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}
