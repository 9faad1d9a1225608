"""Tradecraft checks: analytic standards `briefgen validate` enforces, each with a rule code.

Like a linter's rules, each has a code (TC001...), a severity and a one-line reason, is
documented in docs/tradecraft.md and can be switched off in briefgen.yaml
(`tradecraft: {off: [TC003]}`). Warnings become errors under `validate --strict`. The checks
read the validated documents (a likely-false item is in the file, though never published) and
the corpus (source grades, settings), so every finding is located at the value it is about.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from .analytic import (
    LIKELIHOOD_LABELS,
    LIKELIHOOD_PHRASES,
    WEAK_GRADES,
    WITHHELD,
    citation_id,
)
from .diagnostics import Diagnostic, Severity
from .load import Document
from .model import Corpus

Finding = tuple[tuple[Any, ...], str]  # where in the document, and what is wrong


@dataclass(frozen=True)
class Rule:
    """One tradecraft check: its code, how bad a finding is and what it enforces."""

    code: str
    severity: Severity
    title: str


RULES = {
    r.code: r
    for r in (
        Rule("TC001", Severity.ERROR, "a key judgment must cite at least one source"),
        Rule("TC002", Severity.WARNING, "high confidence must not rest only on D-F sources"),
        Rule("TC003", Severity.WARNING, "a likelihood word in the text must match `likelihood`"),
        Rule("TC004", Severity.WARNING, "a judgment whose horizon has passed is due for review"),
        Rule("TC005", Severity.ERROR, "an unverified or likely-false precedent is no event"),
        Rule("TC006", Severity.WARNING, "a BLUF must not run over the word limit"),
        Rule("TC007", Severity.WARNING, "a key judgment must state its likelihood"),
    )
}


@dataclass(frozen=True)
class _Context:
    """What the rules read besides the document: the registry's grades and the settings."""

    grades: dict[str, str | None]
    today: dt.date | None
    bluf_max_words: int


def check(
    corpus: Corpus, docs: dict[str, Document], today: dt.date | None, strict: bool
) -> list[Diagnostic]:
    """Every enabled rule over every issue; `strict` makes warnings errors."""
    ctx = _Context(
        {s.id: s.grade for s in corpus.sources.values()}, today, corpus.config.bluf_max_words
    )
    off = set(corpus.config.checks_off)
    out = []
    for issue in corpus.issues.values():
        doc = docs.get(issue.rel)
        if doc is None or not isinstance(doc.data, dict):
            continue
        for code, rule_fn in _CHECKS.items():
            if code in off:
                continue
            rule = RULES[code]
            severity = Severity.ERROR if strict else rule.severity
            for path, message in rule_fn(ctx, doc.data):
                line, col = doc.locate(path)
                out.append(Diagnostic(doc.rel, line, col, message, severity, code))
    return out


def _judgments(data: dict[str, Any]) -> Iterator[tuple[int, dict[str, Any]]]:
    """The judgments a reader will see (a likely-false one is a record, never printed)."""
    for i, k in enumerate(data.get("key_judgments") or ()):
        if isinstance(k, dict) and k.get("status") != WITHHELD:
            yield i, k


def _tc001(ctx: _Context, data: dict[str, Any]) -> Iterator[Finding]:
    """A judgment with no sources asserts without evidence."""
    for i, k in _judgments(data):
        if not k.get("sources"):
            yield ("key_judgments", i), f"judgment '{k.get('id')}' cites no sources"


# Every list of an issue whose items carry a confidence and the sources it rests on.
_RATED = (
    "key_judgments",
    "positions",
    "agendas",
    "analysis",
    "precedents",
    "economic_levers",
    "third_parties",
    "public_opinion",
)


def _confirmed(cited: Any) -> bool:
    """A citation graded 1: what the source says here is confirmed by other sources."""
    return isinstance(cited, dict) and cited.get("credibility") == 1


