"""Shared fixtures: a private copy of the project per test, and the CLI called in-process."""

from __future__ import annotations

import io
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from briefgen.cli import main

REPO = Path(__file__).resolve().parent.parent


@dataclass
class Result:
    """What one CLI call did."""

    code: int
    out: str
    err: str


def run(*argv: str | Path) -> Result:
    """Call `briefgen` in-process, capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    code = main([str(a) for a in argv], out=out, err=err)
    return Result(code, out.getvalue(), err.getvalue())


def copy_project(dest: Path) -> Path:
    """A private copy of the shipped content (config, briefs, templates) to change freely."""
    dest.mkdir(parents=True, exist_ok=True)
    shutil.copy2(REPO / "briefgen.yaml", dest / "briefgen.yaml")
    shutil.copytree(REPO / "briefs", dest / "briefs")
    shutil.copytree(REPO / "briefgen" / "templates", dest / "templates")
    return dest


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh copy of the project in a temporary folder."""
    return copy_project(tmp_path / "proj")


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped content built once (md, html, pdf) for read-only checks."""
    root = copy_project(tmp_path_factory.mktemp("built") / "proj")
    res = run("-C", root, "build", "--quiet")
    assert res.code == 0, res.err
    return root


def search_files(site: Path) -> list[str]:
    """The index shards search.html loads, in its order (site paths)."""
    import re

    html = (site / "search.html").read_text("utf-8")
    return re.findall(r'<script src="(search/[^"]+\.js)" defer></script>', html)


def search_pages(site: Path) -> list[dict[str, Any]]:
    """Every page entry of the site's search index, read from its shards."""
    from briefgen.site.search import read_shard

    return [page for f in search_files(site) for page in read_shard((site / f).read_bytes())]


# Tests that lay out PDFs, drive a browser or build whole sites: `pytest -m "not slow"` leaves
# them out for a quick run while editing; `make test` runs everything.
SLOW_FIXTURES = frozenset(
    {"built", "pdf_pair", "site", "driver", "browser", "pages", "arctic_built"}
)
SLOW_MODULES = frozenset(
    {
        "test_site_browser",
        "test_site_layout",
        "test_setup",
        "test_hooks",
        "test_site_serve",
        "test_wheel",
        "test_docx",
    }
)
SLOW_TESTS = frozenset(  # each lays out PDFs or builds a whole site: seconds apiece
    {
        "test_site_progress_is_plain_lines_off_a_terminal",
        "test_builds_are_byte_identical",
        "test_letter_page_size",
        "test_page_sections_read_generated_pages_as_html_parser_does",
        "test_no_file_outside_the_project_is_read",
        "test_no_connection_is_attempted_during_a_full_build",
        "test_history_in_html_and_pdf",
        "test_nothing_is_written_outside_the_output_folder",
        "test_in_the_pdf_an_outside_issue_links_to_its_own_pdf",
        "test_the_sites_pdfs_measure_overdue_reviews_from_the_sites_day",
    }
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the slow tests (see SLOW_FIXTURES and SLOW_MODULES)."""
    for item in items:
        fixtures = set(getattr(item, "fixturenames", ()))
        module = item.module.__name__.rsplit(".", 1)[-1] if item.module else ""
        name = getattr(item, "originalname", item.name)
        if fixtures & SLOW_FIXTURES or module in SLOW_MODULES or name in SLOW_TESTS:
            item.add_marker(pytest.mark.slow)
