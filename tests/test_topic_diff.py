"""Issue 21: `briefgen diff` reports actors added, removed or changed, books added or
removed, and a book's issue list (added, removed, reordered), in Markdown and JSON."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.gitrepo import commit
from tests.test_diff_scenarios import A, edit, make_repo, markdown, report_json

BOOK = "briefs/books/summit.yaml"
SUMMIT = """\
id: summit
title: Summit book
date: "2025-08-10"
version: "1.0"
status: draft
audience: Principals
executive_summary: Short.
issues: [alpha, beta]
"""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    repo = make_repo(tmp_path / "repo")
    (repo / BOOK).parent.mkdir(parents=True)
    (repo / BOOK).write_text(SUMMIT, "utf-8")
    commit(repo, "A book")
    return repo


def test_actors_added_removed_and_changed(root: Path) -> None:
    edit(
        root,
        "briefs/actors.yaml",
        ("    agenda: Wants recognition.\n", "    agenda: Wants a treaty.\n"),
        (
            "  - id: beijing\n    name: China\n    short_name: China\n    kind: state\n"
            "    agenda: Watches.\n",
            "  - id: nuuk\n    name: Greenland\n    short_name: Greenland\n    kind: territory\n",
        ),
    )
    assert markdown(root) == (
        "### Actor registry\n\n"
        "- Added `nuuk`: Greenland\n"
        "- Removed `beijing`: China\n"
        "- `moscow` (Russia): agenda\n"
    )
    data = report_json(root)
    assert data["actors_added"] == [{"id": "nuuk", "label": "Greenland"}]
    assert data["actors_removed"] == [{"id": "beijing", "label": "China"}]
    assert data["actors_changed"] == [{"id": "moscow", "label": "Russia", "fields": ["agenda"]}]


def test_a_book_added_and_one_removed(root: Path) -> None:
    (root / BOOK).unlink()
    other = SUMMIT.replace("id: summit", "id: arctic").replace("Summit book", "Arctic book")
    (root / "briefs" / "books" / "arctic.yaml").write_text(other, "utf-8")
    assert markdown(root) == (
        "### Book Arctic book (`arctic`): added\n\n### Book Summit book (`summit`): removed\n"
    )
    assert [(b["id"], b["change"]) for b in report_json(root)["books"]] == [
        ("arctic", "added"),
        ("summit", "removed"),
    ]


@pytest.mark.parametrize(
    ("new", "lines", "added", "removed", "reordered"),
    [
        ("[alpha, beta, gamma]", ["- Issue added: `gamma`"], ["gamma"], [], False),
        ("[beta]", ["- Issue removed: `alpha`"], [], ["alpha"], False),
        ("[beta, alpha]", ["- Issues reordered"], [], [], True),
    ],
)
def test_a_books_issue_list(
    root: Path, new: str, lines: list[str], added: list[str], removed: list[str], reordered: bool
) -> None:
    edit(root, BOOK, ("issues: [alpha, beta]", f"issues: {new}"))
    assert (
        markdown(root) == "### Book Summit book (`summit`): changed\n\n" + "\n".join(lines) + "\n"
    )
    (book,) = report_json(root)["books"]
    assert (book["issues_added"], book["issues_removed"], book["reordered"]) == (
        added,
        removed,
        reordered,
    )


def test_a_pinpoint_is_the_same_source_cited(root: Path) -> None:
    """Turning `report` into {id: report, at: p. 4} cites no new source."""
    edit(
        root,
        A,
        (
            "bluf: Both sides disagree.\nsources: [report]",
            "bluf: Both sides disagree.\nsources: [{id: report, at: p. 4}]",
        ),
    )
    assert "Sources cited" not in markdown(root)
