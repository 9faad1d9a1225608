"""Synthetic corpora for the benchmark: N valid issue files derived from the shipped ones.

Each group of five files is a copy of the five shipped issues with a group suffix on every
id, a numbered title and a numbered first line of the BLUF, and `related` lists pointing
inside the group, so every file is valid and every page differs. Every prose value (any
scalar of more than one word) also starts with a group tag, so no two groups share a string:
nothing a renderer remembers from one issue's text can serve another's, as in real content.
Text-level edits keep the shipped comments and layout, so yamllint sees realistic files.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
BASE_ISSUES = sorted(p.stem for p in (REPO / "briefs" / "issues").glob("*.yaml"))

_RELATED = re.compile(r"^related: \[(.*)\]$", re.M)
_BLUF = re.compile(r"^(bluf: [|>]-?\n)(\s+)", re.M)
# A one-line scalar of several words after `key: ` or `- ` (plain or double-quoted), and the
# first line of a block scalar: the places prose starts.
_LINE_PROSE = re.compile(r'^(\s*(?:- )?[a-z_]+: "?|\s*- "?)([A-Za-z][^\n#":]* [^\n]*)$')
_BLOCK_START = re.compile(r"^(\s*(?:- )?(?:[a-z_]+: )?[|>][-+]?\n)(\s+)", re.M)


def issue_id(base: str, group: int) -> str:
    """The id of one synthetic issue: the shipped id plus a group number."""
    return f"{base}-{group:04d}"


def variant(text: str, base: str, group: int) -> str:
    """One shipped issue's YAML rewritten as member `group` of the synthetic corpus."""
    new_id = issue_id(base, group)
    text = re.sub(rf"^id: {re.escape(base)}$", f"id: {new_id}", text, count=1, flags=re.M)
    text = re.sub(
        r"^title: (\"?)(.*?)\1$",
        lambda m: f'title: "{m.group(2)} (set {group})"',
        text,
        count=1,
        flags=re.M,
    )
    text = _BLUF.sub(lambda m: f"{m.group(1)}{m.group(2)}Set {group}. ", text, count=1)
    text = distinct(text, group)

    def related(m: re.Match[str]) -> str:
        ids = [r.strip() for r in m.group(1).split(",") if r.strip()]
        return "related: [" + ", ".join(issue_id(r, group) for r in ids) + "]"

    return _RELATED.sub(related, text)


def distinct(text: str, group: int) -> str:
    """Tag every prose value of a file with its group, so groups share no string."""
    tag = f"G{group}"
    lines = []
    for line in text.split("\n"):
        if not line.lstrip().startswith("#") and not line.startswith(("id: ", "title: ")):
            line = _LINE_PROSE.sub(lambda m: f"{m.group(1)}{tag} {m.group(2)}", line)
        lines.append(line)
    return _BLOCK_START.sub(lambda m: f"{m.group(1)}{m.group(2)}{tag} ", "\n".join(lines))


def make_corpus(dest: Path, n: int, *, books: bool = False) -> Path:
    """A project at `dest` with `n` issue files (n a multiple of 5) and the shipped registries."""
    if dest.exists():
        shutil.rmtree(dest)
    (dest / "briefs" / "issues").mkdir(parents=True)
    shutil.copy2(REPO / "briefgen.yaml", dest / "briefgen.yaml")
    for name in ("actors.yaml", "sources.yaml"):
        shutil.copy2(REPO / "briefs" / name, dest / "briefs" / name)
    issues = REPO / "briefs" / "issues"
    sources = {b: (issues / f"{b}.yaml").read_text("utf-8") for b in BASE_ISSUES}
    groups = max(1, n // len(BASE_ISSUES))
    count = 0
    for g in range(1, groups + 1):
        for b in BASE_ISSUES:
            if count >= n:
                break
            path = dest / "briefs" / "issues" / f"{issue_id(b, g)}.yaml"
            path.write_text(variant(sources[b], b, g), "utf-8")
            count += 1
    if books:
        shutil.copytree(REPO / "briefs" / "books", dest / "briefs" / "books")
    return dest
