"""View models: what a template needs to draw one brief (an issue or a briefing book)."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from ..model import (
    LIKELIHOODS,
    Actor,
    Book,
    Corpus,
    Issue,
    KeyJudgment,
    PartialDate,
    Revision,
    Source,
)
from ..topic import Citation, SourcePart
from .figures import Matrix, Timeline, TimelineItem, gap_matrix, timeline


@dataclass(frozen=True)
class Note:
    """A numbered endnote pointing at one source (one of its parts, a pinpoint in it)."""

    number: int
    source: Source
    part: SourcePart | None = None
    at: str | None = None
    credibility: int | None = None  # tradecraft: this citation's grade, 1-6

    @property
    def date(self) -> PartialDate | None:
        """The date the note prints: its part's, else the source's."""
        return (self.part.date if self.part else None) or self.source.date


class Citations:
    """Numbers citations in order of first use, for endnotes linked from the text; the same
    source at another part or pinpoint is another note."""

    def __init__(self, sources: dict[str, Source]) -> None:
        self._sources = sources
        self._numbers: dict[tuple[str, str, str], int] = {}
        self.entries: list[Note] = []

    def __call__(self, items: Iterable[Citation] | Citation) -> list[Note]:
        """Cite sources; returns their notes (numbered on first use)."""
        notes = []
        for c in [items] if isinstance(items, Citation) else items:
            if c.key not in self._numbers:
                self._numbers[c.key] = len(self._numbers) + 1
                src = self._sources[c.id]
                self.entries.append(Note(self._numbers[c.key], src, src.part(c.part), c.at))
            note = self.entries[self._numbers[c.key] - 1]
            notes.append(replace(note, credibility=c.credibility) if c.credibility else note)
        return sorted(set(notes), key=lambda n: n.number)


@dataclass(frozen=True)
class TopJudgment:
    """A key judgment on the book's top sheet, with the chapter it comes from."""

    issue: Issue
    judgment: KeyJudgment

    @property
    def lead(self) -> str:
        """The judgment's first sentence: the top sheet states it; the chapter argues it."""
        return _SENTENCE_END.split(self.judgment.text.strip(), maxsplit=1)[0]


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z“\"])")


@dataclass(frozen=True)
class Watch:
    """One sign to watch on the book's top sheet: the most likely scenario's first indicator."""

    issue: Issue
    scenario: str
    likelihood: str
    indicator: str


@dataclass(frozen=True)
class TopSheet:
    """The book's first page: its bottom line, the judgments that matter most, what to watch."""

    bottom_line: str
    judgments: tuple[TopJudgment, ...]
    watch: tuple[Watch, ...]


TOP_JUDGMENTS = 5


def top_sheet(book: Book, issues: list[Issue]) -> TopSheet:
    """Each chapter's leading judgment in turn (its first, then its second...) up to five, and
    each chapter's most likely scenario's first indicator; the summary's first paragraph."""
    picked: list[TopJudgment] = []
    depth = max((len(i.key_judgments) for i in issues), default=0)
    for k in range(depth):
        picked += [TopJudgment(i, i.key_judgments[k]) for i in issues if k < len(i.key_judgments)]
    watch = []
    for issue in issues:
        if issue.scenarios:
            sc = max(issue.scenarios, key=lambda s: LIKELIHOODS.index(s.likelihood))
            if sc.indicators:
                watch.append(Watch(issue, sc.name, sc.likelihood, sc.indicators[0]))
    first = book.executive_summary.strip().split("\n\n", 1)[0]
    return TopSheet(first, tuple(picked[:TOP_JUDGMENTS]), tuple(watch))


@dataclass(frozen=True, order=True)
class ChangeNote:
    """One editorial change for readers: a brief's `changes:` entry or a commit trailer."""

    date: dt.date
    text: str

    @property
    def date_label(self) -> str:
        """'10 August 2025'."""
        return _months(self.date)


def change_notes(
    changes: tuple[tuple[dt.date, str], ...], revisions: list[Revision], cover: dt.date
) -> list[ChangeNote]:
    """Newest first: the brief's own notes and its commits' Brief-Change trailers, none dated
    after the cover; commits without a trailer (formatting, code) are not readers' business."""
    notes = {ChangeNote(d, t) for d, t in changes}
    for r in revisions:
        if r.note:
            try:
                notes.add(ChangeNote(dt.date.fromisoformat(r.date), r.note))
            except ValueError:
                continue
    return sorted((n for n in notes if n.date <= cover), reverse=True)


def _months(d: dt.date) -> str:
    return f"{d.day} {d.strftime('%B')} {d.year}"


@dataclass
class BriefView:
    """Everything a brief template reads; built fresh for every render (citations are stateful)."""

    kind: str
    id: str
    title: str
    subtitle: str | None
    status: str
    version: str
    date: dt.date
    distribution: str
    author: str
    page_size: str
    issues: list[Issue]
    matrix: Matrix
    timeline: Timeline
    keywords: list[str]
    description: str
    book: Book | None = None
    key_players: list[Actor] = field(default_factory=list)
    revisions: list[Revision] = field(default_factory=list)
    source_rel: str = ""
    top: TopSheet | None = None
    changes: tuple[tuple[dt.date, str], ...] = ()
    overdue: dict[str, dt.date] = field(default_factory=dict)  # its issues' missed reviews

    @property
    def overdue_since(self) -> dt.date | None:
        """When an issue brief's review fell due, if it is overdue."""
        return self.overdue.get(self.id) if self.kind == "issue" else None

    @property
    def date_label(self) -> str:
        """The brief's date for people: '10 August 2025'."""
        return _months(self.date)

    @property
    def change_notes(self) -> list[ChangeNote]:
        """The revision history readers see."""
        return change_notes(self.changes, self.revisions, self.date)

    @property
    def date_iso(self) -> str:
        """The brief's date for machines."""
        return self.date.isoformat()


