"""Compare two parsed revisions by ids into typed change records (what a reviewer must see)."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .analytic import GRADES, citation_id
from .model import GAP_LEVELS, LIKELIHOODS
from .revisions import Revisions, Snapshot, Yaml, YamlMap, keyed
from .topic import ref_of

CONFIDENCE_LEVELS = ("low", "moderate", "high")

# Parts of an issue reported as plain field changes (old -> new); lists among them are sets.
_FIELDS = (
    "title",
    "subtitle",
    "status",
    "version",
    "last_reviewed",
    "distribution",
    "principals",
    "related",
)
# Parts reported only as "revised", with the key that names an item and the field that labels it.
_GENERIC = {
    "agendas": ("actor", "actor"),
    "analysis": ("id", "heading"),
    "precedents": ("id", "title"),
    "economic_levers": ("id", "lever"),
    "third_parties": ("actor", "actor"),
    "public_opinion": ("actor", "actor"),
    "talking_points": ("", ""),
}
SECTION_NAMES = {
    "bluf": "BLUF",
    "positions": "Positions",
    "key_judgments": "Key judgment",
    "scenarios": "Scenario",
    "agendas": "Goals and red lines",
    "analysis": "Analysis",
    "precedents": "Precedent",
    "economic_levers": "Economic lever",
    "third_parties": "Third-party influence",
    "public_opinion": "Public opinion",
    "talking_points": "Talking points",
}

IssueChange = Literal["added", "removed", "changed"]
EditChange = Literal["added", "removed", "revised"]


@dataclass(frozen=True)
class Ref:
    """An item named by id, with the label a reader knows it by."""

    id: str
    label: str


@dataclass(frozen=True)
class FieldChange:
    """A plain field whose value changed; None where the field is absent."""

    field: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class StanceChange:
    """One actor's stance on one sub-topic, before and after (None where it had none)."""

    row: str
    topic: str
    actor: str
    actor_name: str
    old: str | None
    new: str | None


@dataclass(frozen=True)
class LevelChange:
    """A move on an ordered scale (gap, confidence, likelihood, reliability), with its sense."""

    id: str
    label: str
    old: str
    new: str
    direction: str


# --- tradecraft (#22): claim status and citation credibility ---------------------------------


@dataclass(frozen=True)
class StatusChange:
    """A claim or precedent whose status moved (None: it stood unqualified), and why now."""

    section: str
    id: str
    label: str
    old: str | None
    new: str | None
    reason: str | None


@dataclass(frozen=True)
class CredibilityChange:
    """The credibility grade (1-6) of one citation of one item, before and after."""

    section: str
    id: str
    source: str
    old: int | None
    new: int | None


# Sections whose items may carry a status, each with the field that labels an item.
_CLAIMS = {
    "key_judgments": "id",
    "positions": "topic",
    "analysis": "heading",
    "precedents": "title",
}
# Worst to best, so moving toward A reads "raised".
GRADE_SCALE = tuple(reversed(GRADES))


@dataclass(frozen=True)
class JudgmentRef:
    """A key judgment added or removed, with what it says."""

    id: str
    confidence: str
    text: str


@dataclass(frozen=True)
class Edit:
    """A change outside the tracked categories, named so a reviewer knows where to look."""

    section: str
    item: str
    label: str
    change: EditChange
    fields: tuple[str, ...] = ()


