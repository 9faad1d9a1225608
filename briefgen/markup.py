"""The one place where contributor Markdown becomes HTML (and safe Markdown).

Content is untrusted: raw HTML is escaped (not passed through), only http, https and mailto
links survive, images never load (their alt text is shown), and heading ids get a prefix so
content cannot clobber the page's own ids. The Markdown output is checked the same way: it is
parsed again as a permissive renderer (raw HTML on, any link scheme) would read it, and a
field that would yield raw HTML, an image or another link scheme there is made inert.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

if TYPE_CHECKING:  # markdown-it is imported on first use: plain prose never needs it
    from markdown_it import MarkdownIt
    from markdown_it.renderer import RendererHTML
    from markdown_it.token import Token

SAFE_SCHEMES = ("http:", "https:", "mailto:")
# "_" never occurs in a slug, so a content heading id can never equal an id the templates
# build from slugs and hyphens (for example an issue called "c" has "c-bluf").
ID_PREFIX = "c_"


def safe_url(url: str) -> bool:
    """True for the only link targets content may use: http, https, mailto."""
    u = url.strip().lower()
    return u.startswith(SAFE_SCHEMES)


def _validate_link(url: str) -> bool:
    return safe_url(url)


def _renderer(md: MarkdownIt) -> RendererHTML:
    """HTML renderer: images become their alt text; links open safely."""
    from markdown_it.renderer import RendererHTML
    from markdown_it.utils import EnvType, OptionsDict

    class _Renderer(RendererHTML):
        def image(
            self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType
        ) -> str:
            token = tokens[idx]
            alt = self.renderInlineAsText(token.children or [], options, env)
            return f'<span class="image-alt">[{escape(alt)}]</span>'

    return _Renderer(md)


def _heading_ids(md: MarkdownIt) -> None:
    """Give content headings prefixed, unique ids and push them below the page's headings."""

    def rule(state: Any) -> None:
        used: dict[str, int] = state.env.setdefault("heading_ids", {})
        shift = state.env.get("heading_shift", 0)
        for i, tok in enumerate(state.tokens):
            if tok.type == "heading_open":
                inline = state.tokens[i + 1]
                base = re.sub(r"[^a-z0-9]+", "-", inline.content.lower()).strip("-") or "section"
                n = used.get(base, 0)
                used[base] = n + 1
                tok.attrSet("id", f"{ID_PREFIX}{base}" + (f"-{n}" if n else ""))
                level = min(6, int(tok.tag[1]) + shift)
                tok.tag = f"h{level}"
                state.tokens[i + 2].tag = f"h{level}"

    md.core.ruler.push("briefgen_heading_ids", rule)


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The shared Markdown parser: CommonMark + tables + strikethrough, raw HTML off."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.renderer = _renderer(md)
    _heading_ids(md)
    return md


# markdown-it scans ahead from every '[' for the end of a link, so a field of thousands of
# brackets costs quadratic time; past this many, brackets are shown as text and never parsed.
MAX_BRACKETS = 1000


def _tame(text: str) -> str:
    """A field with absurdly many '[' becomes one with none that the parser must match."""
    return text.replace("[", "&#91;") if text.count("[") > MAX_BRACKETS else text


# Plain prose is most of the content and its rendering is fixed, so it skips the parser.
# Outside these characters markdown-it's inline rules never fire (with linkify and the
# typographer off, the rest of ASCII punctuation, such as ! : - + = # $ % @ ^ { }, is only
# ever appended to the text), and of what its text escaping changes (& < > ") only '"' is left.
_NOT_PLAIN = re.compile(r"[*_`\[\]\\<>&~|]")
# A line whose first mark could open a block (list item, heading, quote, fence, table row,
# setext underline, thematic break), or deep enough to be indented code.
_BLOCK_START = re.compile(r"^ *(?:[-+*=_#>|:~`]|\d+[.)])|^ {4,}[^ \n]", re.M)


