"""The build graph: which briefs there are, which files each reads, and which outputs are stale.

A target is an issue or a book. Its key holds the files it reads (a book prints its issues
whole), the titles of the issues it links to (RelatedIssue), its git history, the templates
of the format, the code and the options. The renderer is handed exactly these inputs
(`scoped`), so a template that reaches for more fails loudly instead of going stale silently.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING, Any

from .. import __version__
from ..project import BRIEFS_DIR, CONFIG_NAME
from .keys import KeyMaker

if TYPE_CHECKING:  # the model is imported by validation, which a no-op never runs
    from ..model import Corpus, Issue, Revision

FORMATS = {"md": ".md", "html": ".html", "pdf": ".pdf", "docx": ".docx"}
SHARED = [CONFIG_NAME, f"{BRIEFS_DIR}/actors.yaml", f"{BRIEFS_DIR}/sources.yaml"]
# Template folders each output format reads. A site template edit must not re-render a PDF.
FORMAT_TEMPLATES = {
    "md": ("md", "shared"),
    "html": ("html", "shared", "assets"),
    "pdf": ("html", "shared", "assets"),
    "docx": ("docx", "html", "shared"),  # html/: the figures' SVG templates
}
FIGURES_PREFIX = f"{BRIEFS_DIR}/figures/"
SLOW_FORMATS = frozenset({"pdf", "docx"})  # seconds a brief: last build's time is recorded
SAFE_ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*\Z")


@dataclass(frozen=True)
class Target:
    """One brief and the input files it reads, its own file first."""

    kind: str  # "issue" | "book"
    id: str
    deps: tuple[str, ...]
    figures: tuple[str, ...] = ()  # the files under briefs/figures/ it shows

    @property
    def own(self) -> str:
        """The brief's own file (project-relative)."""
        return self.deps[0]


@dataclass(frozen=True)
class Job:
    """One output file to produce: a target in one format, with its key."""

    kind: str
    id: str
    fmt: str
    key: str

    @property
    def rel(self) -> str:
        """Path inside the format folder."""
        return f"{self.id}{FORMATS[self.fmt]}"


@dataclass(frozen=True)
class RelatedIssue:
    """All an issue's page may read of an issue in its `related` list: the title it prints."""

    id: str
    title: str


PROJECTION = tuple(f.name for f in fields(RelatedIssue) if f.name != "id")
Views = dict[str, dict[str, Any]]  # issue id -> its PROJECTION fields


def stem(rel: str) -> str:
    """The id of a brief file: briefs/issues/nato.yaml -> nato."""
    return rel.rsplit("/", 1)[-1].removesuffix(".yaml")


def target_deps(kind: str, ident: str, links: Iterable[str]) -> tuple[str, ...]:
    """The files one brief reads besides config and registries, its own first: an issue's
    related issues (only their RelatedIssue fields), a book's issues (whole)."""
    own = f"{BRIEFS_DIR}/{'issues' if kind == 'issue' else 'books'}/{ident}.yaml"
    return (own, *(f"{BRIEFS_DIR}/issues/{i}.yaml" for i in links))


def issue_target(ident: str, issue: Issue) -> Target:
    """An issue's target: its file, its related issues' files and the figures it shows."""
    figures = sorted(
        {PurePosixPath(FIGURES_PREFIX + f.file).as_posix() for f in issue.topic.figures}
    )
    return Target("issue", ident, target_deps("issue", ident, issue.related), tuple(figures))


def book_target(ident: str, issues: Iterable[str], shown: dict[str, Target]) -> Target:
    """A book's target: its file, its issues' files, and the figures its chapters show."""
    issues = list(issues)
    figures = sorted({f for i in issues if i in shown for f in shown[i].figures})
    return Target("book", ident, target_deps("book", ident, issues), tuple(figures))


def targets_of(corpus: Corpus) -> list[Target]:
    """Every issue and book of a corpus with the files it reads."""
    out = [issue_target(i, x) for i, x in corpus.issues.items()]
    shown = {t.id: t for t in out}
    out += [book_target(b, x.issues, shown) for b, x in corpus.books.items()]
    return out


