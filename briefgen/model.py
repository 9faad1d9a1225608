"""Model stage: typed, immutable domain objects built from validated YAML data."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

# --- tradecraft (#22): scales, graded citations, claim status ---
from .analytic import LIKELIHOOD_LABELS as LIKELIHOOD_LABELS
from .analytic import LIKELIHOODS as LIKELIHOODS
from .analytic import Claim, Indicator, claim, judgment, shown
from .dates import MONTHS as MONTHS
from .dates import PartialDate as PartialDate
from .history import Revision as Revision
from .theme import Theme, theme_from
from .topic import Citation, SourcePart, TopicParts, cites, parts_from, topic_parts

CONFIDENCE_WORDS = {
    "low": "Low confidence",
    "moderate": "Moderate confidence",
    "high": "High confidence",
}
GAP_LEVELS = ("aligned", "narrow", "wide", "irreconcilable")
GAP_LABELS = {
    "aligned": "Aligned",
    "narrow": "Narrow",
    "wide": "Wide",
    "irreconcilable": "Irreconcilable",
    "not-applicable": "Not applicable",  # issue 21: a row where a gap makes no sense
}
SCENARIO_KINDS = {
    "best-case": "Best case",
    "base-case": "Base case",
    "failure": "Failure",
    "alternative": "Alternative",
}


@dataclass(frozen=True)
class Source:
    """A cited document from the source registry."""

    id: str
    title: str
    publisher: str | None
    author: str | None
    date: PartialDate | None
    url: str | None
    local_copy: str | None
    reliability: str
    reliability_notes: str
    grade: str | None = None  # tradecraft: Admiralty source reliability, A-F
    parts: tuple[SourcePart, ...] = ()
    accessed: dt.date | None = None

    def part(self, part_id: str | None) -> SourcePart | None:
        """One of the source's dated parts, by id."""
        return next((p for p in self.parts if p.id == part_id), None)


@dataclass(frozen=True)
class Person:
    """Someone who speaks or acts for an actor."""

    name: str
    role: str
    native_name: str | None = None
    sources: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Actor:
    """A state, alliance or group whose stances the briefs compare."""

    id: str
    name: str
    short_name: str
    kind: str
    agenda: str | None  # the fallback where a brief gives no profile of its own (issue 21)
    native_name: str | None = None
    member_of: tuple[str, ...] = ()
    people: tuple[Person, ...] = ()
    red_lines: tuple[str, ...] = ()
    sources: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class KeyJudgment(Claim):
    """An analytic judgment with its confidence and support."""

    id: str
    text: str
    confidence: str
    sources: tuple[Citation, ...]
    # --- tradecraft (#22): likelihood apart from confidence, what would resolve it ---
    likelihood: str | None = None
    basis: str | None = None
    horizon: dt.date | None = None
    indicators: tuple[Indicator, ...] = ()


@dataclass(frozen=True)
class PositionRow(Claim):
    """One sub-topic of the positions table: each actor's stance and the principals' gap."""

    id: str
    topic: str
    gap: str
    stances: tuple[tuple[str, str], ...]
    sources: tuple[Citation, ...]
    note: str | None = None
    confidence: str | None = None
    between: tuple[str, str] | None = None  # issue 21: the pair this row's gap is between

    def stance(self, actor: str) -> str | None:
        """The stance of one actor, or None where the row does not name it."""
        return dict(self.stances).get(actor)


@dataclass(frozen=True)
class Agenda:
    """An actor's goals and red lines on one issue."""

    actor: str
    goals: tuple[str, ...]
    red_lines: tuple[str, ...]
    sources: tuple[Citation, ...]
    confidence: str | None = None


@dataclass(frozen=True)
class Section(Claim):
    """A titled block of Markdown prose."""

    id: str
    heading: str
    body: str
    sources: tuple[Citation, ...] = ()
    kind: str = "analysis"
    confidence: str | None = None


@dataclass(frozen=True)
class Precedent(Claim):
    """A dated historical event that bears on the issue."""

    id: str
    date: PartialDate
    title: str
    summary: str
    sources: tuple[Citation, ...]
    confidence: str | None = None
    date_label: str | None = None
    timeline: bool = True  # drawn on the timeline as an event

    @property
    def when(self) -> str:
        """The date as a reader should see it: the author's label where the source is vague."""
        return self.date_label or self.date.label