@dataclass
class IssueChanges:
    """Everything that changed in one issue; `change` is added, removed or changed."""

    id: str
    title: str
    change: IssueChange
    fields: list[FieldChange] = field(default_factory=list)
    positions_added: list[Ref] = field(default_factory=list)
    positions_removed: list[Ref] = field(default_factory=list)
    stances: list[StanceChange] = field(default_factory=list)
    gaps: list[LevelChange] = field(default_factory=list)
    judgments_added: list[JudgmentRef] = field(default_factory=list)
    judgments_removed: list[JudgmentRef] = field(default_factory=list)
    confidence: list[LevelChange] = field(default_factory=list)
    judgment_likelihoods: list[LevelChange] = field(default_factory=list)
    statuses: list[StatusChange] = field(default_factory=list)
    credibility: list[CredibilityChange] = field(default_factory=list)
    judgments_reworded: list[Ref] = field(default_factory=list)
    scenarios_added: list[Ref] = field(default_factory=list)
    scenarios_removed: list[Ref] = field(default_factory=list)
    likelihoods: list[LevelChange] = field(default_factory=list)
    sources_added: list[Ref] = field(default_factory=list)
    sources_removed: list[Ref] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when a changed issue differs in nothing a reviewer needs to see."""
        lists = (v for v in vars(self).values() if isinstance(v, list))
        return self.change == "changed" and not any(lists)


@dataclass(frozen=True)
class ActorChange:
    """An actor of the registry whose entry changed, and which of its fields (issue 21)."""

    id: str
    label: str
    fields: tuple[str, ...]


@dataclass
class BookChanges:
    """A briefing book added, removed or changed: its issue list and other fields (issue 21)."""

    id: str
    title: str
    change: IssueChange
    issues_added: list[str] = field(default_factory=list)
    issues_removed: list[str] = field(default_factory=list)
    reordered: bool = False
    fields: list[str] = field(default_factory=list)


@dataclass
class Changes:
    """The whole report: per-issue changes and changes to the source registry."""

    base: str
    base_commit: str
    head: str
    head_commit: str | None
    issues: list[IssueChanges] = field(default_factory=list)
    sources_added: list[Ref] = field(default_factory=list)
    sources_removed: list[Ref] = field(default_factory=list)
    sources_rerated: list[LevelChange] = field(default_factory=list)
    sources_regraded: list[LevelChange] = field(default_factory=list)
    actors_added: list[Ref] = field(default_factory=list)
    actors_removed: list[Ref] = field(default_factory=list)
    actors_changed: list[ActorChange] = field(default_factory=list)
    books: list[BookChanges] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        """True when nothing of substance changed."""
        return not any(
            (
                self.issues,
                self.sources_added,
                self.sources_removed,
                self.sources_rerated,
                self.sources_regraded,
            )
        ) and not any((self.actors_added, self.actors_removed, self.actors_changed, self.books))


# --- comparing --------------------------------------------------------------------------
# Schema problems are `validate`'s business: the comparison takes whatever shape it finds, so
# a pull request that changes the schema, or is still being fixed, still gets its report.


def _text(value: Yaml) -> str:
    """One line of text; runs of whitespace collapse, so reflowing a paragraph is no change."""
    if value is None:
        return ""
    if not isinstance(value, str):
        value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    return " ".join(value.split())


def _canon(value: Yaml) -> Yaml:
    """A comparable form: collapsed text, no empty values, lists as sorted multisets."""
    if isinstance(value, str):
        return _text(value)
    if isinstance(value, dict):
        return {k: _canon(v) for k, v in value.items() if v not in (None, [], {}, "")}
    if isinstance(value, list):
        return sorted((_canon(v) for v in value), key=_key)
    return value


def _key(value: Yaml) -> str:
    """Canonical JSON: equal substance, equal key (NaN included)."""
    return json.dumps(_canon(value), sort_keys=True, ensure_ascii=False)


def _same(a: Yaml, b: Yaml) -> bool:
    return _key(a) == _key(b)


def _show(value: Yaml) -> str | None:
    """A field's value as one line of text, lists as sorted comma-separated ids."""
    if value in (None, [], ""):
        return None
    if isinstance(value, list):
        return ", ".join(sorted(_text(v) for v in value))
    return _text(value)


def _changed_fields(old: YamlMap, new: YamlMap, skip: Iterable[str]) -> list[str]:
    """Names of the fields of one item whose substance differs, minus those reported apart."""
    keys = sorted((set(old) | set(new)) - set(skip))
    return [k for k in keys if not _same(old.get(k), new.get(k))]


def _level(
    scale: tuple[str, ...], ident: str, label: str, old: Yaml, new: Yaml, words: tuple[str, str]
) -> LevelChange:
    """A move on an ordered scale, `words[0]` when down it; 'changed' for values off the scale."""
    a, b = _text(old), _text(new)
    if a in scale and b in scale:
        direction = words[0] if scale.index(b) < scale.index(a) else words[1]
    else:
        direction = "changed"
    return LevelChange(ident, label, a, b, direction)


def _citations(value: Yaml) -> set[str]:
    """Every source id cited anywhere inside an issue."""
    found: set[str] = set()
    stack = [value]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            for k, x in v.items():
                if k == "sources" and isinstance(x, list):  # ids, `id#part`, {id, at}
                    found.update(_text(ref_of(s).split("#")[0] or s) for s in x)
                else:
                    stack.append(x)
        elif isinstance(v, list):
            stack.extend(v)
    return found


