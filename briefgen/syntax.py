"""YAML syntax errors in plain words, at the line a person has to change.

The parser reports where it gave up, which is often a line or more after the mistake (an
over-indented line is read as the continuation of the one above; a line pushed out of a
block ends the block, and the parser complains at the next key). So we try the small fixes
a person would make (re-indent one line, add the space after a colon, quote a value, close
a quote or bracket) on the lines up to the reported one, and report the one fix that lets
the parser get past the reported line, with the words that name it.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# How far above the parser's line a mistake is looked for, and how many trial parses at most
# (fewer for a big file: the trials parse at most TRIAL_CHARS characters in all).
LOOK_BACK = 24
MAX_TRIALS = 160
TRIAL_CHARS = 20_000_000
EXCERPT_WIDTH = 120  # characters of a long line shown around the column

_KEY = r"[A-Za-z0-9_][A-Za-z0-9_-]*"
_NO_SPACE = re.compile(rf"^(\s*(?:-\s+)?)({_KEY}):(?=[^\s/:])")
_DASH = re.compile(r"^\s*-(?=[^\s-])")
_NO_COLON = re.compile(r"^(\s*(?:-\s+)?)([a-z_][a-z0-9_-]*)(?=\s+\S|\s*$)")
_VALUE = re.compile(rf"^(\s*(?:-\s+)?)({_KEY}):[ ]+(.*)$")
_RESERVED_START = {"@": "'@'", "`": "a backtick (`)", "%": "'%'"}


@dataclass(frozen=True)
class Explanation:
    """Where the mistake is (1-based) and what to do about it, in plain words."""

    line: int
    col: int
    message: str


@dataclass(frozen=True)
class _Failure:
    """What the parser said: its problem and where, and what it was reading (the context)."""

    problem: str
    line: int
    col: int
    context: str
    context_line: int
    context_col: int


def _failure(exc: BaseException) -> _Failure:
    """The parts of a ruamel.yaml MarkedYAMLError (1-based positions)."""
    mark = getattr(exc, "problem_mark", None)
    cmark = getattr(exc, "context_mark", None)
    line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
    cline, ccol = (cmark.line + 1, cmark.column + 1) if cmark is not None else (line, col)
    problem = str(getattr(exc, "problem", None) or exc).strip()
    return _Failure(problem, line, col, str(getattr(exc, "context", "") or ""), cline, ccol)


def explain(
    text: str,
    exc: BaseException,
    parses: Callable[[str], int | None],
    fits: Callable[[str], bool] | None = None,
) -> Explanation:
    """The mistake behind a parser error. `parses(text)` is the line of the first syntax
    error in `text` (None when it parses): the trial parses of candidate fixes use it.
    `fits(text)`: whether a text that parses passes its file's schema, which tells two
    fixes apart that both parse (a key moved into the wrong mapping parses, but does not
    fit)."""
    f = _failure(exc)
    lines = text.split("\n")
    return (
        _tab(lines, f)
        or _unclosed(lines, f)
        or _reserved_start(lines, f)
        or _extra_closer(lines, f)
        or _repaired(lines, f, parses, fits or (lambda _text: True))
        or _fallback(f)
    )


def _tab(lines: list[str], f: _Failure) -> Explanation | None:
    """A tab in the indentation of a line up to the parser's: YAML indents with spaces."""
    for n, line in enumerate(lines[: f.line], start=1):
        indent = line[: len(line) - len(line.lstrip(" \t"))]
        if "\t" in indent and line.strip():
            return Explanation(
                n,
                indent.index("\t") + 1,
                "this line is indented with a tab; YAML indents with spaces only: "
                "replace the tab with spaces",
            )
    return None