@dataclass(frozen=True)
class Scenario:
    """A possible outcome with its likelihood and the signs that it is coming."""

    id: str
    name: str
    kind: str
    likelihood: str
    description: str
    indicators: tuple[str, ...]
    sources: tuple[Citation, ...]
    implications: str | None = None


@dataclass(frozen=True)
class Lever:
    """An economic instrument one actor holds over another."""

    id: str
    lever: str
    holder: str
    effect: str
    sources: tuple[Citation, ...]
    targets: tuple[str, ...] = ()
    direction: str = "pressure"
    confidence: str | None = None


@dataclass(frozen=True)
class ActorNote:
    """A paragraph about one actor: its influence, or its public's opinion."""

    actor: str
    text: str
    sources: tuple[Citation, ...]
    confidence: str | None = None


@dataclass(frozen=True)
class TalkingPoint:
    """A line a principal may use; with `they_say`, the answer to what the other side says."""

    text: str
    sources: tuple[Citation, ...] = ()
    they_say: str | None = None


@dataclass(frozen=True)
class Issue:
    """One policy issue, as loaded from briefs/issues/<id>.yaml."""

    id: str
    rel: str
    title: str
    status: str
    version: str
    last_reviewed: dt.date
    principals: tuple[str, str]
    bluf: str
    sources: tuple[Citation, ...]
    key_judgments: tuple[KeyJudgment, ...]
    positions: tuple[PositionRow, ...]
    subtitle: str | None = None
    distribution: str | None = None
    agendas: tuple[Agenda, ...] = ()
    analysis: tuple[Section, ...] = ()
    precedents: tuple[Precedent, ...] = ()
    scenarios: tuple[Scenario, ...] = ()
    economic_levers: tuple[Lever, ...] = ()
    third_parties: tuple[ActorNote, ...] = ()
    public_opinion: tuple[ActorNote, ...] = ()
    talking_points: tuple[TalkingPoint, ...] = ()
    related: tuple[str, ...] = ()
    changes: tuple[tuple[dt.date, str], ...] = ()  # editorial change notes, oldest first
    digest: str = ""
    topic: TopicParts = field(default_factory=TopicParts)  # issue 21: profiles, sections
    reviewed_at: tuple[int, int] = (0, 0)  # line, column of `last_reviewed` (for warnings)

    def pair(self, row: PositionRow) -> tuple[str, str]:
        """The two actors a row's gap is measured between: its own pair, else the principals."""
        return row.between or self.principals

    def stance_actors(self) -> tuple[str, ...]:
        """Columns of the positions table: principals first, then others in order of appearance."""
        seen = list(self.principals)
        for row in self.positions:
            for actor, _ in row.stances:
                if actor not in seen:
                    seen.append(actor)
        return tuple(seen)


@dataclass(frozen=True)
class Book:
    """A briefing book: an ordered set of issues with book-level framing."""

    id: str
    rel: str
    title: str
    date: dt.date
    version: str
    status: str
    audience: str
    executive_summary: str
    issues: tuple[str, ...]
    subtitle: str | None = None
    distribution: str | None = None
    summary_sources: tuple[Citation, ...] = ()
    key_players: tuple[str, ...] = ()
    sections: tuple[Section, ...] = ()
    changes: tuple[tuple[dt.date, str], ...] = ()  # editorial change notes, oldest first
    digest: str = ""
    topic: TopicParts = field(default_factory=TopicParts)  # issue 21: profiles, authors


@dataclass(frozen=True)
class Marking:
    """A distribution marking, and whether a brief so marked may be published."""

    name: str
    publish: bool


# Without `markings` in briefgen.yaml: one open and one closed marking, closed by default.
DEFAULT_MARKINGS = (Marking("PUBLIC", True), Marking("INTERNAL", False))


