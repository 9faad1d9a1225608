"""The site's offline search: pages split into sections, and the index assembled from them.

Each page is read with the standard library's HTML parser; its sections are encoded once,
where the page renders, and the index is a few shards (script files, so search works from
file://), each rewritten only when one of its pages changes.
"""

from __future__ import annotations

import hashlib
import json
import re
from html.parser import HTMLParser
from typing import Any

from ..render.templates import tojson

SKIP_TAGS = frozenset({"svg", "script", "style", "form", "nav", "thead"})
SKIP_CLASSES = frozenset(
    {"toc", "refs", "revisions", "page-tools", "visually-hidden", "none", "confidence", "flag"}
)
_VOID = frozenset(
    "area base br col embed hr img input link meta source track wbr".split()  # noqa: SIM905
)
_HEADING = re.compile(r"h[1-4]\Z")


class _Sections(HTMLParser):
    """Splits a page's <main> at its h1-h4 headings and at table rows that have an id (a
    sub-topic of the positions table, a lever: one result each, headed by the row's own
    header cell, each cell's text after its data-label), passing over navigation, figures,
    scripts, forms and elements of a skipped class."""

    def __init__(self, skip_classes: frozenset[str]) -> None:
        super().__init__(convert_charrefs=True)
        self.skip = SKIP_CLASSES | skip_classes
        self.stack: list[tuple[str, str | None, bool]] = []  # tag, id, passed over
        self.in_main = False
        self.heading: list[str] | None = None
        self.found: list[tuple[str, list[str], list[str]]] = []
        self.resume: tuple[str, list[str]] | None = None  # the section a table interrupted
        self.continued: set[int] = set()  # sections that resume after a table: may be empty
        self.label = ""  # a cell's data-label, said before its first text

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        self.in_main = self.in_main or tag == "main"
        if tag == "br" and self.resume is not None:  # a row's heading ends at its line break
            self.heading = None
        if tag in _VOID:
            return
        skip = (
            (bool(self.stack) and self.stack[-1][2])
            or tag in SKIP_TAGS
            or bool(set((a.get("class") or "").split()) & self.skip)
        )
        self.stack.append((tag, a.get("id"), skip))
        if not self.in_main or skip:
            return
        if _HEADING.match(tag):
            anchor = a.get("id") or next((i for _, i, _ in reversed(self.stack[:-1]) if i), "")
            self.heading = []
            self.found.append((anchor, self.heading, []))
            self.resume = None
        elif tag == "tr" and a.get("id") and self.found:
            if self.resume is None:
                self.resume = (self.found[-1][0], self.found[-1][1])
            self.heading = None
            self.found.append((a["id"] or "", [], []))
        elif tag == "th" and a.get("scope") == "row" and self.resume is not None:
            self.heading = self.found[-1][1]
        elif tag == "td" and a.get("data-label") and self.resume is not None:
            self.label = f" {a['data-label']}:"

    def handle_endtag(self, tag: str) -> None:
        self.in_main = self.in_main and tag != "main"
        while self.stack and tag not in _VOID:
            t = self.stack.pop()[0]
            if _HEADING.match(t) or t == "th":
                self.heading = None
            if t == "td":
                self.label = ""
            if t == "table" and self.resume is not None:  # the text after it: the section again
                self.continued.add(len(self.found))
                self.found.append((self.resume[0], list(self.resume[1]), []))
                self.resume = None
            if t == tag:
                break

    def handle_data(self, data: str) -> None:
        if self.in_main and self.found and not (self.stack and self.stack[-1][2]):
            if self.label and data.strip():
                self.found[-1][2].append(self.label)
                self.label = ""
            (self.heading if self.heading is not None else self.found[-1][2]).append(data)


def _flat(parts: list[str]) -> str:
    return " ".join(" ".join(parts).split())


def page_sections(
    text: str, skip_classes: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """Searchable sections of one rendered page: (anchor id, heading, plain text).

    Sections start at each h1-h4 inside <main>; the anchor is the heading's id or its nearest
    ancestor's. Navigation, figures, scripts, forms and elements of a skipped class (tables of
    contents, citation marks, repeated content) are passed over whole.
    """
    parser = _Sections(skip_classes)
    parser.feed(text)
    parser.close()
    return [
        (a, _flat(h), _flat(t))
        for n, (a, h, t) in enumerate(parser.found)
        if _flat(t) or (_flat(h) and n not in parser.continued)
    ]


def section_json(sections: list[tuple[str, str, str]]) -> str:
    """One page's sections as the search index holds them: JSON, ASCII, safe in <script>.

    Made once, where the page is split (in a worker), so the index of a whole site is
    assembled by joining strings, never re-encoded.
    """
    return str(tojson([list(s) for s in sections], ascii=True))


# The index is a few script files ("shards") that search.html loads before assets/search.js:
# each adds its pages to one array. Scripts, not JSON, because browsers refuse fetch() from
# file://; several, so that an edit rewrites the one shard holding the edited page.
SHARD_HEAD = b"(window.briefgenSearch=window.briefgenSearch||[]).push("
SHARD_TAIL = b");\n"
SHARD_PAGES = 64  # pages per shard, on average
SHARD_NAME = re.compile(r"search/[0-9]{3}-[0-9a-f]{12}\.js\Z")


def shard_count(pages: int) -> int:
    """How many shards an index of `pages` pages is split into."""
    return max(1, -(-pages // SHARD_PAGES))


def shard_of(rel: str, count: int) -> int:
    """The shard a page's entry goes in: by a hash of its path, so pages never move between
    shards while the count is unchanged (adding an issue rewrites one shard, not all)."""
    return int.from_bytes(hashlib.sha256(rel.encode()).digest()[:4], "big") % count


def shard_name(number: int, data: bytes) -> str:
    """A shard's site path, named by its content so a browser never runs a stale copy."""
    return f"search/{number:03d}-{hashlib.sha256(data).hexdigest()[:12]}.js"


def index_part(kind: str, title: str, rel: str, sections: str) -> bytes:
    """One page's entry of the index: `{"k": kind, "s": sections, "t": title, "u": path}`.

    `sections` is the page's section_json: `[[anchor, heading, text], ...]`.
    """
    k, t, u = (tojson(v, ascii=True) for v in (kind, title, rel))
    return f'{{"k":{k},"s":{sections},"t":{t},"u":{u}}}'.encode("ascii")


def assemble_shard(entries: list[bytes]) -> bytes:
    """A shard's bytes from its pages' entries (index_part), in order."""
    return SHARD_HEAD + b",".join(entries) + SHARD_TAIL


def read_shard(data: bytes) -> list[Any]:
    """The page entries of a shard's bytes (to carry unchanged pages into a new shard)."""
    if not (data.startswith(SHARD_HEAD) and data.endswith(SHARD_TAIL)):
        raise ValueError("not a search index shard")
    body = data[len(SHARD_HEAD) : -len(SHARD_TAIL)]
    pages = json.loads(b"[" + body + b"]")
    assert isinstance(pages, list)
    return pages


# Classes passed over when a kind of page is split: an actor page's listings repeat the
# issue pages, and a book's chapters do too.
ACTOR_SKIP_KIND = {"Issue": frozenset[str](), "Actor": frozenset({"from-issues"})}