class _Names:
    """Display names from the registries, head first, so reports read as prose."""

    def __init__(self, old: Snapshot, new: Snapshot) -> None:
        self.actors = {**old.actors, **new.actors}
        self.sources = {**old.sources, **new.sources}

    def actor(self, ident: str) -> str:
        a = self.actors.get(ident, {})
        return _text(a.get("short_name") or a.get("name")) or ident

    def source(self, ident: str) -> Ref:
        return Ref(ident, _text(self.sources.get(ident, {}).get("title")) or ident)


def _compare_issue(
    ident: str, old: YamlMap | None, new: YamlMap | None, names: _Names
) -> IssueChanges:
    """What changed in one issue, matched by ids."""
    if old is None or new is None:
        data = new if old is None else old
        assert data is not None
        change: IssueChange = "added" if old is None else "removed"
        return IssueChanges(ident, _text(data.get("title")) or ident, change)
    ch = IssueChanges(ident, _text(new.get("title")) or ident, "changed")
    for name in _FIELDS:
        if not _same(old.get(name), new.get(name)):
            ch.fields.append(FieldChange(name, _show(old.get(name)), _show(new.get(name))))
    bluf = [
        name
        for key, name in (("bluf", "text"), ("sources", "sources"))
        if not _same(old.get(key), new.get(key))
    ]
    if bluf:
        ch.edits.append(Edit("bluf", "", "BLUF", "revised", tuple(bluf)))
    _compare_positions(ch, old, new, names)
    _compare_judgments(ch, old, new)
    _compare_claims(ch, old, new)
    _compare_scenarios(ch, old, new)
    for section, (key, label_field) in _GENERIC.items():
        _compare_generic(ch, section, key, label_field, old, new, names)
    known = {"id", "bluf", "sources", "positions", "key_judgments", "scenarios"}
    for name in sorted((set(old) | set(new)) - known - set(_FIELDS) - set(_GENERIC)):
        if not _same(old.get(name), new.get(name)):
            ch.edits.append(Edit(name, "", name, "revised"))
    cited_old, cited_new = _citations(old), _citations(new)
    ch.sources_added = [names.source(s) for s in sorted(cited_new - cited_old)]
    ch.sources_removed = [names.source(s) for s in sorted(cited_old - cited_new)]
    return ch


def _pairs(
    old: YamlMap, new: YamlMap, section: str, key: str = "id"
) -> tuple[dict[str, YamlMap], dict[str, YamlMap], list[str]]:
    """One section of both versions keyed by `key`, and the keys found in both."""
    a, b = keyed(old.get(section), key), keyed(new.get(section), key)
    return a, b, sorted(a.keys() & b.keys())


def _refs(items: dict[str, YamlMap], keys: Iterable[str], label: str) -> list[Ref]:
    return [Ref(k, _text(items[k].get(label))) for k in sorted(keys)]


def _stances(row: YamlMap) -> YamlMap:
    stances = row.get("stances")
    return stances if isinstance(stances, dict) else {}


def _members(value: Yaml) -> Iterable[Yaml]:
    """What iterating a value yields: a list's items, a map's keys, a text's characters;
    nothing for a number or a boolean (a diff reads revisions that may not validate)."""
    if isinstance(value, (list, dict, str)):
        return value
    return ()


def _compare_positions(ch: IssueChanges, old: YamlMap, new: YamlMap, names: _Names) -> None:
    """Rows added or removed, stances per actor, gaps moved, and other row edits."""
    a, b, both = _pairs(old, new, "positions")
    ch.positions_added = _refs(b, b.keys() - a.keys(), "topic")
    ch.positions_removed = _refs(a, a.keys() - b.keys(), "topic")
    principals = [p for p in _members(new.get("principals")) if isinstance(p, str)]
    for k in both:
        ra, rb = a[k], b[k]
        topic = _text(rb.get("topic"))
        actors = set(_stances(ra)) | set(_stances(rb))
        for actor in [p for p in principals if p in actors] + sorted(actors - set(principals)):
            sa, sb = (_show(_stances(r).get(actor)) for r in (ra, rb))
            if sa != sb:
                ch.stances.append(StanceChange(k, topic, actor, names.actor(actor), sa, sb))
        if not _same(ra.get("gap"), rb.get("gap")):
            words = ("narrowed", "widened")
            ch.gaps.append(_level(GAP_LEVELS, k, topic, ra.get("gap"), rb.get("gap"), words))
        rest = _changed_fields(ra, rb, ("id", "stances", "gap"))
        if rest:
            ch.edits.append(Edit("positions", k, topic, "revised", tuple(rest)))