@dataclass(frozen=True)
class Config:
    """Project settings from briefgen.yaml."""

    site_title: str = "Policy briefs"
    base_url: str = "https://example.invalid/"
    author: str = "briefgen"
    distribution: str = "INTERNAL"
    page_size: str = "A4"
    stale_after_days: int = 180
    markings: tuple[Marking, ...] = DEFAULT_MARKINGS  # from most open to most restricted
    audience: str = "internal"  # public | internal
    exclude: tuple[str, ...] = ()
    checks_off: tuple[str, ...] = ()  # tradecraft: rule codes switched off (TC001...)
    bluf_max_words: int = 80
    theme: Theme = field(default_factory=Theme)  # organisation, logo, colours, fonts, extra_css

    def rank(self, marking: str) -> int:
        """How restricted a marking is (its place in `markings`; unknown ones rank last)."""
        names = [m.name for m in self.markings]
        return names.index(marking) if marking in names else len(names)

    def brief_marking(self, own: str | None, issues: Iterable[str | None] = ()) -> str:
        """The marking a brief carries: its own or the default; a book's (`issues`: its
        issues' own markings), the most restricted of that and its issues' (its chapters
        are theirs, whole)."""
        found = [own or self.distribution, *(m or self.distribution for m in issues)]
        return max(found, key=self.rank)

    def publishable(self, marking: str) -> bool:
        """True when a brief so marked may go on a public site."""
        return any(m.name == marking and m.publish for m in self.markings)


@dataclass
class Corpus:
    """Everything one build reads, validated and cross-checked."""

    root: str
    config: Config
    actors: dict[str, Actor] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    issues: dict[str, Issue] = field(default_factory=dict)
    books: dict[str, Book] = field(default_factory=dict)
    digests: dict[str, str] = field(default_factory=dict)

    def marking(self, kind: str, ident: str) -> str:
        """The marking a brief carries: its own or the project's default; for a book, the most
        restricted of that and its issues' (its chapters are theirs, whole)."""
        if kind == "issue":
            return self.config.brief_marking(self.issues[ident].distribution)
        book = self.books[ident]
        issues = (self.issues[i].distribution for i in book.issues if i in self.issues)
        return self.config.brief_marking(book.distribution, issues)

    def actor_name(self, actor_id: str) -> str:
        """Display name for an actor id (the id itself if unknown)."""
        a = self.actors.get(actor_id)
        return a.name if a else actor_id


def _t(values: Any) -> tuple[Any, ...]:
    return tuple(values or ())


def _date(text: str) -> dt.date:
    return dt.date.fromisoformat(text)


def source_from(d: dict[str, Any]) -> Source:
    """Build a Source from validated data."""
    rel = d["reliability"]
    return Source(
        id=d["id"],
        title=d["title"],
        publisher=d.get("publisher"),
        author=d.get("author"),
        date=PartialDate.parse(d["date"]) if d.get("date") else None,
        url=d.get("url"),
        local_copy=d.get("local_copy"),
        reliability=rel["rating"],
        reliability_notes=rel["notes"],
        grade=rel.get("grade"),
        parts=parts_from(d),
        accessed=_date(d["accessed"]) if d.get("accessed") else None,
    )


def actor_from(d: dict[str, Any]) -> Actor:
    """Build an Actor from validated data."""
    return Actor(
        id=d["id"],
        name=d["name"],
        short_name=d["short_name"],
        kind=d["kind"],
        agenda=d.get("agenda"),
        native_name=d.get("native_name"),
        member_of=_t(d.get("member_of")),
        people=tuple(
            Person(p["name"], p["role"], p.get("native_name"), cites(p.get("sources")))
            for p in d.get("people") or ()
        ),
        red_lines=_t(d.get("red_lines")),
        sources=cites(d.get("sources")),
    )


def _note(d: dict[str, Any], text_key: str) -> ActorNote:
    return ActorNote(d["actor"], d[text_key], cites(d["sources"]), d.get("confidence"))


