"""The site's offline search: pages split into sections, and the index assembled from them.

Pages are our own output: every '<' in content is escaped, so a tag is a tag and a regular
tokenizer reads them exactly as html.parser would (tests/test_site.py compares the two on
every published page), at a fraction of html.parser's cost. Each page's sections are encoded
once, where the page is split, and the index is joined from those strings into a few shards
(script files, so search works from file://), each rewritten only when one of its pages is.
"""

from __future__ import annotations

import hashlib
import html
import re
from functools import lru_cache
from typing import Any

from .render.templates import tojson

# Pages are our own output: every '<' in content is escaped, so a tag is a tag and a regular
# tokenizer reads them exactly as html.parser would (tests/test_site.py compares the two), at a
# fraction of html.parser's cost.
_TOKEN = re.compile(
    r"<!--.*?-->|<![^>]*>|<(/?)([a-zA-Z][a-zA-Z0-9]*)((?:[^>\"']|\"[^\"]*\"|'[^']*')*)>|([^<]+)",
    re.S,
)
_ATTR = {
    name: re.compile(rf"""(?:^|\s){name}\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")
    for name in ("id", "class")
}
_VOID = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "source",
        "track",
        "wbr",
    ]
)
_SKIP_TAGS = frozenset({"svg", "script", "style", "form", "nav"})
_HEADINGS = frozenset({"h1", "h2", "h3", "h4"})
SKIP_CLASSES = frozenset({"toc", "refs", "revisions", "page-tools", "visually-hidden"})


def _attr(name: str, attrs: str) -> str | None:
    if name not in attrs:
        return None
    m = _ATTR[name].search(attrs)
    if m is None:
        return None
    value = next(g for g in m.groups() if g is not None)
    return html.unescape(value) if "&" in value else value


@lru_cache(maxsize=64)
def _open_or_close(tag: str) -> re.Pattern[str]:
    return re.compile(rf"<(/?){tag}(?=[\s/>])", re.I)


def _after_close(text: str, tag: str, pos: int) -> int:
    """Where the element of `tag` opened just before `pos` ends, nested ones counted."""
    depth = 1
    for m in _open_or_close(tag).finditer(text, pos):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            end = text.find(">", m.end())
            return len(text) if end < 0 else end + 1
    return len(text)


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
    skip = SKIP_CLASSES | skip_classes
    stack: list[tuple[str, str | None]] = []
    in_main = False
    heading: list[str] | None = None
    sections: list[tuple[str, list[str], list[str]]] = []
    pos = max(text.find("<main"), 0)  # nothing before <main> is searched
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if m is None:  # a lone '<' opening no tag is text, as a browser reads it
            data: str | None = "<"
            pos += 1
        else:
            pos = m.end()
            data = m.group(4)
        if data is not None:
            if in_main and sections:
                (heading if heading is not None else sections[-1][2]).append(
                    html.unescape(data) if "&" in data else data
                )
            continue
        assert m is not None
        if m.group(2) is None:
            continue  # a comment or doctype
        tag, attrs = m.group(2).lower(), m.group(3)
        if m.group(1):
            in_main = in_main and tag != "main"
            while stack and tag not in _VOID:
                closed = stack.pop()[0]
                heading = None if closed in _HEADINGS else heading
                if closed == tag:
                    break
            continue
        in_main = in_main or tag == "main"
        if tag in _VOID or attrs.rstrip().endswith("/"):
            continue
        if tag in _SKIP_TAGS or not skip.isdisjoint((_attr("class", attrs) or "").split()):
            pos = _after_close(text, tag, pos)
            continue
        ident = _attr("id", attrs)
        stack.append((tag, ident))
        if in_main and tag in _HEADINGS:
            anchor = ident or next((i for _, i in reversed(stack[:-1]) if i), "")
            heading = []
            sections.append((anchor, heading, []))
    return [(a, _flat(h), _flat(t)) for a, h, t in sections if _flat(h) or _flat(t)]


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


def assemble_shard(
    entries: list[bytes | tuple[int, int]], old: bytes = b""
) -> tuple[bytes, list[tuple[int, int]]]:
    """A shard's bytes from its pages' entries, in order, and where each entry sits in it.

    An entry is either new bytes (index_part) or the (start, end) of an unchanged entry in
    `old`, this shard as last built. Runs of entries that were neighbours in `old` are
    copied as one slice of it, commas included. The offsets let the next build slice this
    shard in turn.
    """
    view = memoryview(old)
    pieces: list[bytes | memoryview] = [SHARD_HEAD]
    spans = []
    pos = len(SHARD_HEAD)
    run: list[int] | None = None  # [start, end] in `old` of the run being carried over
    for i, entry in enumerate(entries):
        sep = b"," if i else b""
        if isinstance(entry, tuple):
            start, end = entry
            if run is not None and run[1] + 1 == start and old[run[1] : start] == b",":
                run[1] = end  # the comma between them comes along
            else:
                if run is not None:
                    pieces.append(view[run[0] : run[1]])
                if sep:
                    pieces.append(sep)
                run = [start, end]
            length = end - start
        else:
            if run is not None:
                pieces.append(view[run[0] : run[1]])
                run = None
            pieces.append(sep + entry)
            length = len(entry)
        pos += len(sep)
        spans.append((pos, pos + length))
        pos += length
    if run is not None:
        pieces.append(view[run[0] : run[1]])
    pieces.append(SHARD_TAIL)
    return b"".join(pieces), spans


def read_shard(data: bytes) -> list[Any]:
    """The page entries of a shard's bytes (for tests and tools; the browser runs it)."""
    import json

    if not (data.startswith(SHARD_HEAD) and data.endswith(SHARD_TAIL)):
        raise ValueError("not a search index shard")
    body = data[len(SHARD_HEAD) : -len(SHARD_TAIL)]
    pages = json.loads(b"[" + body + b"]")
    assert isinstance(pages, list)
    return pages
