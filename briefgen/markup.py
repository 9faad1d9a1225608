"""The one place where contributor Markdown becomes HTML (and safe Markdown).

Content is untrusted: raw HTML is escaped (not passed through), only http, https and mailto
links survive, images never load (their alt text is shown), and heading ids get a prefix so
content cannot clobber the page's own ids.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Any

from markdown_it import MarkdownIt
from markdown_it.renderer import RendererHTML
from markdown_it.token import Token
from markdown_it.utils import EnvType, OptionsDict
from markupsafe import Markup, escape

SAFE_SCHEMES = ("http:", "https:", "mailto:")
ID_PREFIX = "c-"


def safe_url(url: str) -> bool:
    """True for the only link targets content may use: http, https, mailto."""
    u = url.strip().lower()
    return u.startswith(SAFE_SCHEMES)


def _validate_link(url: str) -> bool:
    return safe_url(url)


class _Renderer(RendererHTML):
    """HTML renderer: images become their alt text; links open safely."""

    def image(self, tokens: Sequence[Token], idx: int, options: OptionsDict, env: EnvType) -> str:
        token = tokens[idx]
        alt = self.renderInlineAsText(token.children or [], options, env)
        return f'<span class="image-alt">[{escape(alt)}]</span>'


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
    md = MarkdownIt("commonmark", {"html": False, "linkify": False, "typographer": False})
    md.enable(["table", "strikethrough"])
    md.validateLink = _validate_link  # type: ignore[method-assign]
    md.renderer = _Renderer(md)
    _heading_ids(md)
    return md


@lru_cache(maxsize=4096)
def to_html(text: str, heading_shift: int = 3) -> Markup:
    """Render a Markdown prose field to safe HTML."""
    env: dict[str, Any] = {"heading_shift": heading_shift}
    return Markup(parser().render(text, env))


def prose_html(text: str, tail: str = "") -> Markup:
    """Prose as HTML with `tail` (citation marks) placed inside its last paragraph."""
    html = str(to_html(text))
    if tail and html.endswith("</p>\n"):
        return Markup(html[:-5] + str(tail) + "</p>\n")
    return Markup(html + str(tail))


@lru_cache(maxsize=4096)
def to_html_inline(text: str) -> Markup:
    """Render a one-paragraph Markdown field without the wrapping <p>."""
    return Markup(parser().renderInline(text))


_CODE_SPLIT = re.compile(r"(`+[^`]*`+)")


def to_markdown(text: str) -> Markup:
    """Markdown prose for the .md output: the author's text, with raw HTML neutralised."""
    parts = _CODE_SPLIT.split(text.strip())
    out = [p if i % 2 else p.replace("<", "&lt;") for i, p in enumerate(parts)]
    return Markup("".join(out))


def md_cell(text: str) -> Markup:
    """Plain text made safe inside a Markdown table cell (one line, pipes escaped)."""
    flat = " ".join(text.split())
    return Markup(flat.replace("\\", "\\\\").replace("|", "\\|").replace("<", "&lt;"))