def _judgment(ident: str, item: YamlMap) -> JudgmentRef:
    return JudgmentRef(ident, _text(item.get("confidence")), _text(item.get("text")))


def _compare_judgments(ch: IssueChanges, old: YamlMap, new: YamlMap) -> None:
    """Judgments added or removed, confidence moved, text reworded, other edits."""
    a, b, both = _pairs(old, new, "key_judgments")
    ch.judgments_added = [_judgment(k, b[k]) for k in sorted(b.keys() - a.keys())]
    ch.judgments_removed = [_judgment(k, a[k]) for k in sorted(a.keys() - b.keys())]
    for k in both:
        ja, jb = a[k], b[k]
        if not _same(ja.get("confidence"), jb.get("confidence")):
            words = ("lowered", "raised")
            ca, cb = ja.get("confidence"), jb.get("confidence")
            ch.confidence.append(_level(CONFIDENCE_LEVELS, k, k, ca, cb, words))
        if not _same(ja.get("likelihood"), jb.get("likelihood")):
            la, lb = ja.get("likelihood"), jb.get("likelihood")
            ch.judgment_likelihoods.append(_level(LIKELIHOODS, k, k, la, lb, ("down", "up")))
        if not _same(ja.get("text"), jb.get("text")):
            ch.judgments_reworded.append(Ref(k, _text(jb.get("text"))))
        rest = _changed_fields(ja, jb, ("id", "confidence", "likelihood", "text"))
        if rest:
            ch.edits.append(Edit("key_judgments", k, k, "revised", tuple(rest)))


def _grades(item: YamlMap) -> dict[str, int | None]:
    """Each source an item cites, with the credibility its citation gives (None: ungraded)."""
    found: dict[str, int | None] = {}
    for c in _members(item.get("sources")):
        sid = citation_id(c)
        grade = c.get("credibility") if isinstance(c, dict) else None
        if isinstance(sid, str):
            found[sid] = grade if isinstance(grade, int) else None
    return found


def _compare_claims(ch: IssueChanges, old: YamlMap, new: YamlMap) -> None:
    """Statuses moved (unverified, disputed, likely-false) and citations regraded."""
    for section, label_field in _CLAIMS.items():
        a, b, both = _pairs(old, new, section)
        for k in both:
            ia, ib = a[k], b[k]
            label = _text(ib.get(label_field)) or k
            sa, sb = ia.get("status"), ib.get("status")
            if not _same(sa, sb):
                reason = _show(ib.get("reason"))
                ch.statuses.append(StatusChange(section, k, label, _show(sa), _show(sb), reason))
            ga, gb = _grades(ia), _grades(ib)
            for sid in sorted(ga.keys() & gb.keys()):
                if ga[sid] != gb[sid]:
                    ch.credibility.append(CredibilityChange(section, k, sid, ga[sid], gb[sid]))


def _compare_scenarios(ch: IssueChanges, old: YamlMap, new: YamlMap) -> None:
    """Scenarios added or removed, likelihoods moved, other scenario edits."""
    a, b, both = _pairs(old, new, "scenarios")
    ch.scenarios_added = _refs(b, b.keys() - a.keys(), "name")
    ch.scenarios_removed = _refs(a, a.keys() - b.keys(), "name")
    for k in both:
        sa, sb = a[k], b[k]
        name = _text(sb.get("name"))
        if not _same(sa.get("likelihood"), sb.get("likelihood")):
            la, lb = sa.get("likelihood"), sb.get("likelihood")
            ch.likelihoods.append(_level(LIKELIHOODS, k, name, la, lb, ("down", "up")))
        rest = _changed_fields(sa, sb, ("id", "likelihood"))
        if rest:
            ch.edits.append(Edit("scenarios", k, name, "revised", tuple(rest)))


