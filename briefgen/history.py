"""Revision history of brief files from `git log`, read once per build for all files."""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from .chars import scrub


@dataclass(frozen=True)
class Revision:
    """One commit that touched a brief's file (defined here, not in the model: a no-op build
    reads histories without importing the model's ~40 dataclasses)."""

    date: str
    short_hash: str
    subject: str
    note: str = ""  # its `Brief-Change:` trailers: what changed for readers ("" for most)


MAX_REVISIONS = 20
_SEP = "\x1f"
_NOTES = "\x1e"
TRAILER = "Brief-Change"  # a commit trailer that tells readers what changed in substance


def revisions(root: Path, rels: list[str]) -> dict[str, list[Revision]]:
    """Newest-first commits touching each file; empty outside a git checkout or without git."""
    result: dict[str, list[Revision]] = {r: [] for r in rels}
    git = shutil.which("git")
    if not git or not rels:
        return result
    env = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": os.environ.get("HOME", "/nonexistent"),
        "GIT_CONFIG_NOSYSTEM": "1",
        "LC_ALL": "C",
    }
    try:
        proc = subprocess.run(
            [
                git,
                "-C",
                str(root),
                "log",
                "--no-color",
                "--no-renames",
                "--date=short",
                f"--format={_SEP}%ad{_SEP}%h{_SEP}%s{_SEP}"
                f"%(trailers:key={TRAILER},valueonly,unfold,separator=%x1e)",
                "--name-only",
                "--",
                "briefs",
            ],
            capture_output=True,
            text=True,
            encoding="utf-8",
            errors="replace",
            timeout=30,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return result
    if proc.returncode != 0:
        return result
    prefix = _git_prefix(git, root, env)
    current: Revision | None = None
    for line in proc.stdout.splitlines():
        if line.startswith(_SEP):
            _, date, short, subject, notes = [*line.split(_SEP), "", "", "", ""][:5]
            note = "; ".join(_subject(n.strip()) for n in notes.split(_NOTES) if n.strip())
            current = Revision(date, short, _subject(subject), note)
        elif line and current is not None:
            rel = line[len(prefix) :] if prefix and line.startswith(prefix) else line
            bucket = result.get(rel)
            if bucket is not None and len(bucket) < MAX_REVISIONS:
                bucket.append(current)
    return result


def _subject(text: str) -> str:
    """A commit subject as safe one-line text: the loader's forbidden characters (controls,
    bidi overrides, tag characters) become U+FFFD, tabs and carriage returns spaces."""
    return scrub(text[:200]).replace("\t", " ").replace("\r", " ")


def _git_prefix(git: str, root: Path, env: dict[str, str]) -> str:
    """Path of the project inside its repository (git prints paths from the repo top)."""
    try:
        out = subprocess.run(
            [git, "-C", str(root), "rev-parse", "--show-prefix"],
            capture_output=True,
            text=True,
            timeout=10,
            env=env,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""
