"""Issue 18: a marking printed on a brief is a promise, and the site acts on it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.conftest import run

INTERNAL = "INTERNAL — NOT FOR PUBLIC RELEASE"


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text("utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), "utf-8")


def mark(project: Path, issue: str, marking: str) -> None:
    edit(
        project / "briefs" / "issues" / f"{issue}.yaml",
        "status: ",
        f"distribution: {marking}\nstatus: ",
    )


def line_of(path: Path, prefix: str) -> int:
    return next(
        i
        for i, line in enumerate(path.read_text("utf-8").splitlines(), 1)
        if line.startswith(prefix)
    )


def site_files(site: Path) -> dict[str, str]:
    return {
        p.relative_to(site).as_posix(): p.read_text("utf-8")
        for p in site.rglob("*")
        if p.is_file() and p.suffix in (".html", ".xml", ".txt", ".js")
    }


def test_the_shipped_public_site_is_indexable_and_lists_its_sitemap(project: Path) -> None:
    res = run("-C", project, "site", "--no-pdf", "-q")
    assert res.code == 0, res.err
    site = project / "build" / "site"
    robots = (site / "robots.txt").read_text()
    assert robots == "User-agent: *\nAllow: /\nSitemap: https://briefs.example.org/sitemap.xml\n"
    assert (site / "sitemap.xml").is_file()
    for rel, text in site_files(site).items():
        assert "noindex" not in text, rel


def test_a_public_site_refuses_a_brief_that_may_not_be_published(project: Path) -> None:
    mark(project, "nato", INTERNAL)
    res = run("-C", project, "site", "--no-pdf")
    nato = project / "briefs" / "issues" / "nato.yaml"
    book = project / "briefs" / "books" / "us-russia-summit.yaml"
    assert res.code == 1 and "Traceback" not in res.err
    assert (
        f"briefs/issues/nato.yaml:{line_of(nato, 'distribution:')}:1: error: marked {INTERNAL} "
        "(its own marking); a public site may not include it (exclude it with site.exclude or "
        "change its marking)"
    ) in res.err
    assert (
        f"briefs/books/us-russia-summit.yaml:{line_of(book, 'id:')}:1: error: marked {INTERNAL} "
        "(the marking of one of its issues)"
    ) in res.err
    assert not (project / "build" / "site").exists()  # nothing published, not even in part


def test_a_public_site_refuses_an_edit_that_closes_a_brief(project: Path) -> None:
    """The incremental path (only nato changed) acts on the marking as a full build does."""
    assert run("-C", project, "site", "--no-pdf", "-q").code == 0
    before = (project / "build" / "site" / "nato.html").read_bytes()
    mark(project, "nato", INTERNAL)
    res = run("-C", project, "site", "--no-pdf", "-q")
    assert res.code == 1 and "a public site may not include it" in res.err
    assert (project / "build" / "site" / "nato.html").read_bytes() == before  # old site stands


def test_excluded_briefs_are_nowhere_on_the_site(project: Path) -> None:
    mark(project, "nato", INTERNAL)
    edit(
        project / "briefgen.yaml",
        "  audience: public\n",
        "  audience: public\n  exclude: [nato, us-russia-summit]\n",
    )
    res = run("-C", project, "site", "--no-pdf", "-q")
    assert res.code == 0, res.err
    site = project / "build" / "site"
    assert not (site / "nato.html").exists() and not (site / "us-russia-summit.html").exists()
    assert (
        not (site / "md" / "nato.md").exists()
        and not (site / "md" / "us-russia-summit.md").exists()
    )
    files = site_files(site)
    for rel in ("index.html", "feed.xml", "sitemap.xml", "search.html", "actors/russia.html"):
        assert not re.search(r"(?<![\w/-])nato\.(html|md|pdf)", files[rel]), rel  # not the actor
    index = "".join(text for rel, text in files.items() if rel.startswith("search/"))
    assert '"u":"nato.html"' not in index and '"u":"ukraine.html"' in index
    assert INTERNAL not in "".join(files.values())


def test_a_book_that_includes_an_excluded_issue_is_refused(project: Path) -> None:
    edit(
        project / "briefgen.yaml", "  audience: public\n", "  audience: public\n  exclude: [nato]\n"
    )
    res = run("-C", project, "site", "--no-pdf")
    assert res.code == 1
    assert re.search(
        r"briefs/books/us-russia-summit\.yaml:\d+:1: error: includes issue 'nato', "
        r"which site\.exclude leaves out",
        res.err,
    )


def test_an_internal_site_keeps_crawlers_out_and_shows_its_marking_everywhere(
    project: Path,
) -> None:
    edit(project / "briefgen.yaml", "  audience: public\n", "  audience: internal\n")
    mark(project, "sanctions", INTERNAL)
    res = run("-C", project, "site", "--no-pdf", "-q")
    assert res.code == 0, res.err
    site = project / "build" / "site"
    assert (site / "robots.txt").read_text() == "User-agent: *\nDisallow: /\n"
    assert not (site / "sitemap.xml").exists()
    pages = {rel: text for rel, text in site_files(site).items() if rel.endswith(".html")}
    assert "index.html" in pages and "actors/russia.html" in pages and len(pages) > 10
    for rel, text in pages.items():
        assert '<meta name="robots" content="noindex, nofollow">' in text, rel
        top = text.index('<p class="site-marking site-marking-top">')
        assert text[top:].split(">", 1)[1].startswith(INTERNAL), rel  # the most restricted
        assert "sitemap.xml" not in text, rel


def test_a_book_carries_the_most_restricted_marking_of_its_issues(project: Path) -> None:
    mark(project, "sanctions", INTERNAL)
    res = run("-C", project, "build", "--format", "md,html", "-q")
    assert res.code == 0, res.err
    book = (project / "build" / "md" / "us-russia-summit.md").read_text()
    assert (
        book.startswith(f"**{INTERNAL}**")
        or f"**{INTERNAL}**" in book.split("\n", 5)[0:5][-1]
        or f"**{INTERNAL}**" in book[:400]
    )
    html = (project / "build" / "html" / "us-russia-summit.html").read_text()
    assert html.count(f'<p class="marking marking-top">{INTERNAL}</p>') == 1
    assert "PUBLIC</p>" not in html  # not the book's own default, anywhere
    ukraine = (project / "build" / "html" / "ukraine.html").read_text()
    assert '<p class="marking marking-top">PUBLIC</p>' in ukraine  # a chapter alone is its own


@pytest.mark.parametrize(
    ("where", "old", "new", "at", "message"),
    [
        ("briefs/issues/nato.yaml", "status: ", "distribution: SECRET\nstatus: ",
         "distribution: SECRET",
         "unknown marking 'SECRET'; briefgen.yaml's `markings` are: 'PUBLIC', "
         f"'{INTERNAL}', 'INTERNAL — DO NOT FORWARD' (add it there"),
        ("briefgen.yaml", "distribution: PUBLIC", "distribution: OPEN", "distribution: OPEN",
         "unknown marking 'OPEN'"),
        ("briefgen.yaml", "  - name: INTERNAL — DO NOT FORWARD", "  - name: PUBLIC",
         "  - name: PUBLIC\n    publish: false", "name 'PUBLIC' appears twice"),
        ("briefgen.yaml", "  audience: public\n", "  audience: public\n  exclude: [natto]\n",
         "  exclude:", "no issue or book has the id 'natto'"),
    ],
)  # fmt: skip
def test_markings_are_checked_where_they_are_written(
    project: Path, where: str, old: str, new: str, at: str, message: str
) -> None:
    edit(project / where, old, new)
    res = run("-C", project, "validate")
    assert res.code == 1
    found = [x for x in res.err.splitlines() if message in x]
    assert len(found) == 1, res.err
    text = (project / where).read_text("utf-8")
    line = text[: text.index(at)].count("\n") + 1
    assert found[0].startswith(f"{where}:{line}:"), found
