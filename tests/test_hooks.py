"""Issue 6: the pre-commit hooks and the pull-request workflow are valid and wired right."""

from __future__ import annotations

import re
import tomllib
from importlib.metadata import version
from typing import Any

from briefgen.load import load_file
from tests.conftest import REPO

FILES_MATCHED = ("briefs/issues/nato.yaml", "briefs/actors.yaml", "briefgen.yaml")
FILES_IGNORED = ("README.md", "briefgen/cli.py", "templates/md/brief.md.j2", "xbriefs/a.yaml")


def load(rel: str) -> Any:
    """Parse with briefgen's own strict YAML 1.2 loader (so `on:` stays a string key)."""
    doc, problem = load_file((REPO / rel).read_bytes(), rel)
    assert problem is None, problem.format()
    assert doc is not None
    return doc.data


def test_hook_offered_to_other_repositories() -> None:
    hooks = load(".pre-commit-hooks.yaml")
    assert [h["id"] for h in hooks] == ["briefgen-validate"]
    hook = hooks[0]
    assert hook["entry"] == "briefgen validate"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is False
    assert hook["files"] == r"^(briefs/.*|briefgen\.yaml)$"
    assert all(re.search(hook["files"], f) for f in FILES_MATCHED)
    assert not any(re.search(hook["files"], f) for f in FILES_IGNORED)
    # `language: python` installs this package; its console script must be `briefgen`.
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text("utf-8"))
    assert pyproject["project"]["scripts"]["briefgen"] == "briefgen.cli:main_entry"


def test_project_pre_commit_config() -> None:
    repos = load(".pre-commit-config.yaml")["repos"]
    local = next(r for r in repos if r["repo"] == "local")
    hook = next(h for h in local["hooks"] if h["id"] == "briefgen-validate")
    assert hook["entry"].endswith("briefgen validate")
    assert hook["pass_filenames"] is False
    assert all(re.search(hook["files"], f) for f in FILES_MATCHED)
    ruff = next(r for r in repos if r["repo"] == "https://github.com/astral-sh/ruff-pre-commit")
    assert ruff["rev"] == f"v{version('ruff')}"  # pinned, and the same ruff as `make lint`
    assert [h["id"] for h in ruff["hooks"]] == ["ruff-check", "ruff-format"]


def test_pull_request_workflow_posts_the_diff() -> None:
    wf = load(".github/workflows/pr-diff.yml")
    assert "pull_request" in wf["on"]
    assert "pull_request_target" not in wf["on"]  # never run PR code with a write token
    assert wf["permissions"] == {}
    assert wf["jobs"]["diff"]["permissions"] == {"contents": "read", "pull-requests": "write"}
    steps = wf["jobs"]["diff"]["steps"]
    checkout = next(s for s in steps if str(s.get("uses", "")).startswith("actions/checkout@"))
    assert checkout["with"]["fetch-depth"] == 0
    diff = next(s for s in steps if s.get("id") == "diff")
    assert diff["env"]["BASE_REF"] == "${{ github.base_ref }}"
    assert 'briefgen diff "origin/${BASE_REF}" > diff.md' in diff["run"]
    assert "${{" not in diff["run"]  # no expression is pasted into the shell script
    post = next(s for s in steps if str(s.get("uses", "")).startswith("actions/github-script@"))
    script = post["with"]["script"]
    assert "<!-- briefgen-diff -->" in script
    assert "updateComment" in script and "createComment" in script