def _compare_generic(
    ch: IssueChanges,
    section: str,
    key: str,
    label_field: str,
    old: YamlMap,
    new: YamlMap,
    names: _Names,
) -> None:
    """Items added, removed or revised in a part with no dedicated category."""
    if not key:
        if not _same(old.get(section), new.get(section)):
            ch.edits.append(Edit(section, "", SECTION_NAMES[section], "revised"))
        return
    a, b, _both = _pairs(old, new, section, key)

    def label(item: YamlMap) -> str:
        value = _text(item.get(label_field))
        return names.actor(value) if label_field == "actor" else value

    for k in sorted(a.keys() | b.keys()):
        if k not in a:
            ch.edits.append(Edit(section, k, label(b[k]), "added"))
        elif k not in b:
            ch.edits.append(Edit(section, k, label(a[k]), "removed"))
        else:
            rest = _changed_fields(a[k], b[k], (key,))
            if rest:
                ch.edits.append(Edit(section, k, label(b[k]), "revised", tuple(rest)))


def _rating(source: YamlMap) -> Yaml:
    reliability = source.get("reliability")
    return reliability.get("rating") if isinstance(reliability, dict) else None


def _grade(source: YamlMap) -> Yaml:
    reliability = source.get("reliability")
    return reliability.get("grade") if isinstance(reliability, dict) else None


def _compare_registry(changes: Changes, old: Snapshot, new: Snapshot) -> None:
    """Sources added to or removed from the registry, reliability ratings and grades moved."""
    a, b = old.sources, new.sources
    changes.sources_added = _refs(b, b.keys() - a.keys(), "title")
    changes.sources_removed = _refs(a, a.keys() - b.keys(), "title")
    for k in sorted(a.keys() & b.keys()):
        ra, rb = _rating(a[k]), _rating(b[k])
        if not _same(ra, rb):
            title = _text(b[k].get("title"))
            words = ("lowered", "raised")
            changes.sources_rerated.append(_level(CONFIDENCE_LEVELS, k, title, ra, rb, words))
        ga, gb = _grade(a[k]), _grade(b[k])
        if not _same(ga, gb):
            title = _text(b[k].get("title"))
            level = _level(GRADE_SCALE, k, title, ga, gb, ("lowered", "raised"))
            changes.sources_regraded.append(level)


def compare(revisions: Revisions) -> Changes:
    """What changed between the two revisions, issue by issue (by id), then in the registry."""
    old, new = revisions.old, revisions.new
    names = _Names(old, new)
    changes = Changes(revisions.base, revisions.base_commit, revisions.head, revisions.head_commit)
    for ident in sorted(old.issues.keys() | new.issues.keys()):
        ch = _compare_issue(ident, old.issues.get(ident), new.issues.get(ident), names)
        if not ch.empty:
            changes.issues.append(ch)
    _compare_registry(changes, old, new)
    _compare_actors(changes, old, new)
    changes.books = [
        b for k in sorted(old.books.keys() | new.books.keys()) if (b := _compare_book(k, old, new))
    ]
    return changes


def _compare_actors(changes: Changes, old: Snapshot, new: Snapshot) -> None:
    """Actors added to or removed from the registry, and those whose entry changed."""
    a, b = old.actors, new.actors
    changes.actors_added = _refs(b, b.keys() - a.keys(), "name")
    changes.actors_removed = _refs(a, a.keys() - b.keys(), "name")
    for k in sorted(a.keys() & b.keys()):
        fields = _changed_fields(a[k], b[k], ("id",))
        if fields:
            changes.actors_changed.append(ActorChange(k, _text(b[k].get("name")), tuple(fields)))


def _ids(value: Yaml) -> list[str]:
    return [v for v in value if isinstance(v, str)] if isinstance(value, list) else []


def _compare_book(ident: str, old: Snapshot, new: Snapshot) -> BookChanges | None:
    """A book added or removed, or what changed in it: its issue list first."""
    a, b = old.books.get(ident), new.books.get(ident)
    if a is None or b is None:
        data = b if a is None else a
        assert data is not None
        return BookChanges(
            ident, _text(data.get("title")) or ident, "added" if a is None else "removed"
        )
    ch = BookChanges(ident, _text(b.get("title")) or ident, "changed")
    before, after = _ids(a.get("issues")), _ids(b.get("issues"))
    ch.issues_added = [i for i in after if i not in before]
    ch.issues_removed = [i for i in before if i not in after]
    kept = [i for i in after if i in before]
    ch.reordered = kept != [i for i in before if i in after]
    ch.fields = _changed_fields(a, b, ("id", "issues"))
    changed = ch.issues_added or ch.issues_removed or ch.reordered or ch.fields
    return ch if changed else None