def _unclosed(lines: list[str], f: _Failure) -> Explanation | None:
    """A quote or a [ ] / { } list that is never closed: the parser names where it opened."""
    at = lines[f.context_line - 1][f.context_col - 1 :] if f.context_line <= len(lines) else ""
    if f.context == "while scanning a quoted scalar" and at[:1] in ("'", '"'):
        q = at[0]
        return Explanation(
            f.context_line,
            f.context_col,
            f"the text quoted with {q} here is never closed: add the closing {q} at its end",
        )
    if f.context.startswith("while parsing a flow") and at[:1] in ("[", "{"):
        close = "]" if at[0] == "[" else "}"
        return Explanation(
            f.context_line,
            f.context_col,
            f"the list opened with '{at[0]}' here is not closed: add '{close}' after its last item",
        )
    return None


def _reserved_start(lines: list[str], f: _Failure) -> Explanation | None:
    """A plain value that begins with a character YAML reserves (`@`, a backtick, `%`)."""
    if "cannot start any token" not in f.problem or f.line > len(lines):
        return None
    ch = lines[f.line - 1][f.col - 1 : f.col]
    if ch not in _RESERVED_START:
        return None
    return Explanation(
        f.line,
        f.col,
        f"a value cannot begin with {_RESERVED_START[ch]} unless it is quoted: put the "
        "whole value in double quotes",
    )


@dataclass(frozen=True)
class _Fix:
    """One candidate fix: the line it changes (1-based), the new text, what it says."""

    line: int
    col: int
    new: str
    message: str