def views_of(corpus: Corpus) -> Views:
    """The PROJECTION fields of every issue of `corpus`, as an issue page may see them."""
    return {i: {f: getattr(x, f) for f in PROJECTION} for i, x in corpus.issues.items()}


def markings_of(corpus: Corpus) -> dict[str, str]:
    """Every brief's own marking ("" where it takes the project's default)."""
    out = {i: x.distribution or "" for i, x in corpus.issues.items()}
    out.update({b: x.distribution or "" for b, x in corpus.books.items()})
    return out


def links_of(targets: Iterable[Target]) -> dict[str, tuple[str, ...]]:
    """Each issue's related issues, from its target's files."""
    return {t.id: tuple(stem(r) for r in t.deps[1:]) for t in targets if t.kind == "issue"}


def due_of(corpus: Corpus) -> dict[str, str]:
    """When each issue's next review is due: its last review plus `stale_after_days`."""
    days = dt.timedelta(days=corpus.config.stale_after_days)
    return {i: (x.last_reviewed + days).isoformat() for i, x in corpus.issues.items()}


def reviewed_at_of(corpus: Corpus) -> dict[str, tuple[int, int]]:
    """Where each issue's `last_reviewed` is written: an overdue warning points there."""
    return {i: x.reviewed_at for i, x in corpus.issues.items()}


def overdue(due: dict[str, str], today: dt.date) -> dict[str, str]:
    """The issues whose review is overdue on `today`, with the date it fell due."""
    return {i: d for i, d in sorted(due.items()) if d < today.isoformat()}


def overdue_of(target: Target, overdue: dict[str, str]) -> list[str | None]:
    """When the reviews of a brief's issues fell due, if overdue: page 1 says so (a book: in
    its chapters' lines), so it is part of the key of a brief's HTML, PDF and site page."""
    issues = [target.id] if target.kind == "issue" else [stem(r) for r in target.deps[1:]]
    return [overdue.get(i) for i in issues]


def target_inputs(
    target: Target,
    digests: dict[str, str],
    revisions: dict[str, list[Revision]],
    views: Views,
    links: dict[str, tuple[str, ...]] | None = None,
) -> dict[str, Any]:
    """What one brief's bytes depend on among the project's files (part of each of its keys)."""
    files = [target.own] if target.kind == "issue" else list(target.deps)
    files += target.figures
    if any(f not in digests for f in target.figures):  # not a plain file there (a link?):
        files += [r for r in digests if r.startswith(FIGURES_PREFIX)]  # any figure may be it
    parts: dict[str, Any] = {
        "inputs": {r: digests.get(r, "missing") for r in sorted({*SHARED, *files})},
        "history": [
            [str(r.date), str(r.short_hash), str(r.subject)] for r in revisions.get(target.own, [])
        ],
    }
    if target.kind == "issue":
        parts["related"] = [[stem(r), views.get(stem(r))] for r in target.deps[1:]]
    else:  # the issues outside the book that its issues link to, printed by title
        inside = [stem(r) for r in target.deps[1:]]
        outside = {r for i in inside for r in (links or {}).get(i, ())} - set(inside)
        parts["related"] = [[r, views.get(r)] for r in sorted(outside)]
    return parts


@dataclass(frozen=True)
class Inputs:
    """Everything a brief's key is made of besides the target: one snapshot of the project."""

    digests: dict[str, str]
    revisions: dict[str, list[Revision]]
    views: Views
    templates: dict[str, str]  # format -> templates_digest of its folders
    code: str
    page_size: str
    overdue: dict[str, str] = field(default_factory=dict)  # issue id -> review due date
    tools: dict[str, str] = field(default_factory=dict)  # format -> its outside program's version
    theme: tuple[str, ...] = ()  # the theme's files (logo, stylesheets)


