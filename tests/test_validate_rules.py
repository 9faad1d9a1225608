"""Issue 17: every reference and rule of `validate`, one bad value at a time, located exactly.

A small project of our own (config, two registries, two issues that use every part of the
issue schema, one book) is valid as written; each case changes one value in one file and
expects the exact diagnostics (file, line, column, text), nothing more. Line and column
numbers are those of the bad value in the texts below (1-based, as editors show them).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest

from briefgen.diagnostics import Severity
from briefgen.validate import load_project

CONFIG_TEXT = """\
site:
  title: Test briefs
  base_url: https://briefs.example.org/
stale_after_days: 180
tradecraft:  # these cases are about references; tests/test_tradecraft.py has the rules
  off: [TC002, TC007]
"""

ACTORS_TEXT = """\
actors:
  - id: washington
    name: United States
    short_name: US
    kind: state
    member_of: [alliance]
    people:
      - name: A Leader
        role: President
        sources: [report]
    agenda: Wants a deal.
    sources: [report]
  - id: moscow
    name: Russia
    short_name: Russia
    kind: state
    agenda: Wants recognition.
  - id: alliance
    name: The Alliance
    short_name: Alliance
    kind: alliance
    agenda: Holds together.
  - id: beijing
    name: China
    short_name: China
    kind: state
    agenda: Watches.
"""

SOURCES_TEXT = """\
sources:
  - id: report
    title: A report
    publisher: null
    date: "2025-08"
    reliability:
      rating: low
      notes: Anonymous.
  - id: analysis
    title: An analysis
    publisher: A publisher
    reliability:
      rating: moderate
      notes: Signed.
"""

ALPHA_TEXT = """\
id: alpha
title: Alpha issue
status: draft
version: "1.0"
last_reviewed: "2025-08-10"
principals: [washington, moscow]
bluf: Both sides disagree.
sources: [report]
key_judgments:
  - id: kj-one
    text: The gap is wide.
    confidence: low
    sources: [report]
  - id: kj-two
    text: It may narrow.
    confidence: moderate
    sources: [analysis]
positions:
  - id: row-one
    topic: Territory
    gap: wide
    stances:
      washington: Return it
      moscow: Keep it
    sources: [report]
  - id: row-two
    topic: Sanctions
    gap: narrow
    stances:
      washington: Keep them
      moscow: Lift them
    sources: [analysis]
agendas:
  - actor: washington
    goals: [A ceasefire]
    sources: [report]
analysis:
  - id: an-one
    heading: History
    body: A long story.
    sources: [report]
  - id: an-two
    heading: Outlook
    body: Unclear.
    sources: [analysis]
precedents:
  - id: pre-one
    date: "2019-12"
    title: Paris
    summary: A meeting.
    sources: [report]
  - id: pre-two
    date: "2018-07-16"
    title: Helsinki
    summary: Another meeting.
    sources: [analysis]
scenarios:
  - id: sc-one
    name: Stall
    kind: base-case
    likelihood: likely
    description: Nothing moves.
    indicators: [No proposals]
    sources: [report]
  - id: sc-two
    name: Deal
    kind: best-case
    likelihood: unlikely
    description: Something moves.
    indicators: [Proposals]
    sources: [analysis]
economic_levers:
  - id: lev-one
    lever: Sanctions
    holder: washington
    targets: [moscow]
    effect: Pressure.
    sources: [analysis]
  - id: lev-two
    lever: Oil purchases
    holder: beijing
    targets: [moscow]
    direction: support
    effect: Support.
    sources: [report]
third_parties:
  - actor: beijing
    influence: Buys oil.
    sources: [analysis]
public_opinion:
  - actor: moscow
    summary: Supports the line.
    sources: [report]
talking_points:
  - text: We want peace.
    sources: [report]
related: [beta]
"""

BETA_TEXT = """\
id: beta
title: Beta issue
status: final
version: "2.1"
last_reviewed: "2025-03-01"
principals: [moscow, washington]
bluf: A second issue.
sources: [analysis]
key_judgments:
  - id: only
    text: One judgment.
    confidence: high
    sources: [analysis]
positions:
  - id: only-row
    topic: Arms
    gap: aligned
    stances:
      moscow: Talk
      washington: Talk
    sources: [analysis]
"""

BOOK_TEXT = """\
id: summit
title: Summit book
date: "2025-08-10"
version: "1.0"
status: draft
audience: Principals
executive_summary: Short.
summary_sources: [report]
issues: [alpha, beta]
key_players: [washington, moscow]
sections:
  - id: sec-one
    kind: history
    heading: History
    body: Text.
    sources: [report]
  - id: sec-two
    kind: other
    heading: Other
    body: More text.
    sources: [analysis]