def _plain(text: str) -> bool:
    """True when no character of `text` can mean Markdown inline syntax.

    Besides the characters above, that excludes tabs, carriage returns, NUL, other control
    and format characters and every blank but space and newline (str.isprintable admits
    none of them except ' '), so space and newline are the only blanks left: markdown-it's
    line splitting, paragraph trim and line-start skipping then act on spaces alone.
    """
    return not _NOT_PLAIN.search(text) and text.replace("\n", " ").isprintable()


def _plain_html(text: str) -> str | None:
    """markdown-it's exact rendering of plain prose, or None when `text` may be more than that.

    For such text every non-blank line belongs to a paragraph (nothing opens a block and no
    line can interrupt one), paragraphs end at blank (space-only) lines and are trimmed, each
    line break inside one is a softbreak "\n", or a hardbreak "<br />\n" after two or more
    spaces, with the spaces around it dropped.
    """
    if not _plain(text) or _BLOCK_START.search(text):
        return None
    out: list[str] = []
    para: list[str] = []
    hard = False
    for line in text.replace('"', "&quot;").split("\n"):
        body = line.strip(" ")
        if not body:
            if para:
                out.append("<p>" + "".join(para) + "</p>\n")
                para = []
            continue
        if para:
            para.append("<br />\n" if hard else "\n")
        para.append(body)
        hard = line.endswith("  ")
    if para:
        out.append("<p>" + "".join(para) + "</p>\n")
    return "".join(out)


def _plain_inline(text: str) -> str | None:
    """markdown-it's exact renderInline of plain prose, or None when `text` may be more.

    Inline rendering has no blocks and no trim: only line breaks change, as in a paragraph
    (the spaces before a break and at the start of the next line are dropped).
    """
    if not _plain(text):
        return None
    lines = text.replace('"', "&quot;").split("\n")
    last = len(lines) - 1
    out: list[str] = []
    for i, line in enumerate(lines):
        if i:
            line = line.lstrip(" ")
        if i < last:
            body = line.rstrip(" ")
            out.append(body + ("<br />\n" if len(line) - len(body) >= 2 else "\n"))
        else:
            out.append(line)
    return "".join(out)


class _Memo:
    """HTML of the fields that needed the parser, kept between runs (signed, like the
    document cache), so a rebuild after an edit elsewhere need not import markdown-it at all:
    the sources' reliability notes, with their emphasis, are on every page."""

    def __init__(self) -> None:
        self.path: Path | None = None
        self.known: dict[str, str] | None = None
        self.new: dict[str, str] = {}
        self.defer = False  # a forked helper: its new entries go to the parent, which saves

    def use(self, path: Path | None) -> None:
        """Keep the memo in `path` (None: remember nothing between runs)."""
        if path != self.path:
            self.path, self.known, self.new = path, None, {}

    @staticmethod
    def _key(kind: str, text: str) -> str:
        return hashlib.sha256(f"{kind}\x00{text}".encode()).hexdigest()

    def _load(self) -> dict[str, str]:
        if self.known is None:
            self.known = {}
            if self.path is not None:
                from .cache import signed_load

                try:
                    data = signed_load(self.path.read_bytes())
                except OSError:
                    data = None
                if isinstance(data, dict) and data.get("salt") == _memo_salt():
                    entries = data.get("html")
                    if isinstance(entries, dict):
                        self.known = {k: v for k, v in entries.items() if isinstance(v, str)}
        return self.known

    def get(self, kind: str, text: str) -> str | None:
        return self._load().get(self._key(kind, text)) if self.path else None

    def put(self, kind: str, text: str, html: str) -> None:
        if self.path is not None:
            self.new[self._key(kind, text)] = html

    def save(self) -> None:
        """Write the memo with this run's new entries (old ones kept while few)."""
        if self.path is None or not self.new or self.defer:
            return
        from .cache import signed_dump
        from .write import atomic_write

        known = self._load()
        html = {**(known if len(known) < MEMO_MAX else {}), **self.new}
        blob = signed_dump({"salt": _memo_salt(), "html": html})
        if blob is not None:
            with contextlib.suppress(OSError):  # a read-only checkout just renders again
                atomic_write(self.path, blob)
        self.known, self.new = html, {}


