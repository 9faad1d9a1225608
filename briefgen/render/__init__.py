"""Render stage: a validated Corpus to Markdown, HTML and PDF through the templates."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..model import Corpus, Revision
from ..project import BUILTIN_TEMPLATES as BUILTIN
from ..project import template_dirs
from ..theme import Theme, extra_css_text, logo_data_uri, variables_css
from .figures import gap_matrix
from .templates import render
from .view import BriefView, book_view, context, issue_view


@dataclass(frozen=True, order=True)
class Target:
    """One brief to produce: an issue or a book, by id."""

    kind: str  # "issue" | "book"
    id: str


def targets(corpus: Corpus) -> list[Target]:
    """Every brief of the corpus, issues first, each group sorted by id."""
    return [Target("issue", i) for i in corpus.issues] + [Target("book", b) for b in corpus.books]


def view_for(
    corpus: Corpus, target: Target, revisions: list[Revision], page_size: str | None = None
) -> BriefView:
    """The view model of one target."""
    if target.kind == "issue":
        return issue_view(corpus, corpus.issues[target.id], revisions, page_size)
    return book_view(corpus, corpus.books[target.id], revisions, page_size)


@lru_cache(maxsize=4)
def asset_text(root: Path | None, name: str) -> str:
    """A trusted asset file (CSS) from the template folders, project override first."""
    for d in template_dirs(root):
        p = d / "assets" / name
        if p.is_file():
            return p.read_text("utf-8")
    return (BUILTIN / "assets" / name).read_text("utf-8")


def theme_css(root: Path | None, theme: Theme) -> str:
    """The project's CSS variables, and the rules for its organisation and logo when it has
    them: '' for a project without a theme, whose briefs are then those of the default."""
    brand = asset_text(root, "brand.css") if theme.has_brand else ""
    return variables_css(theme) + brand


@dataclass(frozen=True)
class Brand:
    """What a cover (and the site's header) shows of the organisation."""

    organisation: str | None
    logo: str | None  # an image URL: the logo inline as data: for a standalone brief


def _related_href(corpus: Corpus, target: Target, ext: str) -> Any:
    in_book = set(corpus.books[target.id].issues) if target.kind == "book" else set()

    def href(issue_id: str) -> str:
        return f"#{issue_id}" if issue_id in in_book else f"{issue_id}{ext}"

    return href


def render_html(
    corpus: Corpus,
    target: Target,
    *,
    root: Path | None,
    revisions: list[Revision] | None = None,
    page_size: str | None = None,
    css_href: str | None = None,
    logo_href: str | None = None,
    template: str = "html/brief.html.j2",
    **extra: Any,
) -> str:
    """Standalone HTML of one brief (CSS and logo inlined), or a site page when css_href is
    given (the site links its stylesheets and the logo by `logo_href`)."""
    view = view_for(corpus, target, revisions or [], page_size)
    theme = corpus.config.theme
    css = asset_text(root, "brief.css") + theme_css(root, theme)
    if root is not None and theme.extra_css:
        css += extra_css_text(root, theme) + "\n"
    logo = logo_href if css_href is not None or root is None else logo_data_uri(root, theme)
    ctx = context(
        corpus,
        view,
        css=Markup(css),
        css_href=css_href,
        brand=Brand(theme.organisation, logo if theme.logo else None),
        issue_matrix=lambda issue: gap_matrix([issue]),
        related_href=_related_href(corpus, target, ".html"),
        **extra,
    )
    return render("html", template, root, **ctx)


def render_markdown(
    corpus: Corpus, target: Target, *, root: Path | None, revisions: list[Revision] | None = None
) -> str:
    """GitHub-flavoured Markdown of one brief."""
    view = view_for(corpus, target, revisions or [])
    ctx = context(corpus, view, related_href=_related_href(corpus, target, ".md"))
    return render("md", "md/brief.md.j2", root, **ctx)