def _plain(text: str, limit: int = 240) -> str:
    flat = " ".join(text.replace("*", "").replace("_", " ").split())
    return flat if len(flat) <= limit else flat[: limit - 1].rsplit(" ", 1)[0] + "…"


def _timeline_items(issues: list[Issue]) -> list[TimelineItem]:
    items = []
    seen: set[tuple[str, str]] = set()
    for issue in issues:
        for p in issue.precedents:
            key = (p.date.iso, p.when)
            if key in seen:  # the same event told by several issues shows once in a book
                continue
            seen.add(key)
            if not p.timeline:  # tradecraft: an unconfirmed precedent is no event (TC005)
                continue
            inferred = p.confidence == "low" or p.status is not None or "inferred" in p.when.lower()
            items.append((issue.id, p.id, p.date, p.when, p.title, inferred, bool(p.date_label)))
    return items


def issue_view(
    corpus: Corpus, issue: Issue, revisions: list[Revision], page_size: str | None = None
) -> BriefView:
    """The view of one issue's brief."""
    cfg = corpus.config
    return BriefView(
        kind="issue",
        id=issue.id,
        title=issue.title,
        subtitle=issue.subtitle,
        status=issue.status,
        version=issue.version,
        date=issue.last_reviewed,
        distribution=corpus.marking("issue", issue.id),
        author=cfg.author,
        page_size=page_size or cfg.page_size,
        issues=[issue],
        matrix=gap_matrix([issue]),
        timeline=timeline(_timeline_items([issue])),
        keywords=sorted({issue.id, *(r.topic for r in issue.positions)}),
        description=_plain(issue.bluf),
        revisions=revisions,
        source_rel=issue.rel,
        changes=issue.changes,
    )


def book_view(
    corpus: Corpus, book: Book, revisions: list[Revision], page_size: str | None = None
) -> BriefView:
    """The view of a briefing book: its issues in the manifest's order."""
    cfg = corpus.config
    issues = [corpus.issues[i] for i in book.issues]
    return BriefView(
        kind="book",
        id=book.id,
        title=book.title,
        subtitle=book.subtitle,
        status=book.status,
        version=book.version,
        date=book.date,
        distribution=corpus.marking("book", book.id),
        author=cfg.author,
        page_size=page_size or cfg.page_size,
        issues=issues,
        matrix=gap_matrix(issues),
        timeline=timeline(_timeline_items(issues)),
        keywords=[i.title for i in issues],
        description=_plain(book.executive_summary),
        book=book,
        key_players=[corpus.actors[a] for a in book.key_players],
        top=top_sheet(book, issues),
        revisions=revisions,
        source_rel=book.rel,
        changes=book.changes,
    )


def context(corpus: Corpus, view: BriefView, **extra: Any) -> dict[str, Any]:
    """Template context: the view, the registries and a fresh citation counter."""
    return {
        "doc": view,
        "actors": corpus.actors,
        "sources": corpus.sources,
        "issues_by_id": corpus.issues,
        "cite": Citations(corpus.sources),
        "sections_of": sections_of,
        "position_columns": position_columns,
        **extra,
    }


def sections_of(issue: Issue) -> list[str]:
    """Keys of the sections an issue brief has, in reading order (empty ones are left out)."""
    present = {
        "bluf": True,
        "judgments": bool(issue.key_judgments),
        "indicators": any(k.indicators for k in issue.key_judgments),  # tradecraft
        "matrix": bool(issue.positions),
        "positions": bool(issue.positions),
        "actors": bool(issue.topic.profiles),  # issue 21
        "quotes": bool(issue.topic.quotes),
        "figures": bool(issue.topic.figures),
        "agendas": bool(issue.agendas),
        "analysis": bool(issue.analysis),
        "history": bool(issue.precedents),
        "scenarios": bool(issue.scenarios),
        "levers": bool(issue.economic_levers),
        "third-parties": bool(issue.third_parties),
        "opinion": bool(issue.public_opinion),
        "talking-points": bool(issue.talking_points),
        "watch-list": bool(issue.topic.watch_list),  # issue 21
        "recommendations": bool(issue.topic.recommendations),
        "related": bool(issue.related),
    }
    return [k for k, on in present.items() if on]


@dataclass(frozen=True)
class PositionColumns:
    """The positions table's actor columns; stances of actors too sparse for a column of
    their own are printed under their row instead (an empty column is never drawn)."""

    actors: tuple[str, ...]
    folded: dict[str, tuple[tuple[str, str], ...]]  # row id -> (actor, stance) moved out

    @property
    def any_folded(self) -> bool:
        """True when some actor's stances appear under rows rather than in a column."""
        return any(self.folded.values())


def position_columns(issue: Issue) -> PositionColumns:
    """Principals always; another actor gets a column when it takes a stance on at least two
    sub-topics, else its one stance is printed under that row (nato: 15 of 20 cells were '—')."""
    counts: dict[str, int] = {}
    for row in issue.positions:
        for actor, _ in row.stances:
            counts[actor] = counts.get(actor, 0) + 1
    cols = tuple(a for a in issue.stance_actors() if a in issue.principals or counts.get(a, 0) >= 2)
    folded = {
        row.id: tuple((a, s) for a, s in row.stances if a not in cols) for row in issue.positions
    }
    return PositionColumns(cols, folded)