MEMO_MAX = 20_000  # entries; past this the memo starts again from this run's
MEMO = _Memo()


@lru_cache(maxsize=1)
def _memo_salt() -> str:
    """What the memo's HTML depends on besides the text: this module and markdown-it."""
    from importlib.util import find_spec

    h = hashlib.sha256(Path(__file__).read_bytes())
    spec = find_spec("markdown_it")
    if spec is not None and spec.origin:
        h.update(Path(spec.origin).read_bytes())  # carries markdown-it's __version__
    return h.hexdigest()


@lru_cache(maxsize=4096)
def to_html(text: str, heading_shift: int = 3) -> Markup:
    """Render a Markdown prose field to safe HTML."""
    plain = _plain_html(text)
    if plain is not None:
        return Markup(plain)
    kind = f"block{heading_shift}"
    html = MEMO.get(kind, text)
    if html is None:
        env: dict[str, Any] = {"heading_shift": heading_shift}
        html = parser().render(_tame(text), env)
        MEMO.put(kind, text, html)
    return Markup(html)


def prose_html(text: str, tail: str = "") -> Markup:
    """Prose as HTML with `tail` (citation marks) placed inside its last paragraph."""
    html = str(to_html(text))
    if tail and html.endswith("</p>\n"):
        return Markup(html[:-5] + str(tail) + "</p>\n")
    return Markup(html + str(tail))


@lru_cache(maxsize=4096)
def to_html_inline(text: str) -> Markup:
    """Render a one-paragraph Markdown field without the wrapping <p>."""
    plain = _plain_inline(text)
    if plain is not None:
        return Markup(plain)
    html = MEMO.get("inline", text)
    if html is None:
        html = parser().renderInline(_tame(text))
        MEMO.put("inline", text, html)
    return Markup(html)


_CODE_SPLIT = re.compile(r"(`+[^`]*`+)")


@lru_cache(maxsize=1)
def _reader() -> MarkdownIt:
    """How a permissive downstream renderer reads our Markdown: raw HTML on, every scheme."""
    from markdown_it import MarkdownIt

    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for tok in tokens:
        yield tok
        if tok.children:
            yield from _tokens(tok.children)


# After "](" and the blanks the link rule skips (space, tab, newline), the destination.
_SCHEME_DEST = re.compile(r"[ \t\n]*(?i:https?:|mailto:)")
_DOCUMENT_DEST = re.compile(r"[ \t\n]*(?:(?i:https?:|mailto:)|#|[a-z0-9-]+\.md(?:#|[ \t\n)]))")
# A footnote definition as our templates write it: at a line start, a label of no blank,
# bracket or backslash. The footnote rule (tried before the reference rule) always takes it.
_FOOTNOTE_DEF = re.compile(r"^\[\^[^\s\[\]\\]+\]:", re.M)


