"""What the site's pages show, and the functions that render them (in forked workers).

Brief pages wrap the brief templates in the site's layout; listing pages (index, actor
pages, 404, feed, sitemap) see a slim copy of each issue: only what they print.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..build import RenderContext
from ..engine import plan as planning
from ..engine.workers import context
from ..model import Actor, Corpus, Issue, Revision
from ..render import Target as RenderTarget
from ..render import render_html
from ..render.figures import Matrix, gap_matrix
from ..render.templates import render
from ..render.topic_view import TopicHelpers
from ..render.view import Citations, sections_of
from ..topic import Citation
from .search import page_sections, section_json

# The figures hold links, so on the site they keep the SVG's own role (a graphics document):
# role=img would hide the links from assistive technology.
SVG_ROLE = ""
SUMMARY_CHARS = 180
KIND_NAMES = {"issue": "Issue", "book": "Briefing book"}
ACTOR_SKIP = frozenset({"from-issues"})  # an actor page's listings repeat the issue pages
BOOK_SKIP = frozenset({"chapter"})  # and a book's chapters do too
SITE_TEMPLATES = ("site", "html", "shared", "assets")  # the template folders site pages read


@dataclass(frozen=True)
class SiteInfo:
    """Site-wide facts every page template reads."""

    title: str
    base_url: str
    author: str
    distribution: str
    audience: str  # public | internal
    csp: str
    live_reload: bool
    pdf: bool
    organisation: str | None = None  # the theme's, for the header
    logo: str | None = None  # the logo's path in the site
    stylesheets: tuple[str, ...] = ()  # linked after assets/site.css: theme, then extra_css


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
    overdue: dt.date | None = None  # the day its review fell due, when that has passed

    @property
    def overdue_label(self) -> str:
        """The day the review fell due, for people."""
        d = self.overdue
        return f"{d.day} {d.strftime('%B')} {d.year}" if d else ""

    @property
    def date_label(self) -> str:
        """The date for people: '10 August 2025'."""
        return f"{self.date.day} {self.date.strftime('%B')} {self.date.year}"


_SENTENCE_END = re.compile(r"[.!?](?=\s)")


def one_line(text: str, limit: int = SUMMARY_CHARS) -> str:
    """A Markdown field as an excerpt of even length, in plain text, for lists and the feed:
    whole when short, else cut at the last sentence end in its final third, else at a word."""
    flat = " ".join(re.sub(r"[*_`]", "", text).split())
    if len(flat) <= limit:
        return flat
    cut = flat[:limit]
    ends = [m.end() for m in _SENTENCE_END.finditer(cut) if m.end() >= limit * 2 // 3]
    return cut[: ends[-1]] if ends else cut[: limit - 1].rsplit(" ", 1)[0] + "…"


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


def site_order(corpus: Corpus) -> list[Issue]:
    """Issues as the books order them (books by id), then those no book holds, by id: the
    index, matrix and search list chapter 1 first, not the first file name."""
    ids = [i for b in corpus.books.values() for i in b.issues if i in corpus.issues]
    ids += sorted(corpus.issues)
    return [corpus.issues[i] for i in dict.fromkeys(ids)]


def overdue_since(reviewed: dt.date, corpus: Corpus, today: dt.date | None) -> dt.date | None:
    """The day a brief's review fell due (its last review plus `stale_after_days`), when
    `today` is past it; None without a date to measure from."""
    due = reviewed + dt.timedelta(days=corpus.config.stale_after_days)
    return due if today is not None and today > due else None


def entries(
    corpus: Corpus, revisions: dict[str, list[Revision]], today: dt.date | None = None
) -> list[Entry]:
    """Books then issues (in the books' order), as the index, feed and sitemap describe them."""
    out = []
    for b in corpus.books.values():
        revs = [
            r
            for x in (b.rel, *(corpus.issues[i].rel for i in b.issues if i in corpus.issues))
            for r in revisions.get(x, [])
        ]
        out.append(
            Entry(
                "book",
                b.id,
                b.title,
                b.status,
                b.version,
                b.date,
                _updated(b.date, revs),  # a book changes when a chapter does
                one_line(b.executive_summary),
                f"{b.id}.html",
            )
        )
    for i in site_order(corpus):
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
                overdue_since(i.last_reviewed, corpus, today),
            )
        )
    return out


