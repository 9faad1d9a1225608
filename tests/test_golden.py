"""Golden files: the Markdown and HTML of one issue and the book, so an output change is a diff.

Refresh them with `make golden` and review the diff like any other change.
"""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

from tests.conftest import REPO, run

GOLDEN = REPO / "tests" / "golden"
CASES = ["ukraine.md", "ukraine.html", "us-russia-summit.md", "us-russia-summit.html"]
UPDATE = os.environ.get("BRIEFGEN_UPDATE_GOLDEN") == "1"


@pytest.fixture(scope="module")
def outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from tests.conftest import copy_project

    root = copy_project(tmp_path_factory.mktemp("golden") / "proj")
    res = run("-C", root, "build", "--quiet", "--format", "md,html", "-j", "1")
    assert res.code == 0, res.err
    return root / "build"


ARCTIC = REPO / "tests" / "data" / "arctic"  # a second topic (issue 21)
ARCTIC_CASES = ["arctic-sea-routes.md", "high-north.md"]


@pytest.fixture(scope="module")
def arctic_outputs(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import shutil

    root = tmp_path_factory.mktemp("golden-arctic") / "proj"
    shutil.copytree(ARCTIC, root)
    res = run("-C", root, "build", "--quiet", "--format", "md", "-j", "1")
    assert res.code == 0, res.err
    return root / "build"


@pytest.mark.parametrize("name", CASES)
def test_golden(outputs: Path, name: str) -> None:
    fmt = name.rsplit(".", 1)[1]
    compare((outputs / fmt / name).read_text("utf-8"), GOLDEN / name, name)


@pytest.mark.parametrize("name", ARCTIC_CASES)
def test_golden_second_topic(arctic_outputs: Path, name: str) -> None:
    """The Arctic example exercises every field issue 21 added; its Markdown is pinned."""
    compare((arctic_outputs / "md" / name).read_text("utf-8"), GOLDEN / "arctic" / name, name)


def compare(actual: str, golden: Path, name: str) -> None:
    """Fail with a diff when `actual` differs from the golden file (or refresh it)."""
    if UPDATE:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(actual, "utf-8")
        return
    assert golden.is_file(), f"missing golden file {golden}; run `make golden`"
    expected = golden.read_text("utf-8")
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(True), actual.splitlines(True), str(golden), "built", n=2
            )
        )
        pytest.fail(
            f"{name} differs from its golden file (run `make golden` if intended):\n" + diff[:6000]
        )
