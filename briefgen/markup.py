"""The one place where contributor Markdown becomes HTML (and safe Markdown).

Content is untrusted: raw HTML is escaped (not passed through), only http, https and mailto
links survive, images never load (their alt text is shown), and heading ids get a prefix so
content cannot clobber the page's own ids. The Markdown output is checked the same way: it is
parsed again as a permissive renderer (raw HTML on, any link scheme) would read it, and a
field that would yield raw HTML, an image or another link scheme there is made inert.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.rules_core.smartquotes import smartquotes
from markdown_it.rules_core.state_core import StateCore
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape
from mdit_py_plugins.footnote import footnote_plugin

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


# Typographer quotes: English double, then single (apostrophes are right single quotes).
QUOTES = "“”‘’"


@lru_cache(maxsize=1)
def parser() -> MarkdownIt:
    """The shared Markdown parser: CommonMark + tables + strikethrough, raw HTML off; curly
    quotes and apostrophes, en and em dashes from '--' and '---' (markdown-it's typographer)."""
    md = MarkdownIt(
        "commonmark",
        {"html": False, "linkify": False, "typographer": True, "quotes": QUOTES},
    )
    md.enable(["table", "strikethrough", "replacements", "smartquotes"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.renderer = _renderer(md)
    _heading_ids(md)
    return md


@lru_cache(maxsize=16384)
def typographic(text: str) -> str:
    """Plain text (a title, a stance) with the curly quotes and apostrophes prose gets, by
    the same markdown-it rule; dashes are left alone, as a plain value may be an anchor."""
    if "'" not in text and '"' not in text:
        return text
    md = parser()
    child = Token("text", "", 0, content=text)
    inline = Token("inline", "", 0, content=text, children=[child])
    state = StateCore("", md, {})
    state.tokens = [inline]
    smartquotes(state)
    return child.content


# markdown-it scans ahead from every '[' for the end of a link, so a field of thousands of
# brackets costs quadratic time; past this many, brackets are shown as text and never parsed.
MAX_BRACKETS = 1000


def _tame(text: str) -> str:
    """A field with absurdly many '[' becomes one with none that the parser must match."""
    return text.replace("[", "&#91;") if text.count("[") > MAX_BRACKETS else text


@lru_cache(maxsize=4096)
def to_html(text: str, heading_shift: int = 3) -> Markup:
    """Render a Markdown prose field to safe HTML."""
    env: dict[str, Any] = {"heading_shift": heading_shift}
    return Markup(parser().render(_tame(text), env))


def prose_html(text: str, tail: str = "") -> Markup:
    """Prose as HTML with `tail` (citation marks) placed inside its last paragraph."""
    html = str(to_html(text))
    if tail and html.endswith("</p>\n"):
        return Markup(html[:-5] + str(tail) + "</p>\n")
    return Markup(html + str(tail))


@lru_cache(maxsize=4096)
def to_html_inline(text: str) -> Markup:
    """Render a one-paragraph Markdown field without the wrapping <p>."""
    return Markup(parser().renderInline(_tame(text)))


_CODE_SPLIT = re.compile(r"(`+[^`]*`+)")


@lru_cache(maxsize=1)
def _reader() -> MarkdownIt:
    """How a permissive downstream renderer reads our Markdown: raw HTML on, every scheme."""
    md = MarkdownIt("commonmark", {"html": True, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


def _tokens(tokens: list[Token]) -> Iterator[Token]:
    for tok in tokens:
        yield tok
        if tok.children:
            yield from _tokens(tok.children)


@lru_cache(maxsize=16384)
def md_inert(text: str) -> bool:
    """True when a Markdown renderer would find no raw HTML, image or non-http(s)/mailto link."""
    if "<" not in text and "[" not in text:
        # With linkify off, every link and image starts at a '[' (inline, reference, image)
        # and raw HTML and autolinks at a '<': most values (names, dates, plain sentences)
        # have neither and need no parse.
        return True
    # As written and flattened to one line (a template may join lines).
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
    md = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    md.use(footnote_plugin)
    md.validateLink = lambda url: True  # type: ignore[method-assign]
    return md


# The one image a Markdown brief may show: a checked figure of the project (issue 21), by a
# path relative to build/md/ that cannot climb out of briefs/figures/.
FIGURE_SRC = re.compile(r"\.\./\.\./briefs/figures/(?!(?:.*/)?\.\.(?:/|$))[A-Za-z0-9._~%/-]+")
_LOCAL_HREF = re.compile(r"(?:#|[a-z0-9-]+\.md(?:#|\Z))")


def md_document_problem(text: str) -> str | None:
    """What in a whole Markdown brief a renderer would turn into HTML, an image or a bad link.

    The last line of defence: templates may put a value next to link syntax of their own.
    """
    for tok in _tokens(_document_reader().parse(text)):
        if tok.type in ("html_inline", "html_block"):
            return f"raw HTML {tok.content.strip()[:60]!r}"
        if tok.type == "image" and not FIGURE_SRC.fullmatch(str(tok.attrGet("src"))):
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


_SLUG_DROP = re.compile(r"[^\w\- ]")


def gfm_slug(heading: str) -> str:
    """The id GitHub and pandoc (gfm_auto_identifiers) give a heading of this plain text:
    lower case, punctuation dropped but for '-' and '_', each space a '-'. A Markdown brief
    may not carry raw HTML anchors, so its own links must point at these."""
    return _SLUG_DROP.sub("", heading.strip().lower()).replace(" ", "-")


def raw_html(text: str) -> str | None:
    """The first raw HTML tag a Markdown reader finds in a value (shown as literal text in
    our briefs, so an author is warned), or None."""
    if "<" not in text:
        return None
    for tok in _tokens(_reader().parse(text)):
        if tok.type in ("html_inline", "html_block"):
            return tok.content.strip().split("\n")[0]
    return None