def site_citations(corpus: Corpus, cited: list[Citation]) -> Citations:
    """Citations numbered in the order the issues (as the site orders them) list their
    sources, so an actor page gives a source the number most issue pages give it."""
    order = [c.id for i in site_order(corpus) for c in i.sources] + list(corpus.sources)
    rank: dict[str, int] = {}
    for n, sid in enumerate(order):
        rank.setdefault(sid, n)
    cite = Citations(corpus.sources)
    cite(sorted(cited, key=lambda c: rank[c.id]))
    return cite


def site_matrix(issues: list[Issue]) -> Matrix:
    """The gap matrix across issues, each strip and cell linking to its own issue page."""
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
    profiles: list[Any] = field(default_factory=list)  # issue 21: its profile on this topic

    @property
    def empty(self) -> bool:
        """True when the issue does not mention the actor at all."""
        return not (self.stances or self.agendas or self.notes or self.levers or self.profiles)


def actor_issues(corpus: Corpus, actor: Actor) -> list[ActorIssue]:
    """Every issue that mentions the actor, with what it says about it."""
    found = []
    for issue in site_order(corpus):
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
            profiles=[p for p in issue.topic.profiles if p.actor == actor.id],
        )
        if not ai.empty or actor.id in issue.principals:
            found.append(ai)
    return found


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def downloads(ident: str, up: str, pdf: bool) -> list[tuple[str, str, str]]:
    """(label, href, media type) of a brief's downloads, relative to the page."""
    links = [("Markdown", f"{up}md/{ident}.md", "text/markdown")]
    if pdf:  # the Word document beside the PDF: both are made by the same build
        links[:0] = [
            ("PDF", f"{up}pdf/{ident}.pdf", "application/pdf"),
            ("Word", f"{up}docx/{ident}.docx", DOCX_TYPE),
        ]
    return links


@dataclass(frozen=True)
class BriefPageContext:
    """What brief-page workers read."""

    render: RenderContext
    site: SiteInfo


@dataclass
class ListingContext:
    """What listing-page workers read; `actors_in` fills as each worker needs it."""

    corpus: Corpus
    listed: list[Entry]
    page: Callable[..., str]
    actors_in: dict[str, list[ActorIssue]]
    public: bool
    root: str  # the site's root path on its host: the 404 page's links start there


def page_renderer(root: Path, site: SiteInfo) -> Callable[..., str]:
    """Render a site template with what every page reads."""

    def page(name: str, up: str, current: str, **ctx: Any) -> str:
        return render(
            "html",
            name,
            root,
            site=site,
            up=up,
            current=current,
            downloads=lambda ident: downloads(ident, up, site.pdf),
            native_lang=native_lang,
            svg_role=SVG_ROLE,
            **ctx,
        )

    return page


_SLIM: dict[tuple[str, str], str] = {}  # (issue id, file hash) -> slim digest


def slim_digest(issue: Issue) -> str:
    """A hash of all the listing pages print of one issue (its slim copy, whole); it depends
    on the issue's file alone, so it is remembered by that file's hash."""
    known = _SLIM.get((issue.id, issue.digest)) if issue.digest else None
    if known is None:
        known = hashlib.sha256(repr(slim_issue(issue)).encode()).hexdigest()
        if issue.digest:
            _SLIM[(issue.id, issue.digest)] = known
    return known


def listing_corpus(corpus: Corpus) -> Corpus:
    """The corpus as the listing pages see it: each issue without what they never print."""
    slim = {i: slim_issue(issue) for i, issue in corpus.issues.items()}
    return replace(corpus, issues=slim, digests={})


