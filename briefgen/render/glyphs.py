"""Characters the PDF's fonts cannot draw: a located error instead of an empty box on paper.

The fonts are the families the stylesheet's font stacks name (`--serif`, `--sans`, `--mono`
in brief.css, a project's override included); fontconfig says which code points each
covers. Without fontconfig (not a Linux-like system) nothing is checked.
"""

from __future__ import annotations

import bisect
import re
import shutil
import subprocess
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from ..diagnostics import Diagnostic
from ..load import Document, load_file
from ..project import read_source

_STACK = re.compile(r"--(serif|sans|mono)\s*:\s*([^;}]+)")
_GENERIC = frozenset({"serif", "sans-serif", "monospace", "cursive", "fantasy", "system-ui"})
# Code points no font needs to draw: controls, format characters (joiners, soft hyphen),
# and spaces (Pango makes those from metrics).
_IGNORED = frozenset({"Cc", "Cf", "Zs", "Zl", "Zp"})
# Which Debian package draws a script, for the message (the scripts briefs are known to use).
DEBIAN_FONTS = {
    "CJK": "fonts-noto-cjk",
    "Hiragana": "fonts-noto-cjk",
    "Katakana": "fonts-noto-cjk",
    "Hangul": "fonts-noto-cjk",
}
SHOWN = 3  # characters named per field


def stack_families(css: str) -> tuple[str, ...]:
    """The font families a stylesheet's font-stack variables name, generic ones left out; a
    variable set again later (a project's theme) replaces the earlier stack."""
    stacks: dict[str, str] = {}
    for m in _STACK.finditer(css):
        stacks[m.group(1)] = m.group(2)
    out: list[str] = []
    for value in stacks.values():
        for name in value.split(","):
            family = name.strip().strip("\"'").strip()
            if family and family.lower() not in _GENERIC and family not in out:
                out.append(family)
    return tuple(out)


@dataclass(frozen=True)
class Coverage:
    """The code points some font of the stack covers, as sorted, merged ranges."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def __contains__(self, cp: object) -> bool:
        if not isinstance(cp, int):
            return False
        k = bisect.bisect_right(self.starts, cp) - 1
        return k >= 0 and cp <= self.ends[k]


def _ranges(charset: str) -> Iterator[tuple[int, int]]:
    for part in charset.split():
        lo, _, hi = part.partition("-")
        try:
            yield int(lo, 16), int(hi or lo, 16)
        except ValueError:
            continue


@lru_cache(maxsize=8)
def coverage(families: tuple[str, ...]) -> Coverage | None:
    """What the installed fonts of these families cover; None without fontconfig."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    spans: list[tuple[int, int]] = []
    for family in families:
        try:
            proc = subprocess.run(
                [fc_list, "--format", "%{charset}\n", f":family={family}"],
                capture_output=True,
                text=True,
                timeout=20,
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired):
            return None
        for line in proc.stdout.splitlines():
            spans.extend(_ranges(line))
    merged: list[list[int]] = []
    for lo, hi in sorted(spans):
        if merged and lo <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], hi)
        else:
            merged.append([lo, hi])
    return Coverage(tuple(a for a, _ in merged), tuple(b for _, b in merged))


def script_of(ch: str) -> str:
    """A character's script, as its Unicode name starts: 'Devanagari', 'CJK', 'Arabic'."""
    name = unicodedata.name(ch, "")
    if not name:
        return f"U+{ord(ch):04X}"
    word = name.split()[0]
    return word if word in ("CJK", "IPA") else word.capitalize()


def missing(text: str, cov: Coverage) -> list[str]:
    """The distinct characters of `text` no font covers, in order of first use."""
    seen: list[str] = []
    for ch in text:
        if ch not in seen and ord(ch) not in cov and unicodedata.category(ch) not in _IGNORED:
            seen.append(ch)
    return seen


def _strings(data: Any, path: tuple[str | int, ...] = ()) -> Iterator[tuple[tuple[Any, ...], str]]:
    if isinstance(data, str):
        yield path, data
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _strings(v, (*path, k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _strings(v, (*path, i))


def field_name(path: tuple[Any, ...]) -> str:
    """A JSON path for people: ('actors', 12, 'native_name') -> 'actors[12].native_name'."""
    out = ""
    for part in path:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(document)"


def uncovered(doc: Document, cov: Coverage) -> list[Diagnostic]:
    """One error per field of `doc` holding a character no font of the stack covers."""
    out = []
    for path, text in _strings(doc.data):
        chars = missing(text, cov)
        if not chars:
            continue
        scripts = sorted({script_of(c) for c in chars})
        shown = ", ".join(f"{c!r} (U+{ord(c):04X})" for c in chars[:SHOWN])
        more = f" and {len(chars) - SHOWN} more" if len(chars) > SHOWN else ""
        hints = sorted({DEBIAN_FONTS.get(s, "fonts-noto-core") for s in scripts})
        out.append(
            doc.diag(
                path,
                f"{field_name(path)}: no font of the PDF's font stack draws "
                f"{'/'.join(scripts)} script ({shown}{more}); install a font that does "
                f"(Debian: {', '.join(hints)}) and name it in the stylesheet's font stack",
            )
        )
    return out


def text_covered(text: str, cov: Coverage) -> bool:
    """True when every character of a file's text is drawn (the fast path: no parse)."""
    return not missing("".join(set(text)), cov)


def check_files(root: Path, rels: list[str], css: str) -> list[Diagnostic]:
    """Located errors for every field of these input files that the PDF fonts cannot draw."""
    cov = coverage(stack_families(css))
    if cov is None:
        return []
    out: list[Diagnostic] = []
    for rel in rels:
        raw, problem = read_source(root, root / rel)
        if raw is None or problem is not None:
            continue  # validation has reported it
        text = raw.decode("utf-8", errors="replace")
        if text_covered(text, cov):
            continue
        doc, _ = load_file(raw, rel)
        if doc is not None:
            out.extend(uncovered(doc, cov))
    return out
