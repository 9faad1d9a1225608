"""'(see the nato brief)' in prose becomes a link that reads as the brief's title."""

from __future__ import annotations

import re
from collections.abc import Callable

from markupsafe import Markup, escape

from ..markup import typographic

_MENTION = re.compile(r"\bthe ([a-z0-9]+(?:-[a-z0-9]+)*) brief\b")
_TAG = re.compile(r"(<[^>]*>)")


def linker(titles: dict[str, str], href: Callable[[str], str]) -> Callable[[Markup], Markup]:
    """A function that links every 'the <issue id> brief' in rendered prose to that issue,
    shown by its title; ids it does not know, and text inside links or code, stay as they are."""

    def link(m: re.Match[str]) -> str:
        ident = m.group(1)
        if ident not in titles:
            return m.group(0)
        title = escape(typographic(titles[ident]))
        return f'<a class="xref" href="{escape(href(ident))}"><cite>{title}</cite></a>'

    def apply(html: Markup) -> Markup:
        if " brief" not in html:
            return html
        out: list[str] = []
        inert = 0  # inside <a> or <code>, where a link may not go
        for part in _TAG.split(str(html)):
            if part.startswith("<"):
                name = part[1:].split(">")[0].split()[0].lower() if len(part) > 2 else ""
                if name in ("a", "code"):
                    inert += 1
                elif name in ("/a", "/code"):
                    inert = max(0, inert - 1)
                out.append(part)
            else:
                out.append(part if inert else _MENTION.sub(link, part))
        return Markup("".join(out))

    return apply
