"""`briefgen templates list|copy`: the default theme's files, which of them a project
overrides, and a copy of one into the project's templates/ to edit (as Pelican and MkDocs
themes are customised: copy the one file you need, the rest keeps following upgrades)."""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from pathlib import Path

from .project import BUILTIN_TEMPLATES, TEMPLATES_DIR, inside
from .write import atomic_write

# init/ is the starter project `briefgen init` writes, not part of the theme.
NOT_THEME = ("init/",)


class OverrideError(Exception):
    """An unknown template name, or a copy that would replace the project's own file."""


@dataclass(frozen=True)
class TemplateFile:
    """One default template or asset, and the project's file that overrides it, if any."""

    name: str  # path under templates/, e.g. html/partials/cover.html.j2
    override: str | None  # project-relative path of the override


def defaults() -> list[str]:
    """Every file of the default theme, by its path under templates/, sorted."""
    names = (p.relative_to(BUILTIN_TEMPLATES).as_posix() for p in BUILTIN_TEMPLATES.rglob("*"))
    return sorted(
        n
        for n in names
        if (BUILTIN_TEMPLATES / n).is_file()
        and not n.startswith(NOT_THEME)
        and "__pycache__" not in n
    )


def listing(root: Path) -> list[TemplateFile]:
    """Every default file, with the project's override where it has one."""
    own = root / TEMPLATES_DIR
    return [
        TemplateFile(n, f"{TEMPLATES_DIR}/{n}" if (own / n).is_file() else None) for n in defaults()
    ]


def resolve(name: str) -> str:
    """The default file `name` means: its path, or a file name that only one default has."""
    known = defaults()
    clean = name.strip().removeprefix("./").removeprefix(f"{TEMPLATES_DIR}/")
    if clean in known:
        return clean
    by_file = [n for n in known if n.rsplit("/", 1)[-1] == clean]
    if len(by_file) == 1:
        return by_file[0]
    if len(by_file) > 1:
        raise OverrideError(f"{name!r} is more than one template: {', '.join(by_file)}")
    # a path is compared with paths; a bare file name with file names (then shown as a path)
    files = {n.rsplit("/", 1)[-1]: n for n in reversed(known)}
    if "/" in clean:
        close = difflib.get_close_matches(clean, known, n=1, cutoff=0.6)
    else:
        close = [files[f] for f in difflib.get_close_matches(clean, files, n=1, cutoff=0.6)]
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise OverrideError(f"no default template {name!r}{hint}; `briefgen templates list` names them")


def copy(root: Path, name: str, *, force: bool = False) -> str:
    """Copy the default `name` into the project's templates/; the project-relative path."""
    found = resolve(name)
    dest = root / TEMPLATES_DIR / found
    rel = f"{TEMPLATES_DIR}/{found}"
    existing = next(p for p in (dest.parent, *dest.parent.parents) if p.exists())
    if not inside(root, existing):  # a templates/ that is a link out of the project
        raise OverrideError(f"{rel} would be written outside the project")
    if (dest.exists() or dest.is_symlink()) and not force:
        raise OverrideError(f"{rel} exists; use --force to replace it with the default")
    atomic_write(dest, (BUILTIN_TEMPLATES / found).read_bytes())
    return rel