"""


FILES = {
    "briefgen.yaml": CONFIG_TEXT,
    "briefs/actors.yaml": ACTORS_TEXT,
    "briefs/sources.yaml": SOURCES_TEXT,
    "briefs/issues/alpha.yaml": ALPHA_TEXT,
    "briefs/issues/beta.yaml": BETA_TEXT,
    "briefs/books/summit.yaml": BOOK_TEXT,
}
A = "briefs/issues/alpha.yaml"
B = "briefs/books/summit.yaml"
ACT = "briefs/actors.yaml"
SRC = "briefs/sources.yaml"
TODAY = dt.date(2025, 8, 20)  # nothing is stale yet: beta was reviewed 172 days before

Edits = dict[str, list[tuple[str, str]]]


def make_project(
    root: Path, edits: Edits | None = None, extra: dict[str, str] | None = None
) -> Path:
    """Write the project; each (old, new) edit must match exactly once in its file."""
    for rel, text in FILES.items():
        for old, new in (edits or {}).get(rel, []):
            assert text.count(old) == 1, (rel, old)
            text = text.replace(old, new)
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, "utf-8")
    for rel, text in (extra or {}).items():
        (root / rel).write_text(text, "utf-8")
    return root


def report(root: Path, **kwargs: object) -> list[str]:
    loaded = load_project(root, **kwargs)  # type: ignore[arg-type]
    lines = [d.format() for d in loaded.diagnostics]
    errors = any(d.severity is Severity.ERROR for d in loaded.diagnostics)
    assert loaded.ok is not errors
    assert (loaded.corpus is None) is errors
    return lines


def err(rel: str, line: int, col: int, message: str) -> str:
    return f"{rel}:{line}:{col}: error: {message}"


ADD_TO = {
    "actor": ": it is not in briefs/actors.yaml; add it there (`- id: {0}` with its `name`; "
    "`briefgen schema actors` lists the fields)",
    "source": ": it is not in briefs/sources.yaml; add it there (`- id: {0}` with its "
    "`title`; `briefgen schema sources` lists the fields)",
    "issue": ": there is no briefs/issues/{0}.yaml (`briefgen new issue {0}` starts one)",
}


def unknown(rel: str, line: int, col: int, what: str, value: str, hint: str = "") -> str:
    """An unknown reference: a did-you-mean when a name is close, else where to add it."""
    tail = f" (did you mean '{hint}'?)" if hint else ADD_TO[what].format(value)
    return err(rel, line, col, f"unknown {what} '{value}'{tail}")


def duplicate(rel: str, line: int, col: int, value: str, first: int) -> str:
    return err(rel, line, col, f"duplicate id '{value}' (first used at line {first})")


def not_a_date(rel: str, line: int, col: int, value: str) -> str:
    return err(rel, line, col, f"'{value}' is not a real calendar date")


def no_stance(line: int, row: str, actor: str) -> str:
    return err(A, line, 7, f"row '{row}' has no stance for principal actor '{actor}'")


# --- the good case ----------------------------------------------------------------------


def test_the_project_as_written_is_valid(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    loaded = load_project(root, today=TODAY)
    assert loaded.diagnostics == []
    assert loaded.ok
    corpus = loaded.corpus
    assert corpus is not None
    assert list(corpus.issues) == ["alpha", "beta"]
    assert list(corpus.books) == ["summit"]
    assert sorted(corpus.actors) == ["alliance", "beijing", "moscow", "washington"]
    assert sorted(corpus.sources) == ["analysis", "report"]
    assert corpus.issues["alpha"].title == "Alpha issue"
    assert corpus.issues["beta"].title == "Beta issue"
    expected = {rel: hashlib.sha256(text.encode()).hexdigest() for rel, text in FILES.items()}
    assert corpus.digests == expected
    again = load_project(root, today=TODAY)  # the document cache is warm now
    assert again.diagnostics == [] and again.corpus == corpus
    cold = load_project(root, today=TODAY, use_cache=False)
    assert cold.diagnostics == [] and cold.corpus == corpus


def test_issues_and_books_are_in_id_order_whatever_the_file_order(tmp_path: Path) -> None:
    extra = {
        "briefs/issues/aaa.yaml": BETA_TEXT.replace("id: beta", "id: aaa"),
        "briefs/books/abc.yaml": BOOK_TEXT.replace("id: summit", "id: abc"),
    }
    loaded = load_project(make_project(tmp_path, extra=extra), today=TODAY)
    assert loaded.diagnostics == []
    assert loaded.corpus is not None
    assert list(loaded.corpus.issues) == ["aaa", "alpha", "beta"]
    assert list(loaded.corpus.books) == ["abc", "summit"]


# --- one bad value at every place a rule applies ----------------------------------------

ACTOR = """\
  - id: {}
    name: Another
    short_name: Another
    kind: group
    agenda: Something.