def _repaired(
    lines: list[str],
    f: _Failure,
    parses: Callable[[str], int | None],
    fits: Callable[[str], bool],
) -> Explanation | None:
    """The candidate fix that gets the parser furthest past its line (the whole file best);
    between fixes that both let the file parse, one whose result fits the schema, then the
    one that brings a line most in line with its neighbours, then to an indentation the
    file uses most, then the nearest."""
    best: tuple[float, bool, int, int, int, _Fix] | None = None
    size = sum(len(x) + 1 for x in lines)
    trials = max(8, min(MAX_TRIALS, TRIAL_CHARS // max(1, size)))
    common = Counter(_indent_of(x) for x in lines if x.strip())
    stop_at = 0
    for order, fix in enumerate(_fixes(lines, f)):
        if order >= trials or fix.line < stop_at:
            break
        trial = "\n".join([*lines[: fix.line - 1], fix.new, *lines[fix.line :]])
        after = parses(trial)
        if after is not None and after <= f.line:
            continue
        reach = float("inf") if after is None else float(after)
        whole = reach == float("inf") and fits(trial)
        usual = common[_indent_of(fix.new)]  # an indentation the file uses elsewhere
        score = (reach, whole, _fits_better(lines, fix), usual, -order, fix)
        if best is None or score[:5] > best[:5]:
            best = score
        if reach == float("inf") and not stop_at:
            stop_at = fix.line - 3  # a few lines more: the odd line may be just above
    return None if best is None else Explanation(best[5].line, best[5].col, best[5].message)


def _fits_better(lines: list[str], fix: _Fix) -> int:
    """How many more of its two neighbours (the lines before and after, blank ones left
    out) share the line's indentation once fixed than before: the odd line out gains most."""
    n = fix.line
    near = [_indent_of(x) for x in lines[: n - 1] if x.strip()][-1:]
    near += [_indent_of(x) for x in lines[n:] if x.strip()][:1]
    old, new = _indent_of(lines[n - 1]), _indent_of(fix.new)
    return sum(i == new for i in near) - sum(i == old for i in near)


def _fixes(lines: list[str], f: _Failure) -> Iterator[_Fix]:
    """Candidate fixes on the lines up to the parser's, nearest first; for each line the
    changes of its text first, then its indentation."""
    last = min(f.line, len(lines))
    first = max(1, last - LOOK_BACK)
    candidates = list(range(last, first - 1, -1))
    if first <= f.context_line <= last:  # the line the parser was reading first
        candidates = [f.context_line, *[n for n in candidates if n != f.context_line]]
    for n in candidates:
        line = lines[n - 1]
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        yield from _text_fixes(n, line)
        yield from _indent_fixes(lines, n)


def _extra_closer(lines: list[str], f: _Failure) -> Explanation | None:
    """A ']' or '}' with no '[' or '{' to close on its line."""
    if f.line > len(lines):
        return None
    line = lines[f.line - 1]
    for close, opener in (("]", "["), ("}", "{")):
        at = line.find(close, max(0, f.col - 2))
        if at >= 0 and line.count(close) > line.count(opener):
            return Explanation(
                f.line, at + 1, f"one '{close}' too many: this line has no '{opener}' for it"
            )
    return None


def _text_fixes(n: int, line: str) -> Iterator[_Fix]:
    """A missing space after a colon, a colon inside unquoted text, text after a closing
    quote, a quote never closed on its line."""
    m = _NO_SPACE.match(line)
    if m:
        colon = m.end()
        yield _Fix(
            n,
            colon,
            line[:colon] + " " + line[colon:],
            f"missing space after '{m.group(2)}:'; YAML needs a space between a key's "
            f"colon and its value: '{m.group(2)}: {line[colon:].strip()[:30]}'",
        )
    m = _DASH.match(line)
    if m:
        rest = line[m.end() :].strip()
        yield _Fix(
            n,
            m.end(),
            line[: m.end()] + " " + line[m.end() :],
            f"a list item needs a space after its '-': write '- {rest[:30]}'",
        )
    m = _NO_COLON.match(line)
    if m and ":" not in line:
        yield _Fix(
            n,
            m.end(2) + 1,
            line[: m.end(2)] + ":" + line[m.end(2) :],
            f"missing ':' after '{m.group(2)}': write "
            f"'{(m.group(2) + ': ' + line[m.end(2) :].strip()).strip()[:40]}'",
        )
    m = _VALUE.match(line)
    if not m:
        return
    value, start = m.group(3).rstrip(), m.start(3)
    quoted = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    head = line[:start]
    if value[:1] not in ("'", '"', "[", "{", "|", ">", "&", "*", "!"):
        inner = value.find(": ")
        if inner < 0 and value.endswith(":"):
            inner = len(value) - 1
        if inner >= 0:
            yield _Fix(
                n,
                start + inner + 1,
                head + quoted,
                f"the text after '{m.group(2)}:' holds ': ', which YAML reads as one more "
                "key; put the whole text in double quotes",
            )
    elif value[:1] in ("'", '"'):
        q = value[0]
        close = _closing_quote(value)
        if (
            close is not None
            and value[close + 1 :].strip()
            and not value[close + 1 :].lstrip().startswith("#")
        ):
            yield _Fix(
                n,
                start + close + 2,
                head + quoted,
                f"text goes on after the closing {q}; put the whole value inside the quotes",
            )
        elif close is None:
            yield _Fix(
                n,
                start + 1,
                line + q,
                f"the text quoted with {q} here is never closed: add the closing {q} at its end",
            )


def _closing_quote(value: str) -> int | None:
    """The index of the quote that closes the one at value[0], or None."""
    q, i = value[0], 1
    while i < len(value):
        if q == '"' and value[i] == "\\":
            i += 2
            continue
        if value[i] == q:
            if q == "'" and value[i + 1 : i + 2] == "'":
                i += 2
                continue
            return i
        i += 1
    return None


def _indent_of(line: str) -> int:
    return len(line) - len(line.lstrip(" "))


def _indent_fixes(lines: list[str], n: int) -> Iterator[_Fix]:
    """Line n moved to the indentation of a line above it (or the one below), the nearest
    levels first."""
    current = _indent_of(lines[n - 1])
    seen: dict[int, int] = {}  # indentation -> the nearest line above that has it
    for k in range(n - 1, max(0, n - 1 - 4 * LOOK_BACK), -1):
        above = lines[k - 1]
        if above.strip() and not above.lstrip().startswith("#"):
            seen.setdefault(_indent_of(above), k)
    below = next((k for k in range(n + 1, len(lines) + 1) if lines[k - 1].strip()), 0)
    if below:  # the line after, too: the first line of a block sets the block's indentation
        seen.setdefault(_indent_of(lines[below - 1]), below)
    levels = sorted((i for i in seen if i != current), key=lambda i: (abs(i - current), i))
    for level in levels[:6]:
        yield _Fix(
            n,
            current + 1,
            " " * level + lines[n - 1].lstrip(" "),
            f"wrong indentation: this line is indented by {current}, but it belongs at "
            f"{level}, like line {seen[level]}",
        )
    prev = next((k for k in range(n - 1, 0, -1) if lines[k - 1].strip()), 0)
    opener = lines[prev - 1].rstrip() if prev else ""
    if opener.endswith((":", "|", ">", "|-", ">-")):  # the value of a key goes under it
        deeper = _indent_of(opener) + 2
        if deeper > current:
            yield _Fix(
                n,
                current + 1,
                " " * deeper + lines[n - 1].lstrip(" "),
                f"wrong indentation: the value of line {prev} goes below it, indented "
                f"more than its key: indent this line by {deeper}",
            )


_PLAIN = {
    "mapping values are not allowed in this context": "unexpected ':' here; if it is part "
    "of the text, put the text in double quotes",
    "did not find expected key": "this line does not fit the lines above it: check its "
    "indentation and that every 'key: value' has its colon",
    "did not find expected '-' indicator": "expected a list item ('- ...') at this "
    "indentation: check the indentation of this line",
    "could not find expected ':'": "expected 'key: value' here: a colon is missing, or "
    "the line is indented wrongly",
    "found unexpected end of stream": "the file ends inside a value: a quote or bracket "
    "is not closed",
    "found character that cannot start any token": "this character cannot start a value "
    "unless the value is quoted: put it in double quotes",
}


def plain(exc: BaseException) -> Explanation:
    """The parser's error in plain words at its own position, with no trial fixes."""
    return _fallback(_failure(exc))


def _fallback(f: _Failure) -> Explanation:
    """The parser's own words, translated where we know them, at the parser's position."""
    first = f.problem.splitlines()[0] if f.problem else "invalid YAML"
    plain = _PLAIN.get(first)
    return Explanation(f.line, f.col, plain or f"invalid YAML: {first}")


def excerpt(text: str, line: int, col: int, context: int = 2) -> list[str]:
    """The lines around `line` numbered, with a caret under `col` (as Rust and Elm show);
    a long line is cut to EXCERPT_WIDTH characters around the column."""
    lines = text.split("\n")
    if not 1 <= line <= len(lines):
        return []
    lo, hi = max(1, line - context), min(len(lines), line + 1)
    width = len(str(hi))
    start = max(0, col - 1 - EXCERPT_WIDTH // 2) if len(lines[line - 1]) > EXCERPT_WIDTH else 0
    out = []
    for n in range(lo, hi + 1):
        shown = lines[n - 1].replace("\t", "→")
        at = start if len(shown) > start else 0  # a shorter neighbour is shown from its start
        cut = ("…" if at else "") + shown[at : at + EXCERPT_WIDTH]
        cut += "…" if len(shown) > at + EXCERPT_WIDTH else ""
        out.append(f" {n:>{width}} | {cut}".rstrip())
        if n == line:
            out.append(f" {'':>{width}} | {' ' * (col - 1 - start + (1 if start else 0))}^")
    return out


def parse_problem_line(parse: Callable[[str], Any]) -> Callable[[str], int | None]:
    """`parses` for explain(): runs `parse` and gives the line of its syntax error, if any."""

    def parses(text: str) -> int | None:
        try:
            parse(text)
        except Exception as exc:  # only the YAML parser's own errors carry a problem mark
            mark = getattr(exc, "problem_mark", None)
            return mark.line + 1 if mark is not None else 1
        return None

    return parses