def _surely_inert(text: str, dest: re.Pattern[str], footnotes: bool = False) -> bool:
    """A cheap, conservative answer: True only when the full parse would surely find nothing.

    False means "not sure" (the caller parses). Sound because, with linkify off, markdown-it
    (and its footnote plugin) makes a problem token only from literal text of the source:
    raw HTML (block and inline) and autolinks start at a '<'; an image at "![" (an entity
    becomes text and is never parsed again; block structure removes only indentation and
    markers at line starts, and a table cell the '\\' of '\\|', so it joins no "![", "](" or
    "]:" that the text lacks);
    an inline link at "](", then blanks, then its destination, whose leading scheme (or
    local name) no entity or escape can change: those begin with '&' or '\\', which `dest`
    does not match; a reference link only with a definition "[label]:", where "]:" is
    literal. The footnote definitions allowed for whole briefs start a line, where the
    footnote rule runs before the reference rule and takes them whole; a reference label
    ending at their "]:" would have to contain their unescaped '['. Newline and space count
    alike here, so the answer also holds for the text flattened to one line.
    """
    if "<" in text or "![" in text:
        return False
    if "]:" in text and not (footnotes and text.count("]:") == len(_FOOTNOTE_DEF.findall(text))):
        return False
    pos = text.find("](")
    while pos >= 0:
        if not dest.match(text, pos + 2):
            return False
        pos = text.find("](", pos + 2)
    return True


def md_inert(text: str) -> bool:
    """True when a Markdown renderer would find no raw HTML, image or non-http(s)/mailto link."""
    return _surely_inert(text, _SCHEME_DEST) or _parsed_inert(text)


def _parsed_inert(text: str) -> bool:
    """md_inert by a full parse, as written and flattened to one line: the authority."""
    for form in (text, text.replace("\n", " ")):
        for tok in _tokens(_reader().parse(form)):
            if tok.type in ("html_inline", "html_block", "image"):
                return False
            if tok.type == "link_open" and not safe_url(str(tok.attrGet("href") or "")):
                return False
    return True


def md_plain(value: str) -> str:
    """A plain-text value for the Markdown output: tags escaped, and no live link or image."""
    text = value.replace("<", "&lt;")
    return text if md_inert(text) else _defuse(text)


@lru_cache(maxsize=1)
def _document_reader() -> MarkdownIt:
    """The permissive reader plus footnotes, for whole Markdown briefs."""
    from markdown_it import MarkdownIt
    from mdit_py_plugins.footnote import footnote_plugin

    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


_LOCAL_HREF = re.compile(r"(?:#|[a-z0-9-]+\.md(?:#|\Z))")


def md_document_problem(text: str) -> str | None:
    """What in a whole Markdown brief a renderer would turn into HTML, an image or a bad link.

    The last line of defence: templates may put a value next to link syntax of their own.
    """
    if _surely_inert(text, _DOCUMENT_DEST, footnotes=True):  # the usual case, without parsing
        return None
    return _parsed_document_problem(text)


def _parsed_document_problem(text: str) -> str | None:
    """md_document_problem by a full parse: the authority."""
    for tok in _tokens(_document_reader().parse(text)):
        if tok.type in ("html_inline", "html_block"):
            return f"raw HTML {tok.content.strip()[:60]!r}"
        if tok.type == "image":
            return f"an image of {str(tok.attrGet('src'))[:60]!r}"
        if tok.type == "link_open":
            href = str(tok.attrGet("href") or "")
            if not (safe_url(href) or _LOCAL_HREF.match(href)):
                return f"a link to {href[:60]!r}"
    return None


def _defuse(text: str) -> str:
    """Make every link, image and tag impossible: no '[' and no '<' is left to open one."""
    return text.replace("<", "&lt;").replace("[", "&#91;")


@lru_cache(maxsize=4096)
def to_markdown(text: str) -> Markup:
    """Markdown prose for the .md output: the author's text, with raw HTML neutralised."""
    parts = _CODE_SPLIT.split(_tame(text.strip()))
    out = "".join(p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(parts))
    return Markup(out if md_inert(out) else _defuse(out))


def md_text(text: str) -> str:
    """Plain text shown literally in Markdown: it can open no link, image or tag."""
    return text.replace("\\", "\\\\").replace("[", "\\[").replace("]", "\\]").replace("<", "&lt;")


def md_cell(text: str) -> Markup:
    """Text made safe inside a Markdown table cell (one line, pipes escaped, no links)."""
    flat = md_text(" ".join(text.split()))
    return Markup(flat.replace("|", "\\|"))
