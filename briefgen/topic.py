"""Model stage, the parts that let a brief fit any topic: citations with pinpoints, dated parts
of a source, actor profiles per topic, and the sections analysts write (recommendations, a
watch list, figures, quotations, authors). Issue 21; model.py holds the fields that use them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .dates import PartialDate

# Kinds of actor the registry knows; a topic brings its own (a territory, an Indigenous body).
ACTOR_KINDS = ("state", "territory", "alliance", "union", "organisation", "group")
NOT_APPLICABLE = "not-applicable"


@dataclass(frozen=True)
class Citation:
    """One item of a `sources:` list: a source, optionally one of its parts and a pinpoint.

    In YAML an item is `unclos`, `nato-accessions#fi` or `{id: unclos, at: "Art. 234",
    credibility: 2}`.
    Another optional key of the object form becomes another field here with a default."""

    id: str
    part: str | None = None
    at: str | None = None
    credibility: int | None = None  # tradecraft (#22): Admiralty credibility 1-6 of this citation

    @property
    def ref(self) -> str:
        """The id as written: `source` or `source#part`."""
        return f"{self.id}#{self.part}" if self.part else self.id

    @property
    def key(self) -> tuple[str, str, str]:
        """What makes two citations one endnote: the same source, part and pinpoint."""
        return (self.id, self.part or "", self.at or "")


def split_ref(ref: str) -> tuple[str, str | None]:
    """`source#part` -> (source, part); `source` -> (source, None)."""
    sid, _, part = ref.partition("#")
    return sid, part or None


def citation_from(item: Any) -> Citation:
    """A Citation from one validated `sources:` item (a string or an object)."""
    if isinstance(item, str):
        return Citation(*split_ref(item))
    sid, part = split_ref(item["id"])
    return Citation(sid, part, item.get("at"), item.get("credibility"))


def cites(items: Any) -> tuple[Citation, ...]:
    """Every item of a validated `sources:` list (absent: none)."""
    return tuple(citation_from(i) for i in items or ())


def ref_of(item: Any) -> str:
    """The `source` or `source#part` a raw `sources:` item names ("" for a malformed one)."""
    if isinstance(item, dict):
        item = item.get("id")
    return item if isinstance(item, str) else ""


@dataclass(frozen=True)
class SourcePart:
    """One dated part of a source (one accession of a two-accession record, say)."""

    id: str
    title: str
    date: PartialDate | None = None
    url: str | None = None


def parts_from(d: dict[str, Any]) -> tuple[SourcePart, ...]:
    """The parts of one validated source entry."""
    return tuple(
        SourcePart(
            p["id"],
            p["title"],
            PartialDate.parse(p["date"]) if p.get("date") else None,
            p.get("url"),
        )
        for p in d.get("parts") or ()
    )


@dataclass(frozen=True)
class Profile:
    """What one actor wants on this topic: the brief's own agenda, red lines and levers."""

    actor: str
    agenda: str | None = None
    red_lines: tuple[str, ...] = ()
    levers: tuple[str, ...] = ()
    sources: tuple[Citation, ...] = ()


@dataclass(frozen=True)
class Recommendation:
    """A course of action the brief recommends, with why and on what evidence."""

    id: str
    text: str
    rationale: str
    sources: tuple[Citation, ...]


@dataclass(frozen=True)
class WatchItem:
    """A dated event or an indicator to watch for, and why it matters."""

    id: str
    kind: str  # "event" | "indicator"
    text: str
    why: str
    date: PartialDate | None = None
    window: str | None = None
    sources: tuple[Citation, ...] = ()

    @property
    def when(self) -> str:
        """The date or window as a reader sees it."""
        return self.date.label if self.date else self.window or ""


@dataclass(frozen=True)
class Figure:
    """An image from briefs/figures/, with its caption, alt text and source."""

    id: str
    file: str  # relative to briefs/figures/
    caption: str
    alt: str
    source: Citation


@dataclass(frozen=True)
class Quote:
    """An attributed quotation."""

    id: str
    text: str
    speaker: str
    date: PartialDate
    source: Citation
    actor: str | None = None


@dataclass(frozen=True)
class Author:
    """Who wrote the brief and how to reach them."""

    name: str
    role: str
    contact: str | None = None


@dataclass(frozen=True)
class TopicParts:
    """The issue-21 fields of an issue or a book, built together from validated data."""

    profiles: tuple[Profile, ...] = ()
    recommendations: tuple[Recommendation, ...] = ()
    watch_list: tuple[WatchItem, ...] = ()
    figures: tuple[Figure, ...] = ()
    quotes: tuple[Quote, ...] = ()
    authors: tuple[Author, ...] = ()


def _profile(actor: str, p: dict[str, Any]) -> Profile:
    return Profile(
        actor,
        p.get("agenda"),
        tuple(p.get("red_lines") or ()),
        tuple(p.get("levers") or ()),
        cites(p.get("sources")),
    )


def _watch(w: dict[str, Any]) -> WatchItem:
    kind = "event" if "event" in w else "indicator"
    return WatchItem(
        w["id"],
        kind,
        w[kind],
        w["why"],
        PartialDate.parse(w["date"]) if w.get("date") else None,
        w.get("window"),
        cites(w.get("sources")),
    )


def topic_parts(d: dict[str, Any]) -> TopicParts:
    """Profiles, recommendations, watch list, figures, quotes and authors of one document."""
    return TopicParts(
        profiles=tuple(_profile(a, p) for a, p in (d.get("actors") or {}).items()),
        recommendations=tuple(
            Recommendation(r["id"], r["text"], r["rationale"], cites(r["sources"]))
            for r in d.get("recommendations") or ()
        ),
        watch_list=tuple(_watch(w) for w in d.get("watch_list") or ()),
        figures=tuple(
            Figure(f["id"], f["file"], f["caption"], f["alt"], citation_from(f["source"]))
            for f in d.get("figures") or ()
        ),
        quotes=tuple(
            Quote(
                q["id"],
                q["text"],
                q["speaker"],
                PartialDate.parse(q["date"]),
                citation_from(q["source"]),
                q.get("actor"),
            )
            for q in d.get("quotes") or ()
        ),
        authors=tuple(
            Author(a["name"], a["role"], a.get("contact")) for a in d.get("authors") or ()
        ),
    )