def _tc002(ctx: _Context, data: dict[str, Any]) -> Iterator[Finding]:
    """High confidence needs a source graded A-C (an ungraded one counts as F) or a citation
    graded 1 (confirmed by other sources: the public record, say)."""
    for name in _RATED:
        for i, item in enumerate(data.get(name) or ()):
            if not isinstance(item, dict) or item.get("confidence") != "high":
                continue
            cited = list(item.get("sources") or ())
            ids = [citation_id(c) for c in cited]
            grades = {sid: ctx.grades.get(sid) or "F" for sid in ids if isinstance(sid, str)}
            weak = all(g in WEAK_GRADES for g in grades.values())
            if grades and weak and not any(_confirmed(c) for c in cited):
                shown = ", ".join(f"{sid} {g}" for sid, g in grades.items())
                yield (
                    (name, i, "confidence"),
                    f"high confidence rests only on sources graded D-F ({shown}); cite a "
                    "source graded A-C, grade a confirmed citation 1, or lower the confidence",
                )


_PHRASE = re.compile(
    r"\b(" + "|".join(re.escape(p) for p, _ in LIKELIHOOD_PHRASES) + r")\b", re.IGNORECASE
)
_BAND = dict(LIKELIHOOD_PHRASES)


def likelihood_words(text: str) -> list[tuple[str, str]]:
    """The likelihood phrases a text uses, each with the ICD 203 band it names."""
    return [(m.group(1), _BAND[m.group(1).lower()]) for m in _PHRASE.finditer(text)]


def _tc003(ctx: _Context, data: dict[str, Any]) -> Iterator[Finding]:
    """Prose that says "unlikely" under a field that says "likely" contradicts itself."""
    for i, k in _judgments(data):
        field = k.get("likelihood")
        if not isinstance(field, str) or not isinstance(k.get("text"), str):
            continue
        for phrase, band in likelihood_words(k["text"]):
            if band != field:
                yield (
                    ("key_judgments", i, "text"),
                    f"the text says '{phrase}' ({LIKELIHOOD_LABELS[band].lower()}) but "
                    f"`likelihood` is {field}: make them agree",
                )
                break


def _tc004(ctx: _Context, data: dict[str, Any]) -> Iterator[Finding]:
    """A judgment past its horizon has resolved one way or the other: review it."""
    if ctx.today is None:
        return
    for i, k in _judgments(data):
        try:
            due = dt.date.fromisoformat(k.get("horizon") or "")
        except ValueError:
            continue
        if due < ctx.today:
            yield (
                ("key_judgments", i, "horizon"),
                f"judgment '{k.get('id')}' is due for review: its horizon {due.isoformat()} "
                f"has passed (today is {ctx.today.isoformat()})",
            )


def _tc005(ctx: _Context, data: dict[str, Any]) -> Iterator[Finding]:
    """A precedent nobody has confirmed must not be drawn as an event that happened."""
    for i, p in enumerate(data.get("precedents") or ()):
        if not isinstance(p, dict):
            continue
        if p.get("status") in ("unverified", "likely-false") and p.get("timeline", True):
            yield (
                ("precedents", i, "status"),
                f"precedent '{p.get('id')}' is {p['status']} and may not appear in a "
                "timeline as an event; set `timeline: false`",
            )


def _tc006(ctx: _Context, data: dict[str, Any]) -> Iterator[Finding]:
    """A bottom line a principal cannot take in at a glance is not one."""
    bluf = data.get("bluf")
    if isinstance(bluf, str):
        words = len(bluf.split())
        if words > ctx.bluf_max_words:
            yield (("bluf",), f"the BLUF runs {words} words; keep it to {ctx.bluf_max_words}")


def _tc007(ctx: _Context, data: dict[str, Any]) -> Iterator[Finding]:
    """A judgment without a likelihood leaves the reader to guess how probable it is."""
    for i, k in _judgments(data):
        if not k.get("likelihood"):
            yield (
                ("key_judgments", i),
                f"judgment '{k.get('id')}' has no `likelihood` (ICD 203 words, e.g. likely)",
            )


_CHECKS: dict[str, Callable[[_Context, dict[str, Any]], Iterator[Finding]]] = {
    "TC001": _tc001,
    "TC002": _tc002,
    "TC003": _tc003,
    "TC004": _tc004,
    "TC005": _tc005,
    "TC006": _tc006,
    "TC007": _tc007,
}
