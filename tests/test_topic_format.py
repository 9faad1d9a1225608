"""Issue 21: the format fits any policy topic (book subsets, scaffolds, pairs, new sections)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.conftest import run


def _drop_from_book(project: Path, issue: str) -> None:
    book = project / "briefs" / "books" / "us-russia-summit.yaml"
    text = book.read_text("utf-8")
    line = next(x for x in text.splitlines() if x.startswith("issues: ["))
    ids = [i.strip() for i in line.removeprefix("issues: [").removesuffix("]").split(",")]
    new = "issues: [" + ", ".join(i for i in ids if i != issue) + "]"
    book.write_text(text.replace(line, new), "utf-8")


def test_a_book_of_a_subset_links_outside_issues_to_their_own_briefs(project: Path) -> None:
    """Institutions and Ukraine relate to NATO; a book without NATO still builds and links
    NATO's own brief instead of an anchor it does not have."""
    _drop_from_book(project, "nato")
    res = run("-C", project, "build", "--format", "md,html", "--quiet")
    assert res.code == 0, res.err
    md = (project / "build" / "md" / "us-russia-summit.md").read_text("utf-8")
    assert "- [NATO Enlargement and European Security](nato.md)" in md
    assert "(#nato)" not in md
    html = (project / "build" / "html" / "us-russia-summit.html").read_text("utf-8")
    assert re.search(r'<a href="nato\.html">NATO Enlargement and European Security</a>', html)
    assert 'href="#nato"' not in html


def test_renaming_an_outside_issue_rebuilds_the_book(project: Path) -> None:
    """The book prints the outside issue's title, so its key holds it: a new title shows."""
    _drop_from_book(project, "nato")
    assert run("-C", project, "build", "--format", "md", "--quiet").code == 0
    nato = project / "briefs" / "issues" / "nato.yaml"
    text = nato.read_text("utf-8")
    nato.write_text(text.replace("title: NATO Enlargement", "title: NATO Growth", 1), "utf-8")
    res = run("-C", project, "build", "--format", "md", "--quiet")
    assert res.code == 0, res.err
    md = (project / "build" / "md" / "us-russia-summit.md").read_text("utf-8")
    assert "[NATO Growth and European Security](nato.md)" in md


NEW_FIELDS = {
    "issue": [
        ("properties", "actors"),
        ("properties", "recommendations"),
        ("properties", "watch_list"),
        ("properties", "figures"),
        ("properties", "quotes"),
        ("properties", "authors"),
        ("properties", "positions", "items", "properties", "between"),
        ("$defs", "citation"),
        ("$defs", "citation", "properties", "at"),
        ("$defs", "sourceRef"),
    ],
    "book": [("properties", "actors"), ("properties", "authors")],
    "sources": [("properties", "sources", "items", "properties", "parts")],
    "actors": [("properties", "actors", "items", "properties", "kind")],
}


def test_every_new_field_has_a_description_the_editor_shows() -> None:
    import json

    from tests.conftest import REPO

    missing = []
    for kind, paths in NEW_FIELDS.items():
        schema = json.loads((REPO / "briefgen" / "schemas" / f"{kind}.schema.json").read_text())
        for path in paths:
            node = schema
            for key in path:
                node = node[key]
            if not node.get("description"):
                missing.append(f"{kind}: {'/'.join(path)}")
    assert missing == []
    issue = json.loads((REPO / "briefgen" / "schemas" / "issue.schema.json").read_text())
    gap = issue["properties"]["positions"]["items"]["properties"]["gap"]
    assert "not-applicable" in gap["enum"]


def test_in_the_pdf_an_outside_issue_links_to_its_own_pdf(project: Path) -> None:
    """The book's PDF links NATO's PDF beside it, not a page the PDF folder lacks."""
    from pypdf import PdfReader

    _drop_from_book(project, "nato")
    res = run("-C", project, "build", "--format", "pdf", "--quiet")
    assert res.code == 0, res.err
    uris = set()
    for page in PdfReader(project / "build" / "pdf" / "us-russia-summit.pdf").pages:
        for annot in page.get("/Annots") or ():
            action = annot.get_object().get("/A")
            if action and "/URI" in action:
                uris.add(str(action["/URI"]))
    assert "nato.pdf" in uris
    assert not {u for u in uris if u.endswith(".html")}
    assert (project / "build" / "pdf" / "nato.pdf").is_file()
