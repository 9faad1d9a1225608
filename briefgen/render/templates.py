"""Jinja environments: one per output family, templates only from trusted template folders.

HTML, SVG and XML are autoescaped whatever the template's suffix; Markdown output escapes raw
HTML through `finalize`. Undefined variables are errors, never silently empty.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from collections.abc import Callable
from contextvars import ContextVar
from functools import lru_cache
from pathlib import Path
from typing import Any

import jinja2
from markupsafe import Markup, escape

from .. import markup
from ..analytic import SCALES
from ..cache import user_cache_dir
from ..model import (
    CONFIDENCE_WORDS,
    GAP_LABELS,
    LIKELIHOOD_LABELS,
    SCENARIO_KINDS,
)
from ..project import BUILTIN_TEMPLATES as BUILTIN
from ..project import MissingTemplate, template_dirs


class UnsafeOutput(ValueError):
    """A rendered Markdown brief would contain raw HTML, an image or a non-http(s) link."""


def _md_finalize(value: Any) -> Any:
    """Escape raw HTML in every value a Markdown template prints (Markup passes through)."""
    if isinstance(value, Markup) or value is None:
        return value
    return Markup(markup.md_plain(str(value)))


def _html_finalize(value: Any) -> Any:
    """Curly quotes and apostrophes in every plain value an HTML template prints (a title, a
    stance, a label); Markup (rendered prose, which the parser set already) passes through."""
    if isinstance(value, str) and not isinstance(value, Markup) and not _LINKISH.match(value):
        return markup.typographic(value)
    return value


# Addresses stay as written: an apostrophe in a URL or an anchor is part of the address.
_LINKISH = re.compile(r"(?:https?|mailto|data|file):|[#/?]|\.\.?/")


# How the page being rendered links "the <id> brief" in prose (render_html sets it). Not a
# context filter: compiled templates are cached by source alone, so a filter's calling
# convention must never change.
PROSE_LINKER: ContextVar[Callable[[Markup], Markup] | None] = ContextVar(
    "prose_linker", default=None
)


def _prose_html(text: str, tail: str = "") -> Markup:
    """Prose as HTML, its mentions of other briefs linked when the page asks for it."""
    html = markup.prose_html(text, tail)
    link = PROSE_LINKER.get()
    return link(html) if link is not None else html


def tojson(value: Any, *, ascii: bool = False) -> Markup:
    """JSON safe to place inside <script>: no '</script>' or HTML-significant characters."""
    text = json.dumps(value, ensure_ascii=ascii, sort_keys=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


def _safe_href(url: str) -> str:
    """Only http(s) and mailto URLs reach an href from content; anything else becomes '#'."""
    return url if markup.safe_url(url) else "#"


def _common(env: jinja2.Environment) -> None:
    env.globals.update(
        CONFIDENCE_WORDS=CONFIDENCE_WORDS,
        GAP_LABELS=GAP_LABELS,
        LIKELIHOOD_LABELS=LIKELIHOOD_LABELS,
        SCENARIO_KINDS=SCENARIO_KINDS,
        SCALES=SCALES,  # tradecraft: likelihood ranges, grades, credibility, claim status
    )
    env.filters["safe_href"] = _safe_href
    env.filters["tojson"] = tojson
    env.filters["md_cell"] = markup.md_cell
    env.filters["fmt"] = lambda v, spec: format(v, spec)


@lru_cache(maxsize=8)
def environment(kind: str, dirs: tuple[Path, ...]) -> jinja2.Environment:
    """The Jinja environment for `kind` ('html' covers HTML, SVG and XML; 'md' is Markdown)."""
    # The project's templates/ first (any file there overrides the default of the same path),
    # then the default theme; "default/..." always names the default (to extend it).
    loader = jinja2.ChoiceLoader(
        [
            *(jinja2.FileSystemLoader(str(d)) for d in dirs),
            jinja2.PrefixLoader({"default": jinja2.FileSystemLoader(str(BUILTIN))}),
        ]
    )
    if kind == "md":
        env = jinja2.Environment(
            loader=loader,
            autoescape=False,
            finalize=_md_finalize,
            undefined=jinja2.StrictUndefined,
            keep_trailing_newline=True,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["prose"] = markup.to_markdown
    else:
        env = jinja2.Environment(
            loader=loader,
            autoescape=True,
            finalize=_html_finalize,
            undefined=jinja2.StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.filters["prose"] = _prose_html
        env.filters["prose_inline"] = markup.to_html_inline
    env.filters["e"] = escape
    _common(env)
    return env


def render(kind: str, name: str, root: Path | None, **context: Any) -> str:
    """Render one template by name with the given context."""
    dirs = tuple(template_dirs(root))
    env = environment(kind, dirs)
    try:
        text = env.get_template(name).render(**context)
    except jinja2.TemplateNotFound as exc:  # TemplatesNotFound too: the first name looked for
        missing = exc.templates[0] if exc.templates else (exc.name or name)
        raise MissingTemplate(str(missing), tuple(str(d) for d in dirs)) from None
    if kind == "md":  # the last check: a value beside a template's own link syntax
        problem = markup.md_document_problem(text)
        if problem:
            doc = context.get("doc")
            where = getattr(doc, "source_rel", "") or name
            raise UnsafeOutput(
                f"{where}: the Markdown brief would contain {problem}; "
                "content may link only to http, https and mailto addresses"
            )
    return text


def use_bytecode_cache(root: Path | None) -> None:
    """Keep compiled templates in this user's cache folder, keyed by each template's source
    hash; never in the project (a cache committed in a pull request would be code)."""
    # Compiled code depends on the environment too (a filter that takes the context is
    # called differently): one folder per version of the module that builds environments.
    env_code = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]
    folder = user_cache_dir() / "templates" / env_code
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        st = folder.stat()
    except OSError:
        return
    if st.st_uid != os.getuid() or st.st_mode & 0o022:
        return  # someone else could plant code there
    bcc = jinja2.FileSystemBytecodeCache(str(folder))
    for kind in ("html", "md"):
        env = environment(kind, tuple(template_dirs(root)))
        if env.bytecode_cache is None:
            env.bytecode_cache = bcc
