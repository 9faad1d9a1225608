"""Issue 19: the GitHub Actions workflows of this repository and of the starter project run
actions pinned by full commit hash (the version in a comment, which Dependabot updates),
grant no permission by default and each job only what it uses; Dependabot watches the
actions and the Python dependencies."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.conftest import REPO

WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml")) + sorted(
    (REPO / "briefgen" / "templates" / "init" / "dot-github" / "workflows").glob("*.yml")
)
PINNED = re.compile(r"^\s*(?:- )?uses: ([\w.-]+/[\w./-]+)@([0-9a-f]{40})  # v\d+\.\d+\.\d+$")


def ids(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


def load(path: Path) -> dict[str, Any]:
    data = yaml.safe_load(path.read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def test_there_are_workflows_to_check() -> None:
    names = {ids(p) for p in WORKFLOWS}
    assert {".github/workflows/ci.yml", ".github/workflows/pr-diff.yml"} <= names
    assert "briefgen/templates/init/dot-github/workflows/ci.yml" in names


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_every_action_is_pinned_by_commit_hash_with_its_version(path: Path) -> None:
    uses = [line for line in path.read_text("utf-8").splitlines() if "uses:" in line]
    assert uses, "a workflow without actions checks nothing here"
    for line in uses:
        assert PINNED.match(line), f"{ids(path)}: not pinned by a full hash and # vX.Y.Z: {line}"


@pytest.mark.parametrize("path", WORKFLOWS, ids=ids)
def test_no_permission_by_default_and_each_job_asks_for_its_own(path: Path) -> None:
    wf = load(path)
    assert wf["permissions"] == {}, ids(path)
    allowed = {"contents", "pull-requests", "pages", "id-token"}
    for name, job in wf["jobs"].items():
        perms = job.get("permissions")
        assert isinstance(perms, dict) and perms, f"{ids(path)}: job {name} sets no permissions"
        assert set(perms) <= allowed, (name, perms)
        assert perms.get("contents", "read") == "read", f"{name} may not write the repository"
    # a pull request's code never runs with a write token
    assert "pull_request_target" not in wf[True if True in wf else "on"]


def test_only_the_deploy_jobs_may_publish_pages() -> None:
    for path in WORKFLOWS:
        for name, job in load(path)["jobs"].items():
            if job["permissions"].get("pages") == "write":
                assert name == "deploy" and job["permissions"].get("id-token") == "write"
                assert "github.ref == 'refs/heads/main'" in job["if"]


def test_dependabot_watches_the_actions_and_the_python_dependencies() -> None:
    config = load(REPO / ".github" / "dependabot.yml")
    assert config["version"] == 2
    ecosystems = {u["package-ecosystem"]: u for u in config["updates"]}
    assert set(ecosystems) == {"github-actions", "pip"}
    for update in ecosystems.values():
        assert update["directory"] == "/" and update["schedule"]["interval"] == "weekly"
