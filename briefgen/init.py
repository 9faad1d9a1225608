"""`briefgen init`: start a briefing project that validates and builds at once.

The starter files are package data (templates/init/, trusted files): copied as they are,
except the few `.j2` files, which receive only today's date. Names starting with `dot-` are
written with a leading dot (`dot-gitignore` -> `.gitignore`), since package-data globs skip
hidden files. Nothing is ever overwritten: a file that is already there is kept and named.

The JSON Schemas go into the project's own schemas/ folder too, so the modeline of every
YAML file (`# yaml-language-server: $schema=...`) points at a file an editor can open, in a
project that has no copy of the briefgen repository.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

from .project import BUILTIN_TEMPLATES, SCHEMAS_DIR, inside
from .schema import KINDS, schema_text
from .write import atomic_write

STARTER = BUILTIN_TEMPLATES / "init"
_DOT = "dot-"


class InitError(Exception):
    """The project cannot be started there (not empty, not a folder): a usage error."""


@dataclass
class Written:
    """What a call wrote and what it left as it was (project-relative POSIX paths)."""

    root: Path
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def _target(rel: Path) -> str:
    """Where a starter file goes: `dot-x` -> `.x` in every part, `.j2` dropped."""
    parts = [(("." + p[len(_DOT) :]) if p.startswith(_DOT) else p) for p in rel.parts]
    name = "/".join(parts)
    return name.removesuffix(".j2")


def starter_files(today: dt.date) -> dict[str, bytes]:
    """Every starter file by its project-relative path, rendered for `today`."""
    files: dict[str, bytes] = {}
    for path in sorted(STARTER.rglob("*")):
        if not path.is_file():
            continue
        rel = path.relative_to(STARTER)
        data = path.read_bytes()
        if path.suffix == ".j2":
            data = _render(rel.as_posix(), today).encode("utf-8")
        files[_target(rel)] = data
    return files


def _render(name: str, today: dt.date) -> str:
    """A `.j2` starter file with today's date: the only value that reaches it."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(STARTER)),
        autoescape=False,  # YAML; the template is trusted and receives one ISO date
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    return env.get_template(name).render(today=today.isoformat())


def schema_files() -> dict[str, bytes]:
    """The JSON Schema of every file kind, at its place in a project."""
    return {
        f"{SCHEMAS_DIR}/{kind}.schema.json": schema_text(kind).encode("utf-8") for kind in KINDS
    }


def _check_inside(root: Path, rel: str) -> None:
    """Refuse a file whose folder, or a folder on the way, is a link out of the project."""
    existing = (root / rel).parent
    while not existing.exists() and existing != root:
        existing = existing.parent
    if not inside(root, existing):
        raise InitError(f"{existing} is a link out of the project; refusing to write there")


def _folder_inside(root: Path, rel: str) -> Path:
    """The folder of a file to write, checked (before anything is created) and created."""
    _check_inside(root, rel)
    folder = (root / rel).parent
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _write_new(root: Path, rel: str, data: bytes, report: Written) -> None:
    """Write one file unless something is already there (then it is kept and named)."""
    path = root / rel
    if path.exists() or path.is_symlink():
        report.kept.append(rel)
        return
    _folder_inside(root, rel)
    try:
        with open(path, "xb") as fh:
            fh.write(data)
    except FileExistsError:
        report.kept.append(rel)
        return
    report.written.append(rel)


def init(dest: Path, *, force: bool = False, today: dt.date | None = None) -> Written:
    """Write a starter project into `dest` (created if missing).

    A folder that holds anything is refused unless `force`; even then no file is replaced.
    """
    if dest.exists() and not dest.is_dir():
        raise InitError(f"{dest} is not a directory")
    try:
        if dest.is_dir() and any(dest.iterdir()) and not force:
            raise InitError(
                f"{dest} is not empty; use --force to add the starter files "
                "(existing files are kept)"
            )
        dest.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise InitError(f"cannot use {dest}: {exc.strerror}") from None
    root = dest.resolve()
    report = Written(root)
    files = {**starter_files(today or dt.date.today()), **schema_files()}
    for rel in files:  # all of them before the first write: nothing half-done
        _check_inside(root, rel)
    for rel, data in sorted(files.items()):
        _write_new(root, rel, data, report)
    return report


def ensure_schemas(root: Path) -> Written:
    """Write the schemas a project lacks (for `briefgen new`); never replace one."""
    report = Written(root)
    for rel, data in schema_files().items():
        if not (root / rel).exists():
            _write_new(root, rel, data, report)
    return report


def write_schemas(root: Path) -> Written:
    """`briefgen schema --write`: bring the project's schemas/ up to this briefgen's schemas.

    They are generated files: one that differs is replaced (that is the point after an
    upgrade); one that matches is left alone.
    """
    report = Written(root)
    for rel, data in schema_files().items():
        path = _folder_inside(root, rel) / Path(rel).name
        if path.is_symlink() and not inside(root, path):
            raise InitError(f"{rel} is a link out of the project; refusing to write there")
        if path.is_file() and path.read_bytes() == data:
            report.unchanged.append(rel)
            continue
        atomic_write(path, data)
        report.written.append(rel)
    return report
