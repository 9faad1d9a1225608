"""Issue 23: what the site's pages say, without a browser: search sections per table row,
the issues in book order, overdue reviews, the 404 page's root path, the feed's dates."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

from briefgen.model import Corpus, Revision
from briefgen.site.pages import SiteInfo, entries, overdue_since, site_citations, site_order
from briefgen.site.search import page_sections
from briefgen.site.stage import site_root
from briefgen.validate import load_project
from tests.conftest import REPO


def corpus() -> Corpus:
    loaded = load_project(REPO)
    assert loaded.corpus is not None
    return loaded.corpus


def test_table_rows_are_sections_of_their_own() -> None:
    html = (
        '<main><section id="p"><h2 id="p-h">Positions</h2><table><caption>Stances</caption>'
        "<thead><tr><th>Sub-topic</th><th>US</th><th>Russia</th></tr></thead><tbody>"
        '<tr id="row-crimea"><th scope="row">Status of Crimea<sup class="refs">1</sup><br>'
        '<span class="confidence">Low confidence</span></th>'
        '<td data-label="US">Must revert</td><td data-label="Russia"><span class="none">—</span>'
        '</td></tr><tr class="row-note"><td colspan="3">A note.</td></tr></tbody></table>'
        "<p>After the table.</p></section></main>"
    )
    assert page_sections(html) == [
        ("p-h", "Positions", "Stances"),
        ("row-crimea", "Status of Crimea", "US: Must revert A note."),
        ("p-h", "Positions", "After the table."),
    ]


def test_issues_follow_the_book_and_overdue_reviews_show() -> None:
    c = corpus()
    book = next(iter(c.books.values()))
    assert [i.id for i in site_order(c)][: len(book.issues)] == list(book.issues)
    listed = entries(c, {}, dt.date(2026, 3, 1))
    issues = [e for e in listed if e.kind == "issue"]
    assert [e.id for e in issues] == [i.id for i in site_order(c)]
    due = issues[0].date + dt.timedelta(days=c.config.stale_after_days)
    assert all(e.overdue == due for e in issues)
    assert issues[0].overdue_label == f"{due.day} {due.strftime('%B')} {due.year}"
    assert overdue_since(issues[0].date, c, due) is None  # due today is not yet overdue
    assert overdue_since(issues[0].date, c, None) is None  # no date, no claim


def test_feed_dates_are_each_briefs_own_last_change() -> None:
    c = corpus()
    book = next(iter(c.books.values()))
    ukraine, nato = (c.issues[i] for i in book.issues[:2])
    revisions = {
        ukraine.rel: [Revision("2026-01-05", "abc1234", "Ukraine: ceasefire terms")],
        nato.rel: [Revision("2025-12-01", "def5678", "NATO: Article 5")],
    }
    by_id = {e.id: e for e in entries(c, revisions)}
    assert by_id[ukraine.id].updated == dt.date(2026, 1, 5)
    assert by_id[nato.id].updated == dt.date(2025, 12, 1)
    assert by_id[book.id].updated == dt.date(2026, 1, 5)  # a book changes with its chapters
    others = [by_id[i].updated for i in c.issues if i not in (ukraine.id, nato.id)]
    assert set(others) == {ukraine.last_reviewed}


def test_actor_pages_number_sources_as_the_issues_do() -> None:
    c = corpus()
    first = site_order(c)[0]
    cite = site_citations(c, list(reversed(first.sources)))
    assert [n.source.id for n in cite.entries] == [s.id for s in first.sources]
    reordered = replace(c, issues={i.id: i for i in reversed(site_order(c))})
    assert [i.id for i in site_order(reordered)] == [i.id for i in site_order(c)]


def test_the_404_page_links_from_the_sites_root_path() -> None:
    site = SiteInfo("T", "https://x.github.io/briefs/", "A", "PUBLIC", "public", "", False, True)
    assert site_root(site) == "/briefs/"
    assert site_root(replace(site, base_url="https://briefs.example.org/")) == "/"
    assert site_root(replace(site, base_url="https://x.org/a/b")) == "/a/b/"
    assert site_root(replace(site, live_reload=True)) == "/"  # the preview serves at /