"""
SOURCE = """\
  - id: {}
    title: Another
    publisher: null
    reliability:
      rating: high
      notes: Fine.
"""


CASES: list[tuple[str, Edits, list[str]]] = [
    # Issue: actor references.
    (
        "principal-1",
        {A: [("principals: [washington, moscow]", "principals: [ghost, moscow]")]},
        [
            unknown(A, 6, 14, "actor", "ghost"),
            no_stance(23, "row-one", "ghost"),
            no_stance(30, "row-two", "ghost"),
        ],
    ),
    (
        "principal-2",
        {A: [("principals: [washington, moscow]", "principals: [washington, moskow]")]},
        [
            unknown(A, 6, 26, "actor", "moskow", "moscow"),
            no_stance(23, "row-one", "moskow"),
            no_stance(30, "row-two", "moskow"),
        ],
    ),
    (
        "stance-extra-actor",
        {A: [("      moscow: Keep it\n", "      moscow: Keep it\n      ghost: Unknown\n")]},
        [unknown(A, 25, 7, "actor", "ghost")],
    ),
    (
        "stance-typo",
        {A: [("      moscow: Lift them", "      moskow: Lift them")]},
        # One mistake, one message: the misspelt key is the principal's missing stance.
        [unknown(A, 31, 7, "actor", "moskow", "moscow")],
    ),
    (
        "agenda-actor",
        {A: [("  - actor: washington", "  - actor: ghost")]},
        [unknown(A, 34, 12, "actor", "ghost")],
    ),
    (
        "lever-holder",
        {A: [("holder: washington", "holder: ghost")]},
        [unknown(A, 75, 13, "actor", "ghost")],
    ),
    (
        "lever-target-1",
        {
            A: [
                (
                    "targets: [moscow]\n    effect: Pressure.",
                    "targets: [ghost]\n    effect: Pressure.",
                )
            ]
        },
        [unknown(A, 76, 15, "actor", "ghost")],
    ),
    (
        "lever-target-2",
        {A: [("targets: [moscow]\n    direction", "targets: [moscow, ghost]\n    direction")]},
        [unknown(A, 82, 23, "actor", "ghost")],
    ),
    (
        "third-party-actor",
        {A: [("  - actor: beijing", "  - actor: ghost")]},
        [unknown(A, 87, 12, "actor", "ghost")],
    ),
    (
        "public-opinion-actor",
        {A: [("  - actor: moscow", "  - actor: ghost")]},
        [unknown(A, 91, 12, "actor", "ghost")],
    ),
    # Issue: source references, in every part that cites.
    (
        "bluf-sources",
        {A: [("sources: [report]\nkey_judgments", "sources: [ghost]\nkey_judgments")]},
        [unknown(A, 8, 11, "source", "ghost")],
    ),
    (
        "judgment-sources",
        {A: [("confidence: low\n    sources: [report]", "confidence: low\n    sources: [ghost]")]},
        [unknown(A, 13, 15, "source", "ghost")],
    ),
    (
        "judgment-sources-2",
        {A: [("sources: [analysis]\npositions", "sources: [analysis, ghost]\npositions")]},
        [unknown(A, 17, 25, "source", "ghost")],
    ),
    (
        "row-sources",
        {A: [("Keep it\n    sources: [report]", "Keep it\n    sources: [ghost]")]},
        [unknown(A, 25, 15, "source", "ghost")],
    ),
    (
        "row-sources-typo",
        {A: [("Lift them\n    sources: [analysis]", "Lift them\n    sources: [analysys]")]},
        [unknown(A, 32, 15, "source", "analysys", "analysis")],
    ),
    (
        "agenda-sources",
        {A: [("[A ceasefire]\n    sources: [report]", "[A ceasefire]\n    sources: [ghost]")]},
        [unknown(A, 36, 15, "source", "ghost")],
    ),
    (
        "analysis-sources",
        {A: [("story.\n    sources: [report]", "story.\n    sources: [ghost]")]},
        [unknown(A, 41, 15, "source", "ghost")],
    ),
    (
        "precedent-sources",
        {A: [("meeting.\n    sources: [analysis]", "meeting.\n    sources: [ghost]")]},
        [unknown(A, 56, 15, "source", "ghost")],
    ),
    (
        "scenario-sources",
        {A: [("proposals]\n    sources: [report]", "proposals]\n    sources: [ghost]")]},
        [unknown(A, 64, 15, "source", "ghost")],
    ),
    (
        "lever-sources",
        {A: [("Pressure.\n    sources: [analysis]", "Pressure.\n    sources: [ghost]")]},
        [unknown(A, 78, 15, "source", "ghost")],
    ),
    (
        "third-party-sources",
        {A: [("oil.\n    sources: [analysis]", "oil.\n    sources: [ghost]")]},
        [unknown(A, 89, 15, "source", "ghost")],
    ),
    (
        "public-opinion-sources",
        {A: [("line.\n    sources: [report]", "line.\n    sources: [ghost]")]},
        [unknown(A, 93, 15, "source", "ghost")],
    ),
    (
        "talking-point-sources",
        {A: [("peace.\n    sources: [report]", "peace.\n    sources: [ghost]")]},
        [unknown(A, 96, 15, "source", "ghost")],
    ),
    # Issue: ids unique within each list that has ids.
    (
        "duplicate-judgment",
        {A: [("  - id: kj-two", "  - id: kj-one")]},
        [duplicate(A, 14, 9, "kj-one", 10)],
    ),
    (
        "duplicate-row",
        {A: [("  - id: row-two", "  - id: row-one")]},
        [duplicate(A, 26, 9, "row-one", 19)],
    ),
    (
        "duplicate-analysis",
        {A: [("  - id: an-two", "  - id: an-one")]},
        [duplicate(A, 42, 9, "an-one", 38)],
    ),
    (
        "duplicate-precedent",
        {A: [("  - id: pre-two", "  - id: pre-one")]},
        [duplicate(A, 52, 9, "pre-one", 47)],
    ),
    (
        "duplicate-scenario",
        {A: [("  - id: sc-two", "  - id: sc-one")]},
        [duplicate(A, 65, 9, "sc-one", 58)],
    ),
    (
        "duplicate-lever",
        {A: [("  - id: lev-two", "  - id: lev-one")]},
        [duplicate(A, 79, 9, "lev-one", 73)],
    ),
    # Issue: dates.
    (
        "last-reviewed",
        {A: [('"2025-08-10"', '"2025-02-30"')]},
        [not_a_date(A, 5, 16, "2025-02-30")],
    ),
    (
        "precedent-day",
        {A: [('"2018-07-16"', '"2018-02-30"')]},
        [not_a_date(A, 53, 11, "2018-02-30")],
    ),
    (
        "precedent-month",
        {A: [('"2019-12"', '"2019-13"')]},
        [not_a_date(A, 48, 11, "2019-13")],
    ),
    # Issue: related issues.
    (
        "related-unknown",
        {A: [("related: [beta]", "related: [gamma]")]},
        [unknown(A, 97, 11, "issue", "gamma")],
    ),
    (
        "related-typo",
        {A: [("related: [beta]", "related: [betta]")]},
        [unknown(A, 97, 11, "issue", "betta", "beta")],
    ),
    (
        "related-self",
        {A: [("related: [beta]", "related: [beta, alpha]")]},
        [err(A, 97, 17, "an issue cannot be related to itself")],
    ),
    # Issue: the id is the file name; the mistake is reported once, at the id (the book that
    # names the file's issue is not blamed for it).
    (
        "issue-id-not-file-name",
        {A: [("id: alpha\n", "id: alpha-x\n")]},
        [
            err(
                A,
                1,
                5,
                "id 'alpha-x' must match the file name 'alpha.yaml'; and 1 reference to "
                "'alpha' from other files cannot be checked until this is fixed",
            )
        ],
    ),
    # Actor registry.
    (
        "member-of",
        {ACT: [("member_of: [alliance]", "member_of: [ghost]")]},
        [unknown(ACT, 6, 17, "actor", "ghost")],
    ),
    (
        "actor-sources",
        {ACT: [("deal.\n    sources: [report]", "deal.\n    sources: [ghost]")]},
        [unknown(ACT, 12, 15, "source", "ghost")],
    ),
    (
        "person-sources",
        {ACT: [("        sources: [report]", "        sources: [ghost]")]},
        [unknown(ACT, 10, 19, "source", "ghost")],
    ),
    (
        "duplicate-actor",
        {ACT: [("    agenda: Watches.\n", "    agenda: Watches.\n" + ACTOR.format("moscow"))]},
        [duplicate(ACT, 28, 9, "moscow", 13)],
    ),
    (
        "reserved-actor-id",
        {ACT: [("    agenda: Watches.\n", "    agenda: Watches.\n" + ACTOR.format("feed"))]},
        [err(ACT, 28, 9, "id 'feed' is reserved for the site's own pages; choose another")],
    ),
    # Source registry.
    (
        "source-date",
        {SRC: [('"2025-08"', '"2025-13"')]},
        [not_a_date(SRC, 5, 11, "2025-13")],
    ),
    (
        "duplicate-source",
        {SRC: [("      notes: Signed.\n", "      notes: Signed.\n" + SOURCE.format("report"))]},
        [duplicate(SRC, 15, 9, "report", 2)],
    ),
    (
        "reserved-source-id",
        {SRC: [("      notes: Signed.\n", "      notes: Signed.\n" + SOURCE.format("sitemap"))]},
        [err(SRC, 15, 9, "id 'sitemap' is reserved for the site's own pages; choose another")],
    ),
    # Book.
    (
        "book-date",
        {B: [('date: "2025-08-10"', 'date: "2025-02-30"')]},
        [not_a_date(B, 3, 7, "2025-02-30")],
    ),
    (
        "book-issue",
        {B: [("issues: [alpha, beta]", "issues: [alpha, gamma]")]},
        [unknown(B, 9, 17, "issue", "gamma")],
    ),
    (
        "book-issue-typo",
        {B: [("issues: [alpha, beta]", "issues: [alpa, beta]")]},
        [unknown(B, 9, 10, "issue", "alpa", "alpha")],
    ),
    (
        "book-key-player",
        {B: [("key_players: [washington, moscow]", "key_players: [washington, ghost]")]},
        [unknown(B, 10, 27, "actor", "ghost")],
    ),
    (
        "book-summary-sources",
        {B: [("summary_sources: [report]", "summary_sources: [ghost]")]},
        [unknown(B, 8, 19, "source", "ghost")],
    ),
    (
        "book-section-sources",
        {B: [("text.\n    sources: [analysis]", "text.\n    sources: [ghost]")]},
        [unknown(B, 21, 15, "source", "ghost")],
    ),
    (
        "book-duplicate-section",
        {B: [("  - id: sec-two", "  - id: sec-one")]},
        [duplicate(B, 17, 9, "sec-one", 12)],
    ),
    (
        "book-id-not-file-name",
        {B: [("id: summit", "id: summit-x")]},
        [err(B, 1, 5, "id 'summit-x' must match the file name 'summit.yaml'")],
    ),
    # Several files at once: sorted by file, then line.
    (
        "sorted-across-files",
        {
            B: [("summary_sources: [report]", "summary_sources: [ghost]")],
            A: [
                ("related: [beta]", "related: [gamma]"),
                ("principals: [washington, moscow]", "principals: [washington, moscow]"),
                ("  - actor: beijing", "  - actor: ghost"),
            ],
            ACT: [("member_of: [alliance]", "member_of: [ghost]")],
        },
        [
            unknown(ACT, 6, 17, "actor", "ghost"),
            unknown(B, 8, 19, "source", "ghost"),
            unknown(A, 87, 12, "actor", "ghost"),
            unknown(A, 97, 11, "issue", "gamma"),
        ],
    ),
]


@pytest.mark.parametrize(("edits", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_one_bad_value_is_reported_exactly(
    tmp_path: Path, edits: Edits, expected: list[str]
) -> None:
    root = make_project(tmp_path, edits)
    assert report(root, today=TODAY) == expected
    assert report(root, today=TODAY, use_cache=False) == expected  # no cache: the same


# --- ids that would clobber the site's own pages -----------------------------------------

RESERVED = [
    "index",
    "search",
    "404",
    "feed",
    "sitemap",
    "assets",
    "actors",
    "issues",
    "books",
    "con",
    "prn",
    "aux",
    "nul",
    "com1",
    "lpt1",
]
PAGE_IDS = [
    "main",
    "summary",
    "sources",
    "revisions",
    "key-players",
    "toc-title",
    "doc-title",
    "book-matrix",
    "doc",
    "toc",
    "book",
    "note",
    "player",
    "note-1",
    "player-putin",
    "book-two",
]


@pytest.mark.parametrize("ident", RESERVED)
def test_reserved_issue_id(tmp_path: Path, ident: str) -> None:
    rel = f"briefs/issues/{ident}.yaml"
    root = make_project(tmp_path, extra={rel: BETA_TEXT.replace("id: beta", f'id: "{ident}"')})
    assert report(root, today=TODAY) == [
        err(rel, 1, 5, f"id '{ident}' is reserved for the site's own pages; choose another")
    ]


@pytest.mark.parametrize("ident", PAGE_IDS)
def test_issue_id_clashing_with_page_anchors(tmp_path: Path, ident: str) -> None:
    rel = f"briefs/issues/{ident}.yaml"
    root = make_project(tmp_path, extra={rel: BETA_TEXT.replace("id: beta", f'id: "{ident}"')})
    assert report(root, today=TODAY) == [
        err(
            rel, 1, 5, f"id '{ident}' would clash with the brief page's own anchors; choose another"
        )
    ]


@pytest.mark.parametrize(
    ("ident", "message"),
    [
        ("index", "id 'index' is reserved for the site's own pages; choose another"),
        ("note-x", "id 'note-x' would clash with the brief page's own anchors; choose another"),
    ],
)
def test_unsafe_book_id(tmp_path: Path, ident: str, message: str) -> None:
    rel = f"briefs/books/{ident}.yaml"
    root = make_project(tmp_path, extra={rel: BOOK_TEXT.replace("id: summit", f'id: "{ident}"')})
    assert report(root, today=TODAY) == [err(rel, 1, 5, message)]


@pytest.mark.parametrize("ident", ["notes", "booking", "players-guide", "main-line", "indexes"])
def test_ids_near_the_reserved_ones_are_fine(tmp_path: Path, ident: str) -> None:
    rel = f"briefs/issues/{ident}.yaml"
    root = make_project(tmp_path, extra={rel: BETA_TEXT.replace("id: beta", f'id: "{ident}"')})
    assert report(root, today=TODAY) == []


def test_issue_and_book_with_one_id_collide(tmp_path: Path) -> None:
    book = BOOK_TEXT.replace("id: summit", "id: beta")
    root = make_project(tmp_path, extra={"briefs/books/beta.yaml": book})
    assert report(root, today=TODAY) == [
        err(
            "briefs/books/beta.yaml",
            1,
            5,
            "id 'beta' collides with 'beta' in briefs/issues/beta.yaml:1; "
            "both would be written to the same output file",
        )
    ]


# --- files that are missing or misnamed ---------------------------------------------------


@pytest.mark.parametrize("rel", [ACT, SRC])
def test_missing_registry_is_one_error_and_stops_reference_checks(tmp_path: Path, rel: str) -> None:
    root = make_project(tmp_path)
    (root / rel).unlink()
    missing = (
        f"required file {rel} is missing (`briefgen init --force .` writes a starter one "
        "and keeps every file you have)"
    )
    assert report(root, today=TODAY) == [err(rel, 1, 1, missing)]


def test_yml_extension_is_refused(tmp_path: Path) -> None:
    rel = "briefs/issues/gamma.yml"
    root = make_project(tmp_path, extra={rel: BETA_TEXT.replace("id: beta", "id: gamma")})
    assert report(root, today=TODAY) == [err(rel, 1, 1, "use the .yaml extension, not .yml")]


# --- files that fail the schema still get their cross-file checks -------------------------


def test_damaged_issue_is_still_cross_checked(tmp_path: Path) -> None:
    edits: Edits = {
        A: [
            ("status: draft", "status: wip"),
            ("principals: [washington, moscow]", "principals: [washington, moskow]"),
            ("confidence: low\n    sources: [report]", "confidence: low\n    sources: [ghost]"),
            ("Keep it\n    sources: [report]", "Keep it\n    sources: [ghost]"),
            ("  - id: kj-two", "  - id: kj-one"),
            ('"2018-07-16"', '"2018-02-30"'),
            ("holder: washington", "holder: ghost"),
            ("related: [beta]", "related: [gamma]"),
        ],
        B: [("issues: [alpha, beta]", "issues: [beta]")],
    }
    assert report(make_project(tmp_path, edits), today=TODAY) == [
        err(A, 3, 9, "'status' is 'wip'; expected one of: draft, final"),
        unknown(A, 6, 26, "actor", "moskow", "moscow"),
        unknown(A, 13, 15, "source", "ghost"),
        duplicate(A, 14, 9, "kj-one", 10),
        no_stance(23, "row-one", "moskow"),
        unknown(A, 25, 15, "source", "ghost"),
        no_stance(30, "row-two", "moskow"),
        not_a_date(A, 53, 11, "2018-02-30"),
        unknown(A, 75, 13, "actor", "ghost"),
        unknown(A, 97, 11, "issue", "gamma"),
    ]


def test_damaged_book_is_still_cross_checked(tmp_path: Path) -> None:
    edits: Edits = {
        B: [
            ("status: draft", "status: wip"),
            ('date: "2025-08-10"', 'date: "2025-02-30"'),
            ("summary_sources: [report]", "summary_sources: [ghost]"),
            ("issues: [alpha, beta]", "issues: [alpha, gamma]"),
            ("key_players: [washington, moscow]", "key_players: [washington, ghost]"),
            ("  - id: sec-two", "  - id: sec-one"),
            ("text.\n    sources: [analysis]", "text.\n    sources: [ghost]"),
        ]
    }
    assert report(make_project(tmp_path, edits), today=TODAY) == [
        not_a_date(B, 3, 7, "2025-02-30"),
        err(B, 5, 9, "'status' is 'wip'; expected one of: draft, final"),
        unknown(B, 8, 19, "source", "ghost"),
        unknown(B, 9, 17, "issue", "gamma"),
        unknown(B, 10, 27, "actor", "ghost"),
        duplicate(B, 17, 9, "sec-one", 12),
        unknown(B, 21, 15, "source", "ghost"),
    ]


def test_damaged_files_are_checked_against_damaged_registries(tmp_path: Path) -> None:
    """A registry that fails the schema still names its ids for the damaged files' checks;
    the valid files are not cross-checked against a registry that failed."""
    edits: Edits = {
        ACT: [("kind: alliance", "kind: bloc")],
        SRC: [("rating: moderate", "rating: middling")],
        A: [
            ("status: draft", "status: wip"),
            ("  - actor: beijing", "  - actor: ghost"),
            ("oil.\n    sources: [analysis]", "oil.\n    sources: [ghost]"),
        ],
        B: [("issues: [alpha, beta]", "issues: [alpha, gamma]")],  # valid: not checked
    }
    assert report(make_project(tmp_path, edits), today=TODAY) == [
        err(
            ACT,
            21,
            11,
            "'kind' is 'bloc'; expected one of: "
            "state, territory, alliance, union, organisation, group",
        ),
        err(
            A,
            3,
            9,
            "'status' is 'wip'; expected one of: draft, final; and 1 reference to 'alpha' "
            "from other files cannot be checked until this is fixed",
        ),
        unknown(A, 87, 12, "actor", "ghost"),
        unknown(A, 89, 15, "source", "ghost"),
        err(SRC, 13, 15, "'rating' is 'middling'; expected one of: low, moderate, high"),
    ]


def test_a_damaged_issue_is_not_called_unknown_where_it_is_named(tmp_path: Path) -> None:
    edits: Edits = {
        A: [("status: draft", "status: wip")],
        "briefs/issues/beta.yaml": [
            ("sources: [analysis]\nkey", "sources: [analysis]\nrelated: [alpha]\nkey")
        ],
    }
    assert report(make_project(tmp_path, edits), today=TODAY) == [
        err(
            A,
            3,
            9,
            "'status' is 'wip'; expected one of: draft, final; and 2 references to 'alpha' "
            "from other files cannot be checked until this is fixed",
        ),
    ]


def _talking_points(n: int, sources: str) -> str:
    return "talking_points:\n" + "".join(
        f"  - text: Point {i}.\n    sources: {sources}\n" for i in range(n)
    )


def _with_points(n: int, sources: str, status: str) -> str:
    text = ALPHA_TEXT.replace("status: draft", f"status: {status}")
    start = text.index("talking_points:")
    end = text.index("related:")
    return text[:start] + _talking_points(n, sources) + text[end:]


@pytest.mark.parametrize(("n", "capped"), [(50, False), (51, True)])
def test_damaged_file_stops_after_fifty_problems(tmp_path: Path, n: int, capped: bool) -> None:
    root = make_project(tmp_path, {B: [("issues: [alpha, beta]", "issues: [beta]")]})
    (root / A).write_text(_with_points(n, "[ghost]", "wip"), "utf-8")
    lines = report(root, today=TODAY)
    unknowns = [x for x in lines if ": error: unknown source 'ghost':" in x]
    more = err(A, 1, 1, "more than 50 problems; fix these and run again")
    assert len(unknowns) == 50
    assert unknowns[0] == unknown(A, 96, 15, "source", "ghost")
    assert lines.count(more) == (1 if capped else 0)
    assert err(A, 3, 9, "'status' is 'wip'; expected one of: draft, final") in lines
    assert len(lines) == 50 + 1 + capped + (n > 30)  # and maxItems 30 when over


def test_valid_file_reports_every_problem(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    (root / A).write_text(_with_points(30, "[ghost, spook]", "draft"), "utf-8")
    lines = report(root, today=TODAY)
    assert len(lines) == 60
    assert lines[:2] == [
        unknown(A, 96, 15, "source", "ghost"),
        unknown(A, 96, 22, "source", "spook"),
    ]
    assert lines[-1] == unknown(A, 154, 22, "source", "spook")


# --- freshness ---------------------------------------------------------------------------


def stale(days: int, severity: str = "warning") -> str:
    return (
        f"briefs/issues/beta.yaml:5:16: {severity}: last reviewed {days} days ago (2025-03-01); "
        "briefs older than 180 days are stale"
    )


def test_freshness_boundary_and_strictness(tmp_path: Path) -> None:
    root = make_project(tmp_path)
    assert report(root) == []  # no date given: no freshness check
    assert report(root, today=dt.date(2025, 8, 28)) == []  # 180 days: not yet stale
    assert report(root, today=dt.date(2025, 8, 29)) == [stale(181)]
    warned = load_project(root, today=dt.date(2025, 8, 29))
    assert warned.ok and warned.corpus is not None  # a warning never fails
    assert report(root, today=dt.date(2025, 8, 29), strict_freshness=True) == [stale(181, "error")]
    assert report(root, today=dt.date(2026, 3, 1)) == [
        "briefs/issues/alpha.yaml:5:16: warning: last reviewed 203 days ago (2025-08-10); "
        "briefs older than 180 days are stale",
        stale(365),
    ]


def test_freshness_follows_the_configured_age(tmp_path: Path) -> None:
    edits: Edits = {"briefgen.yaml": [("stale_after_days: 180", "stale_after_days: 10")]}
    root = make_project(tmp_path, edits)
    assert report(root, today=dt.date(2025, 8, 20)) == [
        "briefs/issues/beta.yaml:5:16: warning: last reviewed 172 days ago (2025-03-01); "
        "briefs older than 10 days are stale"
    ]
    assert report(root, today=dt.date(2025, 8, 21)) == [
        "briefs/issues/alpha.yaml:5:16: warning: last reviewed 11 days ago (2025-08-10); "
        "briefs older than 10 days are stale",
        "briefs/issues/beta.yaml:5:16: warning: last reviewed 173 days ago (2025-03-01); "
        "briefs older than 10 days are stale",
    ]


def test_a_relative_root_is_resolved(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    make_project(tmp_path / "proj", {A: [("related: [beta]", "related: [gamma]")]})
    monkeypatch.chdir(tmp_path)
    assert report(Path("proj"), today=TODAY) == [unknown(A, 97, 11, "issue", "gamma")]
    make_project(tmp_path / "proj")
    loaded = load_project(Path("proj"), today=TODAY)
    assert loaded.corpus is not None
    assert loaded.corpus.root == str((tmp_path / "proj").resolve())


# --- source URLs that would cut their own link -------------------------------------------

URL_CUTTERS = ["<", ">", '"', "`"]


@pytest.mark.parametrize("ch", URL_CUTTERS)
def test_source_url_with_a_link_cutting_character_is_located(tmp_path: Path, ch: str) -> None:
    # In Markdown the URL is written as <url>: a ">" ends it and the rest is read as text;
    # in HTML a quote or angle bracket breaks out of the attribute's meaning for readers.
    url = f"https://example.org/a{ch}b"
    quoted = "'" + url + "'"
    edit = ("    publisher: A publisher\n", f"    publisher: A publisher\n    url: {quoted}\n")
    root = make_project(tmp_path, {SRC: [edit]})
    message = (
        f"{url!r} holds {ch!r}, which would end the link early in the outputs; "
        "percent-encode it (%3C, %3E, %22, %60, %20)"
    )
    assert report(root, today=TODAY) == [err(SRC, 12, 10, message)]


def test_source_url_percent_encoded_is_valid(tmp_path: Path) -> None:
    url = "https://example.org/a%3Cb%3E?q=%22x%22&r=%60"
    edit = ("    publisher: A publisher\n", f"    publisher: A publisher\n    url: {url}\n")
    root = make_project(tmp_path, {SRC: [edit]})
    assert report(root, today=TODAY) == []
