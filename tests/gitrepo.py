"""Temporary git repositories for tests: fixed author, committer and dates, no user config."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

DATE = "2025-01-02T10:00:00+00:00"


def git(cwd: Path, *args: str, date: str = DATE) -> str:
    """Run git with a clean, reproducible identity and clock; return its stripped stdout."""
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": "/nonexistent",
        "GIT_CONFIG_NOSYSTEM": "1",
        "GIT_CONFIG_GLOBAL": "/dev/null",
        "LC_ALL": "C",
        "GIT_AUTHOR_NAME": "Test Analyst",
        "GIT_AUTHOR_EMAIL": "analyst@example.invalid",
        "GIT_COMMITTER_NAME": "Test Analyst",
        "GIT_COMMITTER_EMAIL": "analyst@example.invalid",
        "GIT_AUTHOR_DATE": date,
        "GIT_COMMITTER_DATE": date,
    }
    proc = subprocess.run(
        ["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=True
    )
    return proc.stdout.strip()


def init(repo: Path) -> Path:
    """An empty repository on branch main."""
    repo.mkdir(parents=True, exist_ok=True)
    git(repo, "init", "-q", "-b", "main")
    return repo


def commit(repo: Path, message: str, date: str = DATE) -> str:
    """Commit everything in the working tree; return the full hash."""
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "--no-gpg-sign", "-m", message, date=date)
    return git(repo, "rev-parse", "HEAD")


def short(repo: Path, rev: str = "HEAD") -> str:
    """The abbreviated hash git itself prints for a commit (as in `git log --format=%h`)."""
    return git(repo, "log", "-1", "--format=%h", rev)
