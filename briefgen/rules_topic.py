"""Cross-file rules for the fields that fit a brief to any topic (issue 21): row pairs,
profiles per topic, recommendations, watch list, figures, quotes, pinpoints and parts.
Called from rules.py (per issue and book) and validate.py (figure files, prose images)."""

from __future__ import annotations

import contextlib
import re
from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any, Protocol

from .dates import PartialDate
from .diagnostics import Diagnostic, Severity
from .images import FIGURES_DIR, FigureError, load_image
from .load import Document
from .topic import ref_of

Path_ = tuple[Any, ...]
_LISTS = ("recommendations", "watch_list", "figures", "quotes")


class Reporter(Protocol):
    """What these rules need of rules.Checker: report a problem, check a reference."""

    def err(self, doc: Document, path: Path_, msg: str, *, key: bool = False) -> None: ...

    def ids_unique(self, doc: Document, base: Path_, items: Iterable[Any]) -> None: ...

    def ref(
        self,
        doc: Document,
        path: Path_,
        value: str,
        known: Collection[str],
        what: str,
        *,
        key: bool = False,
    ) -> None: ...


def source_refs(entries: Iterable[Any]) -> set[str]:
    """Every id a `sources:` item may name: each source, and `source#part` for its parts."""
    out: set[str] = set()
    for s in entries:
        with contextlib.suppress(KeyError, TypeError, AttributeError):
            out.add(s["id"])
            out.update(f"{s['id']}#{p['id']}" for p in s.get("parts") or ())
    return out


def check_cited(ck: Reporter, doc: Document, path: Path_, item: Any, known: set[str]) -> None:
    """One `sources:` item (or a figure's or quote's `source`) names a known source or part."""
    ref = ref_of(item)
    where = (*path, "id") if isinstance(item, dict) else path
    if "#" in ref and ref.split("#")[0] in known and ref not in known:
        sid, part = ref.split("#", 1)
        ck.err(doc, where, f"source '{sid}' has no part '{part}' (see its `parts:`)")
    else:
        ck.ref(doc, where, ref, known, "source")


def check_pair(ck: Reporter, doc: Document, i: int, row: dict[str, Any], actors: set[str]) -> None:
    """A row's `between` names two different known actors."""
    pair = row.get("between")
    if not isinstance(pair, list):
        return
    for j, a in enumerate(pair):
        ck.ref(doc, ("positions", i, "between", j), a, actors, "actor")
    if len(pair) == 2 and pair[0] == pair[1]:
        ck.err(
            doc,
            ("positions", i, "between", 1),
            f"between names '{pair[0]}' twice; a gap is measured between two different actors",
        )


def check_topic(ck: Reporter, doc: Document, actors: set[str], sources: set[str]) -> None:
    """Profiles name known actors; the new sections have unique ids, known sources and
    actors, and real dates."""
    d = doc.data
    for actor, profile in (d.get("actors") or {}).items():
        ck.ref(doc, ("actors", actor), actor, actors, "actor", key=True)
        for j, s in enumerate(profile.get("sources") or ()):
            check_cited(ck, doc, ("actors", actor, "sources", j), s, sources)
    for name in _LISTS:
        items = d.get(name) or ()
        ck.ids_unique(doc, (name,), items)
        for i, item in enumerate(items):
            for j, s in enumerate(item.get("sources") or ()):
                check_cited(ck, doc, (name, i, "sources", j), s, sources)
            if "source" in item:
                check_cited(ck, doc, (name, i, "source"), item["source"], sources)
            if isinstance(item.get("actor"), str):
                ck.ref(doc, (name, i, "actor"), item["actor"], actors, "actor")
            _check_when(ck, doc, (name, i), item, need=name == "watch_list")


def _check_when(ck: Reporter, doc: Document, path: Path_, item: dict[str, Any], need: bool) -> None:
    if isinstance(item.get("date"), str):
        try:
            PartialDate.parse(item["date"])
        except ValueError:
            ck.err(doc, (*path, "date"), f"'{item['date']}' is not a real calendar date")
    if need and ("date" in item) == ("window" in item):
        ck.err(doc, path, "a watch-list item needs a `date` or a `window` (one of them)")


def check_figures(ck: Reporter, root: Path, doc: Document) -> None:
    """Each figure's file exists under briefs/figures/ and is a safe, bounded image."""
    for i, fig in enumerate(doc.data.get("figures") or ()):
        file = fig.get("file") if isinstance(fig, dict) else None
        if isinstance(file, str):
            try:
                load_image(root, file)
            except FigureError as exc:
                ck.err(doc, ("figures", i, "file"), str(exc))


_IMAGE = re.compile(r"!\[[^\]\n]*\]\([^)\n]*\)")


def prose_images(root: Path, doc: Document) -> list[Diagnostic]:
    """A Markdown image in prose prints as text: a warning at its line, pointing to `figures`."""
    out: list[Diagnostic] = []
    stack: list[tuple[Path_, Any]] = [((), doc.data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, dict):
            stack.extend(((*path, k), v) for k, v in value.items())
        elif isinstance(value, list):
            stack.extend(((*path, i), v) for i, v in enumerate(value))
        elif isinstance(value, str) and (m := _IMAGE.search(value)):
            line, col = doc.locate(path)
            before = value[: m.start()].count("\n")
            if _is_block(root, doc.rel, line):  # the text starts on the line after `|`
                line, col = line + 1 + before, 1
            msg = (
                f"Markdown image {m.group(0)[:60]!r} prints as text; add the image to "
                f"{FIGURES_DIR}/ and list it under `figures` (file, caption, alt, source)"
            )
            out.append(Diagnostic(doc.rel, line, col, msg, Severity.WARNING))
    return sorted(out)


_BLOCK = re.compile(r".*(?::|-)\s+[|>][-+0-9]*\s*(?:#.*)?")


def _is_block(root: Path, rel: str, line: int) -> bool:
    """Whether the value that starts at `line` is a block scalar (`|` or `>`)."""
    try:
        lines = (root / rel).read_text("utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return False
    return 0 < line <= len(lines) and bool(_BLOCK.fullmatch(lines[line - 1]))
