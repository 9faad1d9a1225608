"""What templates need of issue 21's fields: the pair a row compares, the profile an actor has
on this topic, and figures as embeddable images. Merged into every template context."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from markupsafe import Markup

from ..images import FIGURES_DIR, FigureError, Image, load_image
from ..markup import md_text
from ..model import Actor, Book, Corpus, Issue, PositionRow
from ..topic import NOT_APPLICABLE, Citation, Figure, Profile


class TopicHelpers:
    """Template helpers bound to one corpus (and the project folder, for figure files)."""

    def __init__(self, corpus: Corpus, root: Path | None) -> None:
        self._actors = corpus.actors
        self._root = root

    def _short(self, actor_id: str) -> str:
        a = self._actors.get(actor_id)
        return a.short_name if a else actor_id

    def pair_of(self, issue: Issue, row: PositionRow) -> str:
        """The pair a row's gap is measured between, by short name: 'US–Canada' ("" for a
        row that measures no gap and names no pair)."""
        if row.gap == NOT_APPLICABLE and not row.between:
            return ""
        a, b = issue.pair(row)
        return f"{self._short(a)}–{self._short(b)}"

    def own_pairs(self, issue: Issue) -> bool:
        """True when some row measures its gap between a pair other than the principals."""
        return any(r.between and set(r.between) != set(issue.principals) for r in issue.positions)

    def any_own_pairs(self, issues: list[Issue]) -> bool:
        """True when some issue of a book has a row with its own pair."""
        return any(self.own_pairs(i) for i in issues)

    def gap_phrase(self, issue: Issue) -> str:
        """Who the gaps of an issue are between, for captions."""
        a, b = (self._short(x) for x in issue.principals)
        if self.own_pairs(issue):
            return f"between {a} and {b}, or between the pair a row names"
        return f"between {a} and {b}"

    def profile(self, brief: Issue | Book, actor: Actor) -> Profile:
        """What the brief prints about an actor: its own profile for this topic, else the
        registry's general agenda, red lines and sources."""
        for p in brief.topic.profiles:
            if p.actor == actor.id:
                return p
        return Profile(actor.id, actor.agenda, actor.red_lines, (), actor.sources)

    def figure(self, fig: Figure) -> Image | None:
        """The figure's checked image (None if it went missing since validation)."""
        if self._root is None:
            return None
        try:
            return load_image(self._root, fig.file)
        except FigureError:
            return None

    @staticmethod
    def figure_md(fig: Figure) -> Markup:
        """A Markdown image of the figure's file, relative to build/md/ in the project."""
        alt = md_text(" ".join(fig.alt.split()))
        return Markup(f"![{alt}](../../{FIGURES_DIR}/{quote(fig.file)})")

    def context(self) -> dict[str, Any]:
        """The helpers by the names templates call them."""
        return {
            "pair_of": self.pair_of,
            "own_pairs": self.own_pairs,
            "any_own_pairs": self.any_own_pairs,
            "gap_phrase": self.gap_phrase,
            "profile": self.profile,
            "figure_image": self.figure,
            "figure_md": self.figure_md,
            "one_cite": lambda c: (c,) if isinstance(c, Citation) else c,
        }
