"""Who a site is for, acted on: a public site publishes only briefs whose marking allows it;
an internal one asks search engines to stay away and shows its marking on every page.

Worked out from the validation record (every brief's own marking), so an edit to one issue
does not load the others."""

from __future__ import annotations

from pathlib import Path

from ..diagnostics import Diagnostic
from ..engine.plan import Target, stem
from ..engine.state import Validated
from ..load import load_file
from ..model import Config
from ..project import CONFIG_NAME, read_source


def marking(cfg: Config, record: Validated, target: Target) -> str:
    """A brief's marking: its own or the default; a book's, the most restricted of that and
    its issues' (as model.Corpus.marking, without loading the briefs)."""
    issues = (
        [record.markings.get(stem(d)) for d in target.deps[1:]] if target.kind == "book" else []
    )
    return cfg.brief_marking(record.markings.get(target.id), issues)


def site_targets(cfg: Config, record: Validated) -> list[Target]:
    """The briefs the site shows: all but those `site.exclude` names."""
    return [t for t in record.targets if t.id not in cfg.exclude]


def site_marking(cfg: Config, record: Validated) -> str:
    """The marking an internal site shows on every page: the most restricted of its briefs'."""
    found = [marking(cfg, record, t) for t in site_targets(cfg, record)]
    return max(found or [cfg.distribution], key=cfg.rank)


def publishing_problems(root: Path, cfg: Config, record: Validated) -> list[Diagnostic]:
    """A book the site shows that includes an issue it leaves out; on a public site, every
    brief it would publish whose marking forbids it, located at the marking (or at the id,
    when the marking is the project's default or comes from the book's issues)."""
    problems: list[Diagnostic] = []
    out = set(cfg.exclude)
    for t in site_targets(cfg, record):
        for issue in (stem(d) for d in t.deps[1:] if t.kind == "book"):
            if issue in out:
                message = (
                    f"includes issue {issue!r}, which site.exclude leaves out of the site; "
                    "exclude the book too"
                )
                problems.append(_at(root, t.own, "id", message))
    if cfg.audience != "public":
        return problems
    for t in site_targets(cfg, record):
        found = marking(cfg, record, t)
        if cfg.publishable(found):
            continue
        own = record.markings.get(t.id) or ""
        if own == found:
            where, source = "distribution", "its own marking"
        elif found == cfg.distribution and not own:
            where, source = "id", f"the default marking in {CONFIG_NAME}"
        else:
            where, source = "id", "the marking of one of its issues"
        message = (
            f"marked {found} ({source}); a public site may not include it "
            "(exclude it with site.exclude or change its marking)"
        )
        problems.append(_at(root, t.own, where, message))
    return problems


def _at(root: Path, rel: str, key: str, message: str) -> Diagnostic:
    """A problem at a top-level key of a brief file (its line when the file loads)."""
    data, _ = read_source(root, root / rel)
    doc, _ = load_file(data, rel) if data is not None else (None, None)
    return (
        doc.diag((key,), message, key=True) if doc is not None else Diagnostic(rel, 1, 1, message)
    )