def plan(targets: Iterable[Target], formats: Iterable[str], inputs: Inputs) -> list[Job]:
    """A job per target and format, keyed by everything its bytes depend on."""
    formats = list(formats)
    # The theme's logo and stylesheets (the inputs that are not YAML) shape HTML and PDF.
    theme = {r: inputs.digests.get(r, "missing") for r in inputs.theme}
    makers = {
        fmt: KeyMaker(
            {"v": __version__, "code": inputs.code, "fmt": fmt, "templates": inputs.templates[fmt]}
            | ({} if fmt == "md" else {"page": inputs.page_size})
            | ({"tool": inputs.tools[fmt]} if fmt in inputs.tools else {})
            | ({"theme": theme} if theme and fmt != "md" else {})
        )
        for fmt in formats
    }
    jobs: list[Job] = []
    targets = list(targets)
    links = links_of(targets)
    for t in targets:
        own = target_inputs(t, inputs.digests, inputs.revisions, inputs.views, links)
        own["overdue"] = overdue_of(t, inputs.overdue)
        jobs.extend(Job(t.kind, t.id, fmt, makers[fmt].key(own)) for fmt in formats)
    return jobs


def stale(
    jobs: list[Job], recorded: dict[str, dict[str, str]], present: dict[str, frozenset[str]]
) -> dict[tuple[str, str], tuple[str, ...]]:
    """The formats each target must render in: those whose key changed or whose file is gone."""
    todo: dict[tuple[str, str], tuple[str, ...]] = {}
    for job in jobs:
        if recorded[job.fmt].get(job.rel) != job.key or job.rel not in present[job.fmt]:
            todo[(job.kind, job.id)] = (*todo.get((job.kind, job.id), ()), job.fmt)
    return todo


def orphans(jobs: list[Job], recorded: dict[str, dict[str, str]]) -> dict[str, list[str]]:
    """Outputs recorded last time whose brief is gone, per format."""
    wanted = {(j.fmt, j.rel) for j in jobs}
    return {
        fmt: sorted(n for n in keys if (fmt, n) not in wanted) for fmt, keys in recorded.items()
    }


def scoped(corpus: Corpus, target: Target, views: Views) -> Corpus:
    """The corpus as one target may see it: the registries, itself and its declared inputs.

    An issue sees its related issues only as RelatedIssue (the fields its key holds), so they
    need not even be loaded; so does a book for the issues outside it that its issues link
    to. A template reaching for more fails instead of going stale.
    """
    if target.kind == "issue":
        related = set(corpus.issues[target.id].related)
        issues: dict[str, Any] = {
            i: corpus.issues[i] if i == target.id else RelatedIssue(i, **views[i])
            for i in sorted({target.id} | related)
        }
        return replace(corpus, issues=issues, books={})
    wanted = set(corpus.books[target.id].issues)
    kept: dict[str, Any] = {i: x for i, x in corpus.issues.items() if i in wanted}
    outside = {r for i in kept.values() for r in i.related if r not in wanted and r in views}
    kept.update({i: RelatedIssue(i, **views[i]) for i in sorted(outside)})
    return replace(corpus, issues=kept, books={target.id: corpus.books[target.id]})


def needed(items: Iterable[tuple[str, str]], targets: list[Target]) -> tuple[set[str], set[str]]:
    """The issues and books the renderer needs for (kind, id) `items`: each one and, for a
    book, its issues. An issue's related issues are not needed: it sees their views."""
    by_key = {(t.kind, t.id): t for t in targets}
    issues: set[str] = set()
    books: set[str] = set()
    for kind, ident in items:
        (books if kind == "book" else issues).add(ident)
        if kind == "book":
            issues.update(stem(r) for r in by_key[(kind, ident)].deps[1:])
    return issues, books


def estimate(
    kind: str, ident: str, fmts: tuple[str, ...], costs: dict[str, Any], corpus: Corpus
) -> float:
    """Seconds a target will take, so the longest start first: last build's time, else size."""
    last = costs.get(f"{kind}/{ident}")
    if isinstance(last, int | float) and SLOW_FORMATS & set(fmts):
        return float(last)
    brief: Any = corpus.books[ident] if kind == "book" else corpus.issues[ident]
    parts = [brief, *(corpus.issues[i] for i in getattr(brief, "issues", ()))]
    size = sum(len(repr(p)) for p in parts)  # characters of content: a fair proxy for pages
    # seconds per character, measured: a PDF lays out pages, a DOCX runs pandoc and cairo
    return size * (7.5e-5 if "pdf" in fmts else 2.5e-5 if "docx" in fmts else 2e-7)
