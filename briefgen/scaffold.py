"""`briefgen new`: start an issue or book from a commented template that validates at once.

An analyst should never begin from a blank file or a copy of someone else's brief. The
scaffold is a Jinja template (templates/scaffold/, a project may override it) that only ever
receives slugs and dates, so the YAML it produces cannot be broken or injected into; the
result is parsed and schema-checked before it is written, and nothing is ever overwritten.
Its modeline points at the project's schemas/ folder, which is filled in when it lacks one.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2

from .diagnostics import Diagnostic
from .init import InitError, ensure_schemas
from .load import LoadError, load_bytes, load_file
from .project import BRIEFS_DIR, SourceFile, discover, inside, template_dirs
from .rules import RESERVED_IDS
from .schema import check, schema
from .validate import read_input

KINDS = {"issue": "issues", "book": "books"}
# What may reach the YAML through the template: slugs, dates, ", " joins and the title.
_INERT = re.compile(r"[A-Za-z0-9 ,-]*\Z")


class ScaffoldError(Exception):
    """The file cannot be created (bad or taken id, unusable registries): a usage error."""


@dataclass(frozen=True)
class Scaffolded:
    """The file `briefgen new` wrote, and the schemas it added for the file's modeline."""

    path: Path
    schemas: list[str]


def _slug_re() -> re.Pattern[str]:
    """The id pattern of the shipped schema, so the scaffold and `validate` never disagree."""
    slug: dict[str, Any] = schema("issue")["$defs"]["slug"]
    return re.compile(str(slug["pattern"]))


def check_id(ident: str) -> None:
    """Refuse ids that `validate` would reject or that would clobber the site's own pages."""
    max_len = int(schema("issue")["$defs"]["slug"]["maxLength"])
    if not _slug_re().fullmatch(ident) or len(ident) > max_len:
        raise ScaffoldError(
            f"'{ident}' is not a valid id: use lower-case ASCII letters, digits and single "
            f"hyphens, at most {max_len} characters (for example 'arms-control')"
        )
    if ident in RESERVED_IDS:
        raise ScaffoldError(f"id '{ident}' is reserved for the site's own pages; choose another")


def _registry(root: Path, sf: SourceFile) -> list[str]:
    """The ids of one registry, in file order; a broken registry stops the scaffold."""
    raw, problem = read_input(root, sf)
    doc = None
    if problem is None:
        assert raw is not None
        doc, problem = load_file(raw, sf.rel)
    if problem is None:
        assert doc is not None
        problems = check(doc, sf.kind)
        problem = problems[0] if problems else None
    if problem is not None:
        raise ScaffoldError(f"{problem.format()}\nfix it first (`briefgen validate` lists all)")
    assert doc is not None
    return [str(item["id"]) for item in doc.data[sf.kind]]


def _taken(files: list[SourceFile]) -> dict[str, str]:
    """Ids already used by an issue or book file (case-folded; they share one output folder)."""
    return {
        sf.path.stem.casefold(): sf.rel
        for sf in files
        if sf.kind in ("issue", "book") and sf.path.suffix in (".yaml", ".yml")
    }


def _inert(value: Any) -> str:
    """Template finalize: refuse any value that could change the YAML's structure."""
    text = ", ".join(value) if isinstance(value, list | tuple) else str(value)
    if not _INERT.match(text):
        raise ScaffoldError(f"refusing to write {text!r} into a scaffold")
    return text


def render(root: Path, kind: str, context: dict[str, Any]) -> str:
    """The scaffold template of a kind, rendered; the project's templates may override it."""
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(d) for d in template_dirs(root)]),
        autoescape=False,  # the output is YAML; only _INERT values reach it
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
        finalize=_inert,
    )
    try:
        return env.get_template(f"scaffold/{kind}.yaml.j2").render(context)
    except jinja2.TemplateError as exc:
        raise ScaffoldError(f"scaffold template for {kind}: {exc}") from None


# A list the author must fill in: the scaffold leaves it empty on purpose, never guessing.
_BLANK = re.compile(r"\s*(?:-\s+)?(?:sources|summary_sources|issues): \[\](?:\s+#.*)?")


def _blank(text: str, problem: Diagnostic) -> bool:
    """True for a schema problem at one of the lists the scaffold leaves empty on purpose."""
    lines = text.splitlines()
    return 0 < problem.line <= len(lines) and bool(_BLANK.fullmatch(lines[problem.line - 1]))


def scaffold(root: Path, kind: str, ident: str, today: dt.date | None = None) -> Scaffolded:
    """Write briefs/<kind>s/<ident>.yaml from the scaffold template, and the schemas its
    modeline points at when the project lacks them."""
    if kind not in KINDS:
        raise ScaffoldError(f"unknown kind '{kind}'; choose one of: {', '.join(KINDS)}")
    check_id(ident)
    root = root.resolve()
    files = discover(root)
    taken = _taken(files).get(ident.casefold())
    if taken:
        raise ScaffoldError(f"{taken} already exists; the id '{ident}' is taken")
    by_kind = {sf.kind: sf for sf in files}
    actors = _registry(root, by_kind["actors"])
    sources = _registry(root, by_kind["sources"])
    if len(actors) < 2:
        raise ScaffoldError(f"{by_kind['actors'].rel} needs at least two actors to compare")
    if not sources:
        raise ScaffoldError(f"{by_kind['sources'].rel} needs at least one source to cite")
    issues = sorted(
        sf.path.stem for sf in files if sf.kind == "issue" and sf.path.suffix == ".yaml"
    )
    if kind == "book" and not issues:
        raise ScaffoldError("a book collects issues; create one first with `briefgen new issue ID`")
    context = {
        "id": ident,
        "title": ident.replace("-", " ").capitalize(),
        "today": (today or dt.date.today()).isoformat(),
        "actors": actors,
        "principals": actors[:2],
        "sources": sources,
        "issues": issues,
    }
    text = render(root, kind, context)
    rel = f"{BRIEFS_DIR}/{KINDS[kind]}/{ident}.yaml"
    try:
        problems = [
            p for p in check(load_bytes(text.encode("utf-8"), rel), kind) if not _blank(text, p)
        ]
    except LoadError as exc:
        raise ScaffoldError(f"the scaffold template made invalid YAML: {exc.message}") from None
    if problems:
        raise ScaffoldError(f"the scaffold template made an invalid {kind}: {problems[0].format()}")
    path = root / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    if not inside(root, path.parent):
        raise ScaffoldError(f"{path.parent} is a link out of the project; refusing to write there")
    try:
        with open(path, "x", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
    except FileExistsError:
        raise ScaffoldError(f"{rel} already exists; the id '{ident}' is taken") from None
    try:
        added = ensure_schemas(root).written
    except (InitError, OSError) as exc:
        raise ScaffoldError(f"created {rel}, but could not add the schemas: {exc}") from None
    return Scaffolded(path, added)
