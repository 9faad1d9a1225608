"""Warnings for what an author left behind that passes the schema but is surely a slip:
`TODO` placeholders from `briefgen new`, and raw HTML in prose (shown as literal text)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from .diagnostics import Diagnostic, Severity
from .load import Document, PathKey

_TODO = re.compile(r"\bTODO\b")
MAX_WARNINGS = 20  # per file: a file full of placeholders says so without flooding the log


def warnings(doc: Document, raw: bytes) -> list[Diagnostic]:
    """Every placeholder and raw HTML tag in a document's text values, at its own line."""
    if b"TODO" not in raw and b"<" not in raw:
        return []  # most files: nothing to look for
    from .markup import raw_html

    lines = raw.decode("utf-8", errors="replace").split("\n")
    out: list[Diagnostic] = []
    for path, text in _strings(doc.data, ()):
        todo = _TODO.search(text)
        if todo:
            out.append(
                _at(
                    doc,
                    lines,
                    path,
                    "TODO",
                    "'TODO' placeholder (from `briefgen new`): write the real text here",
                )
            )
        tag = raw_html(text) if "<" in text else None
        if tag:
            shown = tag if len(tag) <= 40 else tag[:37] + "..."
            out.append(
                _at(
                    doc,
                    lines,
                    path,
                    tag,
                    f"raw HTML {shown!r} is shown as literal text in the briefs, not as "
                    "HTML; use Markdown instead",
                )
            )
        if len(out) >= MAX_WARNINGS:
            break
    return out


def _strings(value: Any, path: PathKey) -> Iterator[tuple[PathKey, str]]:
    """Every text value of a document with its path, in document order."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _strings(v, (*path, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _strings(v, (*path, i))


def _at(doc: Document, lines: list[str], path: PathKey, needle: str, message: str) -> Diagnostic:
    """A warning at the line and column where `needle` is written in the value at `path`
    (a value can span many lines), else at the value's start."""
    line, col = doc.locate(path)
    for n in range(line, min(len(lines), line + 400) + 1):
        start = col - 1 if n == line else 0
        found = lines[n - 1].find(needle, start)
        if found >= 0:
            line, col = n, found + 1
            break
    return Diagnostic(doc.rel, line, col, message, Severity.WARNING)
