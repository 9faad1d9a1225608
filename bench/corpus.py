"""Synthetic projects for the benchmark: N valid issue files made from the five shipped ones.

Each group of five files copies the shipped issues with a group number on every id, title and
first line of the BLUF, and `related` pointing inside the group, so every file validates and
every page differs. Every prose value also starts with a group tag, so no two groups share a
string (nothing a renderer remembers from one issue serves another). The edits are textual, so
the shipped comments and layout stay, and yamllint sees realistic files. Each project is a git
repository with one commit, so briefs show a revision history as in real use.

Usage: python bench/corpus.py DEST N
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ISSUES = REPO / "briefs" / "issues"
BASE_ISSUES = sorted(p.stem for p in ISSUES.glob("*.yaml"))
GIT_ENV = {"GIT_CONFIG_NOSYSTEM": "1", "GIT_CONFIG_GLOBAL": "/dev/null"}
for who in ("AUTHOR", "COMMITTER"):
    GIT_ENV |= {f"GIT_{who}_NAME": "Bench", f"GIT_{who}_EMAIL": "bench@example.invalid"}
    GIT_ENV[f"GIT_{who}_DATE"] = "2025-08-10T10:00:00+00:00"

_RELATED = re.compile(r"^related: \[(.*)\]$", re.M)
_BLUF = re.compile(r"^(bluf: [|>]-?\n)(\s+)", re.M)
# Where prose starts: a one-line scalar of several words after `key: ` or `- ` (plain or
# double-quoted), and the first line of a block scalar.
_LINE_PROSE = re.compile(r'^(\s*(?:- )?[a-z_]+: "?|\s*- "?)([A-Za-z][^\n#":]* [^\n]*)$')
_BLOCK_START = re.compile(r"^(\s*(?:- )?(?:[a-z_]+: )?[|>][-+]?\n)(\s+)", re.M)


def issue_id(base: str, group: int) -> str:
    """The id of one synthetic issue: the shipped id plus a group number."""
    return f"{base}-{group:04d}"


def variant(text: str, base: str, group: int) -> str:
    """One shipped issue's YAML rewritten as member `group` of the synthetic corpus."""
    tag = f"G{group}"
    lines = []
    for line in text.split("\n"):
        if not line.lstrip().startswith("#") and not line.startswith(("id: ", "title: ")):
            line = _LINE_PROSE.sub(lambda m: f"{m.group(1)}{tag} {m.group(2)}", line)
        lines.append(line)
    text = _BLOCK_START.sub(lambda m: f"{m.group(1)}{m.group(2)}{tag} ", "\n".join(lines))
    text = re.sub(
        rf"^id: {re.escape(base)}$", f"id: {issue_id(base, group)}", text, count=1, flags=re.M
    )
    text = re.sub(r'^title: ("?)(.*?)\1$', rf'title: "\2 (set {group})"', text, count=1, flags=re.M)
    text = _BLUF.sub(lambda m: f"{m.group(1)}{m.group(2)}Set {group}. ", text, count=1)

    def related(m: re.Match[str]) -> str:
        ids = [r.strip() for r in m.group(1).split(",") if r.strip()]
        return "related: [" + ", ".join(issue_id(r, group) for r in ids) + "]"

    return _RELATED.sub(related, text)


def make_corpus(dest: Path, n: int) -> Path:
    """A project at `dest` with `n` issue files and the shipped registries, committed in git.
    `n` is a multiple of five: a group is whole, or its `related` lists would dangle."""
    if n <= 0 or n % len(BASE_ISSUES):
        raise ValueError(f"a corpus holds whole groups of {len(BASE_ISSUES)} issues, not {n}")
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "briefs" / "issues").mkdir(parents=True)
    shutil.copy2(REPO / "briefgen.yaml", dest / "briefgen.yaml")
    for name in ("actors.yaml", "sources.yaml"):
        shutil.copy2(REPO / "briefs" / name, dest / "briefs" / name)
    sources = {b: (ISSUES / f"{b}.yaml").read_text("utf-8") for b in BASE_ISSUES}
    for k in range(n):
        base, group = BASE_ISSUES[k % len(BASE_ISSUES)], k // len(BASE_ISSUES) + 1
        path = dest / "briefs" / "issues" / f"{issue_id(base, group)}.yaml"
        path.write_text(variant(sources[base], base, group), "utf-8")
    git_commit_all(dest)
    return dest


def git_commit_all(root: Path) -> None:
    """Make `root` a git repository with one commit of everything in it."""
    env = {**os.environ, **GIT_ENV}
    (root / ".gitignore").write_text("build/\n.briefgen-cache/\n")
    for args in (["init", "-q", "-b", "main"], ["add", "-A"], ["commit", "-q", "-m", "corpus"]):
        subprocess.run(["git", *args], cwd=root, env=env, check=True)


if __name__ == "__main__":
    make_corpus(Path(sys.argv[1]), int(sys.argv[2]))
