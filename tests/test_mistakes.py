"""The catalogue of common authoring mistakes: one small broken project each, and the exact
output a person gets (file:line:col, wording, exit code) beside it.

Each case under tests/mistakes/<name>/ is `case.json`: what it is about, the edits that
break a copy of tests/mistakes/base/ (replace text, write, delete, make a folder or a FIFO
where a file should be) and `fix_at`, the `file:line` a person has to change, which the
first error (or warning) must name. `expected.txt` holds the exit code, stdout and stderr of
`briefgen validate`; `make golden` rewrites it (review the diff).
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import REPO, run

CATALOGUE = REPO / "tests" / "mistakes"
BASE = CATALOGUE / "base"
TODAY = "2026-12-05"
UPDATE = os.environ.get("BRIEFGEN_UPDATE_GOLDEN") == "1"
CASES = sorted(p.name for p in CATALOGUE.iterdir() if (p / "case.json").is_file())


def break_project(root: Path, case: dict[str, Any]) -> None:
    """Apply a case's edits to a copy of the base project."""
    for edit in case.get("replace", []):
        path = root / edit["file"]
        text = path.read_text("utf-8")
        assert text.count(edit["old"]) == 1, f"{edit['old']!r} is not once in {edit['file']}"
        path.write_text(text.replace(edit["old"], edit["new"]), "utf-8")
    for rel, content in case.get("write", {}).items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_bytes(content.encode("utf-8", "surrogateescape"))
    for rel in case.get("delete", []):
        target = root / rel
        shutil.rmtree(target) if target.is_dir() else target.unlink()
    for old, new in case.get("rename", {}).items():
        (root / old).rename(root / new)
    for rel in case.get("mkdir", []):
        (root / rel).mkdir(parents=True)
    for rel in case.get("fifo", []):
        os.mkfifo(root / rel)  # unreadable for root too: it would block, so it is refused


def outcome(root: Path, argv: list[str]) -> str:
    """What a person sees: the exit code, stdout and stderr (the project folder as <project>)."""
    res = run("-C", root, *argv)
    shown = f"exit {res.code}\n--- stdout\n{res.out}--- stderr\n{res.err}"
    return shown.replace(str(root), "<project>")


@pytest.mark.parametrize("name", CASES)
def test_mistake(tmp_path: Path, name: str) -> None:
    case = json.loads((CATALOGUE / name / "case.json").read_text("utf-8"))
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    break_project(root, case)
    argv = [
        a.replace("{project}", str(root)) for a in case.get("argv", ["validate", "--today", TODAY])
    ]
    shown = " ".join(argv).replace(str(root), "<project>")
    actual = f"$ briefgen {shown}\n" + outcome(root, argv)
    expected_file = CATALOGUE / name / "expected.txt"
    if UPDATE:
        expected_file.write_text(actual, "utf-8")
    assert expected_file.is_file(), f"no expected.txt for {name}; run `make golden`"
    assert actual == expected_file.read_text("utf-8"), f"{name}: output changed"
    fix_at = case.get("fix_at")
    if fix_at:  # the first problem reported is at the line a person has to change
        first = actual.split("--- stderr\n", 1)[1].splitlines()[0]
        assert first.startswith(fix_at + ":"), f"{name}: {first!r} is not at {fix_at}"


def test_catalogue_is_large_and_each_case_is_explained() -> None:
    assert len(CASES) >= 30
    for name in CASES:
        case = json.loads((CATALOGUE / name / "case.json").read_text("utf-8"))
        assert case.get("about"), name
