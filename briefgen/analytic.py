"""Analytic tradecraft scales (ICD 203 likelihood, Admiralty grades) and the graded citation.

The model keeps a judgment's likelihood apart from its confidence, grades every source (A-F)
and may grade each citation (1-6); the words, ranges and meanings live here once, for the
model, the checks (tradecraft.py), the templates' legend and the semantic diff.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from .topic import cites

# --- likelihood: US Intelligence Community Directive 203 -----------------------------------

LIKELIHOODS = (
    "almost-no-chance",
    "very-unlikely",
    "unlikely",
    "roughly-even",
    "likely",
    "very-likely",
    "almost-certain",
)
LIKELIHOOD_LABELS = {
    "almost-no-chance": "Almost no chance",
    "very-unlikely": "Very unlikely",
    "unlikely": "Unlikely",
    "roughly-even": "Roughly even chance",
    "likely": "Likely",
    "very-likely": "Very likely",
    "almost-certain": "Almost certain",
}
LIKELIHOOD_RANGES = {
    "almost-no-chance": "1–5%",
    "very-unlikely": "5–20%",
    "unlikely": "20–45%",
    "roughly-even": "45–55%",
    "likely": "55–80%",
    "very-likely": "80–95%",
    "almost-certain": "95–99%",
}
# The words (and ICD 203's synonyms) that state a likelihood in prose, longest first so
# "very unlikely" is read before "unlikely" and "unlikely" before "likely".
LIKELIHOOD_PHRASES = (
    ("almost no chance", "almost-no-chance"),
    ("very unlikely", "very-unlikely"),
    ("highly improbable", "very-unlikely"),
    ("unlikely", "unlikely"),
    ("improbable", "unlikely"),
    ("roughly even chance", "roughly-even"),
    ("roughly even odds", "roughly-even"),
    ("very likely", "very-likely"),
    ("highly probable", "very-likely"),
    ("likely", "likely"),
    ("probably", "likely"),
    ("probable", "likely"),
    ("almost certainly", "almost-certain"),
    ("almost certain", "almost-certain"),
    ("nearly certain", "almost-certain"),
)

CONFIDENCE_LEVELS = ("low", "moderate", "high")
CONFIDENCE_MEANINGS = {
    "low": "Thin, fragmentary or poorly corroborated evidence, or sources of doubtful reliability.",
    "moderate": "Credibly sourced and plausible, but not corroborated enough for a higher rating.",
    "high": "Well-documented evidence from reliable sources, or a matter of public record.",
}

# --- source reliability (A-F) and information credibility (1-6): the Admiralty system ------

GRADES = ("A", "B", "C", "D", "E", "F")
GRADE_LABELS = {
    "A": "Completely reliable",
    "B": "Usually reliable",
    "C": "Fairly reliable",
    "D": "Not usually reliable",
    "E": "Unreliable",
    "F": "Reliability cannot be judged",
}
WEAK_GRADES = frozenset({"D", "E", "F"})
CREDIBILITY_LABELS = {
    1: "Confirmed by other sources",
    2: "Probably true",
    3: "Possibly true",
    4: "Doubtful",
    5: "Improbable",
    6: "Truth cannot be judged",
}

# --- the status of a claim or precedent ----------------------------------------------------

STATUS_LABELS = {
    "unverified": "Unverified",
    "disputed": "Disputed",
    "likely-false": "Likely false",
}
STATUS_MEANINGS = {
    "unverified": "Reported but confirmed by no other source; listed, not drawn on a timeline.",
    "disputed": "Sources or parties contradict each other; shown with the reason.",
    "likely-false": "Judged untrue on the evidence; left out of the brief.",
}
WITHHELD = "likely-false"  # the status whose items no output carries


@dataclass(frozen=True)
class Claim:
    """What every claim and precedent may carry: a status and the reason for it (keyword
    fields, so a model that inherits them keeps its own positional fields)."""

    status: str | None = field(default=None, kw_only=True)  # unverified | disputed | likely-false
    reason: str | None = field(default=None, kw_only=True)


def citation_id(item: Any) -> Any:
    """The source id of a citation item (a plain id or `{id: ...}`); anything else as is."""
    return item.get("id") if isinstance(item, dict) else item


def claim(d: dict[str, Any]) -> dict[str, Any]:
    """The status and reason of a claim or precedent, as keyword arguments for its model."""
    return {"status": d.get("status"), "reason": d.get("reason")}


def shown(item: dict[str, Any]) -> bool:
    """Whether a validated item may reach an output (a likely-false one is never published)."""
    return item.get("status") != WITHHELD


def judgment(k: dict[str, Any]) -> dict[str, Any]:
    """The keyword arguments of a KeyJudgment from its validated data."""
    return {
        "id": k["id"],
        "text": k["text"],
        "confidence": k["confidence"],
        "sources": cites(k.get("sources")),
        "likelihood": k.get("likelihood"),
        "basis": k.get("basis"),
        "horizon": _day(k.get("horizon")),
        "indicators": indicators(k.get("indicators")),
        **claim(k),
    }


@dataclass(frozen=True)
class Indicator:
    """A sign to watch that would bear on a judgment: what, what it would mean, and by when."""

    text: str
    meaning: str | None = None
    by: dt.date | None = None


def indicators(items: Any) -> tuple[Indicator, ...]:
    """A judgment's indicators: plain lines or `{text, meaning, by}` objects."""
    return tuple(
        Indicator(i["text"], i.get("meaning"), _day(i.get("by")))
        if isinstance(i, dict)
        else Indicator(i)
        for i in items or ()
    )


def _day(text: str | None) -> dt.date | None:
    """A YYYY-MM-DD value the schema let through, as a date."""
    return dt.date.fromisoformat(text) if text else None


@dataclass(frozen=True)
class Scales:
    """The scales as templates read them (the legend at the back of every brief)."""

    likelihood_labels: dict[str, str]
    likelihood_ranges: dict[str, str]
    confidence_meanings: dict[str, str]
    grade_labels: dict[str, str]
    credibility_labels: dict[int, str]
    status_labels: dict[str, str]
    status_meanings: dict[str, str]


SCALES = Scales(
    LIKELIHOOD_LABELS,
    LIKELIHOOD_RANGES,
    CONFIDENCE_MEANINGS,
    GRADE_LABELS,
    CREDIBILITY_LABELS,
    STATUS_LABELS,
    STATUS_MEANINGS,
)