def slim_issue(issue: Issue) -> Issue:
    """An issue without what the listing pages never print."""
    return replace(
        issue,
        subtitle=None,
        distribution=None,
        key_judgments=(),
        analysis=(),
        precedents=(),
        scenarios=(),
        talking_points=(),
        digest="",
        reviewed_at=(0, 0),
    )


def listing_page(item: tuple[str, str]) -> list[tuple[str, bytes, str | None]]:
    """One listing job's files: (site path, bytes, encoded search sections or None)."""
    kind, ident = item
    st = context(ListingContext)
    corpus, listed, page, found = st.corpus, st.listed, st.page, st.actors_in

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
            matrix=site_matrix(site_order(corpus)),
            actors=corpus.actors,
            actors_in=actors_in(corpus.actors),
        )
        roster = page(
            "site/actors.html.j2",
            "../",
            "actors",
            actors=corpus.actors,
            actors_in=actors_in(corpus.actors),
        )
        return [("index.html", text.encode(), None), ("actors/index.html", roster.encode(), None)]
    if kind == "actor":
        actor = corpus.actors[ident]

        def actor_page(cite: Citations) -> str:
            return page(
                "site/actor.html.j2",
                "../",
                "actors",
                actor=actor,
                found=actors_in([actor.id])[actor.id],
                actors=corpus.actors,
                members=[a for a in corpus.actors.values() if actor.id in a.member_of],
                books=[b for b in corpus.books.values() if actor.id in b.key_players],
                cite=cite,
                sections_of=sections_of,
                **TopicHelpers(corpus, None).context(),
            )

        first = Citations(corpus.sources)
        actor_page(first)  # which sources the page cites; then number them as issues do
        cited = [Citation(n.source.id, n.part.id if n.part else None, n.at) for n in first.entries]
        text = actor_page(site_citations(corpus, cited))
        sections = section_json(page_sections(text, ACTOR_SKIP))
        return [(f"actors/{ident}.html", text.encode(), sections)]
    sitemap: list[tuple[str, dt.date | None]] = [(e.href, e.updated) for e in listed]
    sitemap += [(f"actors/{a}.html", None) for a in corpus.actors]
    files: list[tuple[str, bytes, str | None]] = [
        ("404.html", page("site/404.html.j2", st.root, "none").encode(), None),
        (
            "feed.xml",
            page("site/feed.xml.j2", "", "none", entries=by_update(listed)).encode(),
            None,
        ),
        ("robots.txt", page("site/robots.txt.j2", "", "none").encode(), None),
    ]
    if st.public:  # an internal site has no sitemap: nothing should index it
        sitemap_xml = page("site/sitemap.xml.j2", "", "none", urls=sitemap).encode()
        files.append(("sitemap.xml", sitemap_xml, None))
    return files


def by_update(listed: list[Entry]) -> list[Entry]:
    return sorted(listed, key=lambda e: (e.updated, e.id), reverse=True)


def brief_page(item: tuple[str, str]) -> tuple[bytes, str]:
    """One brief page and its search sections (run in a worker; reads worker_state())."""
    kind, ident = item
    st = context(BriefPageContext)
    target = st.render.targets[(kind, ident)]
    corpus = planning.scoped(st.render.corpus, target, st.render.views)
    site = st.site
    html = render_html(
        corpus,
        RenderTarget(kind, ident),
        root=st.render.root,
        revisions=st.render.revisions.get(target.own, []),
        css_href="assets/site.css",
        logo_href=site.logo,
        template="site/brief.html.j2",
        overdue={i: dt.date.fromisoformat(d) for i, d in st.render.overdue.items()},
        site=site,
        up="",
        current=kind,
        downloads=lambda i: downloads(i, "", site.pdf),
        svg_role=SVG_ROLE,
    )
    skip = BOOK_SKIP if kind == "book" else frozenset()
    return html.encode(), section_json(page_sections(html, skip))
