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


@pytest.mark.parametrize("name", CASES)
def test_golden(outputs: Path, name: str) -> None:
    fmt = name.rsplit(".", 1)[1]
    actual = (outputs / fmt / name).read_text("utf-8")
    golden = GOLDEN / name
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
