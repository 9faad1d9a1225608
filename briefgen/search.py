"""The site's offline search: pages split into sections, and the index assembled from them.

Pages are our own output: well-formed, every '<' in content and every '>' in an attribute
escaped, so a few regular-expression passes find tags exactly where html.parser does
(tests/test_site.py compares the two on every published page and on generated trees), at
a fraction of its cost. Each page's sections are encoded
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

_ATTRS = r"""((?:[^>"']|"[^"]*"|'[^']*')*)>"""
_START_TAG = re.compile(r"<([a-zA-Z][a-zA-Z0-9]*)(?=[\s/>])" + _ATTRS)
_COMMENT = re.compile(r"<!--.*?-->|<![^>]*>", re.S)  # comments, doctypes, CDATA
_MAIN = re.compile(r"<main(?=[\s/>])", re.I)
_HEADING = re.compile(r"<(h[1-4])(?=[\s/>])" + _ATTRS, re.I)
_HEADING_CLOSE = re.compile(r"</h[1-4](?=[\s/>])[^>]*>", re.I)
_SKIP_TAG = re.compile(r"<(?:svg|script|style|form|nav)(?=[\s/>])", re.I)
_ID_ATTR = re.compile(r"id\s*=")  # a literal first: the engine skips ahead to it
_STRIP_TAG = re.compile(r"</?[a-zA-Z][^>]*>")  # in text without comments (see _kept)
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


@lru_cache(maxsize=16)
def _class_naming(skip: frozenset[str]) -> re.Pattern[str]:
    """Class attributes whose value contains the name of a skipped class (a superset: the
    tag's own class list is checked word by word)."""
    w = "(?:" + "|".join(re.escape(c) for c in sorted(skip)) + ")"
    return re.compile(rf"""class\s*=\s*(?:"[^"]*?{w}|'[^']*?{w}|[^\s"'>]*?{w})""")


def _after_close(text: str, tag: str, pos: int) -> int:
    """Where the element of `tag` opened just before `pos` ends, nested ones counted."""
    depth = 1
    for m in _open_or_close(tag).finditer(text, pos):
        depth += -1 if m.group(1) else 1
        if depth == 0:
            end = text.find(">", m.end())
            return len(text) if end < 0 else end + 1
    return len(text)


def _opens(tag: str, attrs: str) -> bool:
    """Whether a start tag opens an element with content (not void, not self-closed)."""
    return tag not in _VOID and not attrs.rstrip().endswith("/")


def _start_tag_around(text: str, pos: int) -> re.Match[str] | None:
    """The start tag whose attribute begins at `pos` (attribute values hold no raw '<' or
    '>', so it starts at the last '<' before), or None for text that only looks like one."""
    if pos == 0 or not text[pos - 1].isspace():
        return None  # the end of a longer name, such as data-id=
    lt = text.rfind("<", 0, pos)
    tag = _START_TAG.match(text, lt) if lt >= 0 else None
    return tag if tag is not None and tag.end() > pos else None


def _kept(text: str, start: int, end: int, skip: frozenset[str]) -> str:
    """text[start:end] with each comment and passed-over element replaced by one space."""
    found: list[tuple[int, int]] = [
        (m.start(), m.end()) for m in _COMMENT.finditer(text, start, end)
    ]
    found += [(m.start(), -1) for m in _SKIP_TAG.finditer(text, start, end)]
    for m in _class_naming(skip).finditer(text, start, end):
        tag = _start_tag_around(text, m.start())
        if tag is not None and tag.start() >= start:
            found.append((tag.start(), -1))
    if not found:
        return text[start:end]
    found.sort()
    parts = []
    last = start
    for begin, stop in found:
        if begin < last:
            continue  # inside a span already passed over (or found twice)
        if stop < 0:  # the start of an element: is it one to pass over?
            tag = _START_TAG.match(text, begin)
            if tag is None or not _opens(name := tag.group(1).lower(), tag.group(2)):
                continue
            classes = (_attr("class", tag.group(2)) or "").split()
            if name not in _SKIP_TAGS and skip.isdisjoint(classes):
                continue  # the class found was not this tag's own
            stop = min(_after_close(text, name, tag.end()), end)
        parts.append(text[last:begin])
        last = stop
    parts.append(text[last:end])
    return " ".join(parts)


def _plain(fragment: str) -> str:
    """A fragment's text: each tag a space, entities read, whitespace collapsed."""
    if "<" in fragment:
        fragment = _STRIP_TAG.sub(" ", fragment)
    if "&" in fragment:
        fragment = html.unescape(fragment)
    return " ".join(fragment.split())


def page_sections(
    text: str, skip_classes: frozenset[str] = frozenset()
) -> list[tuple[str, str, str]]:
    """Searchable sections of one rendered page: (anchor id, heading, plain text).

    Sections start at each h1-h4 inside <main>; the anchor is the heading's id or its nearest
    ancestor's. Navigation, figures, scripts, forms and elements of a skipped class (tables of
    contents, citation marks, repeated content) are passed over whole. The page is cut by
    regular expressions rather than read tag by tag: a 50 kB brief page has 5,000 tokens but
    only a few dozen headings and passed-over elements, so this costs a third less.
    """
    skip = SKIP_CLASSES | skip_classes
    sections: list[tuple[str, str, str]] = []
    end = -1
    for main in _MAIN.finditer(text):
        if main.start() >= end:  # not a <main> inside the one just read
            end = _after_close(text, "main", main.end())
            sections += _sections(_kept(text, main.start(), end, skip))
    return sections


def _sections(body: str) -> list[tuple[str, str, str]]:
    """The sections of one <main> element whose passed-over parts are gone."""
    heads = [h for h in _HEADING.finditer(body) if _opens(h.group(1), h.group(2))]  # not <h2/>
    owners: list[list[Any]] | None = None  # [start, start tag, end] of elements with an id
    out = []
    for i, h in enumerate(heads):
        after = heads[i + 1].start() if i + 1 < len(heads) else len(body)
        close = _HEADING_CLOSE.search(body, h.end(), after)
        if close is None:
            title, rest = _plain(body[h.end() : after]), ""
        else:
            title, rest = _plain(body[h.end() : close.start()]), _plain(body[close.end() : after])
        if not (title or rest):
            continue
        anchor = _attr("id", h.group(2)) or ""
        if not anchor:
            if owners is None:
                owners = []
                for m in _ID_ATTR.finditer(body):
                    tag = _start_tag_around(body, m.start())
                    if (
                        tag is not None
                        and _opens(tag.group(1).lower(), tag.group(2))
                        and not (owners and owners[-1][0] == tag.start())
                    ):
                        owners.append([tag.start(), tag, None])
            for owner in reversed(owners):
                if owner[0] >= h.start():
                    continue
                if owner[2] is None:
                    owner[2] = _after_close(body, owner[1].group(1).lower(), owner[1].end())
                if owner[2] > h.start() and (anchor := _attr("id", owner[1].group(2)) or ""):
                    break
        out.append((anchor, title, rest))
    return out


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