def issue_from(
    d: dict[str, Any], rel: str, digest: str, reviewed_at: tuple[int, int] = (0, 0)
) -> Issue:
    """Build an Issue from validated data."""
    return Issue(
        reviewed_at=reviewed_at,
        id=d["id"],
        rel=rel,
        title=d["title"],
        subtitle=d.get("subtitle"),
        status=d["status"],
        version=d["version"],
        last_reviewed=_date(d["last_reviewed"]),
        distribution=d.get("distribution"),
        principals=(d["principals"][0], d["principals"][1]),
        bluf=d["bluf"],
        sources=cites(d["sources"]),
        key_judgments=tuple(KeyJudgment(**judgment(k)) for k in d["key_judgments"] if shown(k)),
        positions=tuple(
            PositionRow(
                id=r["id"],
                topic=r["topic"],
                gap=r["gap"],
                stances=tuple(r["stances"].items()),
                sources=cites(r["sources"]),
                note=r.get("note"),
                confidence=r.get("confidence"),
                between=(r["between"][0], r["between"][1]) if r.get("between") else None,
                **claim(r),
            )
            for r in d["positions"]
            if shown(r)
        ),
        agendas=tuple(
            Agenda(
                a["actor"],
                _t(a.get("goals")),
                _t(a.get("red_lines")),
                cites(a["sources"]),
                a.get("confidence"),
            )
            for a in d.get("agendas") or ()
        ),
        analysis=tuple(
            Section(
                s["id"],
                s["heading"],
                s["body"],
                cites(s.get("sources")),
                confidence=s.get("confidence"),
                **claim(s),
            )
            for s in d.get("analysis") or ()
            if shown(s)
        ),
        precedents=tuple(
            sorted(
                (
                    Precedent(
                        p["id"],
                        PartialDate.parse(p["date"]),
                        p["title"],
                        p["summary"],
                        cites(p["sources"]),
                        p.get("confidence"),
                        p.get("date_label"),
                        timeline=p.get("timeline", True),
                        **claim(p),
                    )
                    for p in d.get("precedents") or ()
                    if shown(p)
                ),
                key=lambda p: (p.date, p.id),
            )
        ),
        scenarios=tuple(
            Scenario(
                s["id"],
                s["name"],
                s["kind"],
                s["likelihood"],
                s["description"],
                _t(s["indicators"]),
                cites(s["sources"]),
                s.get("implications"),
            )
            for s in d.get("scenarios") or ()
        ),
        economic_levers=tuple(
            Lever(
                e["id"],
                e["lever"],
                e["holder"],
                e["effect"],
                cites(e["sources"]),
                _t(e.get("targets")),
                e.get("direction", "pressure"),
                e.get("confidence"),
            )
            for e in d.get("economic_levers") or ()
        ),
        third_parties=tuple(_note(t, "influence") for t in d.get("third_parties") or ()),
        public_opinion=tuple(_note(p, "summary") for p in d.get("public_opinion") or ()),
        talking_points=tuple(
            TalkingPoint(t["text"], cites(t.get("sources")), t.get("they_say"))
            for t in d.get("talking_points") or ()
        ),
        related=_t(d.get("related")),
        changes=tuple(sorted((_date(c["date"]), c["change"]) for c in d.get("changes") or ())),
        digest=digest,
        topic=topic_parts(d),
    )


def book_from(d: dict[str, Any], rel: str, digest: str) -> Book:
    """Build a Book from validated data."""
    return Book(
        id=d["id"],
        rel=rel,
        title=d["title"],
        subtitle=d.get("subtitle"),
        date=_date(d["date"]),
        version=d["version"],
        status=d["status"],
        audience=d["audience"],
        distribution=d.get("distribution"),
        executive_summary=d["executive_summary"],
        summary_sources=cites(d.get("summary_sources")),
        issues=_t(d["issues"]),
        key_players=_t(d.get("key_players")),
        sections=tuple(
            Section(s["id"], s["heading"], s["body"], cites(s.get("sources")), s["kind"])
            for s in d.get("sections") or ()
        ),
        changes=tuple(sorted((_date(c["date"]), c["change"]) for c in d.get("changes") or ())),
        digest=digest,
        topic=topic_parts(d),
    )


def config_from(d: dict[str, Any]) -> Config:
    """Build the project Config from validated data, defaults filled in."""
    site = d.get("site") or {}
    default = Config()
    markings = tuple(Marking(m["name"], m["publish"]) for m in d.get("markings", ()))
    return Config(
        site_title=site.get("title", default.site_title),
        base_url=site.get("base_url", default.base_url),
        author=site.get("author", default.author),
        distribution=d.get("distribution", default.distribution),
        page_size=d.get("page_size", default.page_size),
        stale_after_days=d.get("stale_after_days", default.stale_after_days),
        markings=markings or DEFAULT_MARKINGS,
        audience=site.get("audience", default.audience),
        exclude=tuple(site.get("exclude", ())),
        checks_off=tuple((d.get("tradecraft") or {}).get("off", ())),
        bluf_max_words=(d.get("tradecraft") or {}).get("bluf_max_words", default.bluf_max_words),
        theme=theme_from(d.get("theme")),
    )
