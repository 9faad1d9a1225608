"""Where a project lives and which files it is made of."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "briefgen.yaml"
BRIEFS_DIR = "briefs"
TEMPLATES_DIR = "templates"
# The JSON Schemas inside a project (`briefgen init`, `briefgen schema --write`), where the
# modelines of its YAML files point, so editors check them without the briefgen repository.
SCHEMAS_DIR = "schemas"
# The default theme, shipped inside the package (a wheel carries it as package data).
BUILTIN_TEMPLATES = Path(__file__).resolve().parent / "templates"


class ProjectNotFound(Exception):
    """No briefgen.yaml in the current directory or any parent."""


class MissingTemplate(Exception):
    """A template (or a partial it includes) is in none of the template folders.

    Its arguments are plain strings, so it crosses from a render worker to the parent intact.
    """

    def __init__(self, name: str, dirs: tuple[str, ...]) -> None:
        super().__init__(name, dirs)
        self.name = name
        self.dirs = dirs

    def __str__(self) -> str:
        return f"template '{self.name}' not found (looked in: {', '.join(self.dirs)})"


@dataclass(frozen=True)
class SourceFile:
    """One input file: its kind, its absolute path and its project-relative display path."""

    kind: str  # config | actors | sources | issue | book
    path: Path
    rel: str


def find_root(start: Path | None = None) -> Path:
    """Walk up from `start` to the directory holding briefgen.yaml."""
    here = (start or Path.cwd()).resolve()
    for d in (here, *here.parents):
        if (d / CONFIG_NAME).is_file():
            return d
    raise ProjectNotFound(f"no {CONFIG_NAME} found in {here} or any parent directory")


def rel(root: Path, path: Path) -> str:
    """Project-relative POSIX path for messages."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def template_dirs(root: Path | None) -> list[Path]:
    """Where templates are looked up, in order: the project's own folder, then the default
    theme; a file in the first overrides the default of the same path."""
    dirs = []
    if root is not None and (root / TEMPLATES_DIR).is_dir():
        dirs.append((root / TEMPLATES_DIR).resolve())
    if BUILTIN_TEMPLATES not in dirs:
        dirs.append(BUILTIN_TEMPLATES)
    return dirs


def discover(root: Path) -> list[SourceFile]:
    """All input files in a stable order: config, registries, issues, books."""
    briefs = root / BRIEFS_DIR
    found = [SourceFile("config", root / CONFIG_NAME, CONFIG_NAME)]
    for name, kind in (("actors.yaml", "actors"), ("sources.yaml", "sources")):
        found.append(SourceFile(kind, briefs / name, f"{BRIEFS_DIR}/{name}"))
    for sub, kind in (("issues", "issue"), ("books", "book")):
        folder = briefs / sub
        if folder.is_dir():
            for entry in sorted(os.scandir(folder), key=lambda e: e.name):
                if entry.name.endswith((".yaml", ".yml")) and not entry.name.startswith("."):
                    found.append(
                        SourceFile(kind, folder / entry.name, f"{BRIEFS_DIR}/{sub}/{entry.name}")
                    )
    return found


def inside(root: Path, path: Path) -> bool:
    """True when `path`, links resolved, stays inside the project."""
    try:
        path.resolve().relative_to(root.resolve())
    except (ValueError, OSError):
        return False
    return True


MAX_INPUT_BYTES = 1024 * 1024  # load.MAX_BYTES; repeated so this module stays import-light


def read_source(
    root: Path, path: Path, limit: int = MAX_INPUT_BYTES
) -> tuple[bytes | None, str | None]:
    """An input file's bytes, or why it may not be read.

    A pull request can commit symbolic links: a file (or a folder on its way) that leads out
    of the project, to a device such as /dev/zero or to a FIFO would leak, exhaust memory or
    block the build, so only regular files inside the project of at most `limit` bytes are read.
    """
    try:
        real = path.resolve(strict=True)
    except FileNotFoundError:
        return None, "missing"
    except (OSError, RuntimeError):
        return None, "cannot resolve the file's path (a link loop?)"
    if not real.is_relative_to(root.resolve()):
        return None, "file is a link to a place outside the project"
    return read_regular(real, limit)


def read_regular(path: Path, limit: int = MAX_INPUT_BYTES) -> tuple[bytes | None, str | None]:
    """A regular file's bytes (opened without following a last-component link, never a
    device or a FIFO, at most `limit` bytes), or why not. The caller has made sure the
    path's folders lie inside the project."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        return None, f"cannot read file: {exc.strerror}"
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode):  # before fdopen, which refuses a folder with a traceback
        os.close(fd)
        if stat.S_ISDIR(st.st_mode):
            return None, "this is a folder, not a file: move it out of the way or rename it"
        return None, "not a regular file (a pipe or a device); only plain files are read"
    with os.fdopen(fd, "rb") as fh:
        if st.st_size > limit:
            return None, f"file is {st.st_size} bytes; the limit is {limit} bytes (1 MiB)"
        data = fh.read(limit + 1)
    if len(data) > limit:
        return None, f"file is over {limit} bytes; the limit is {limit} bytes (1 MiB)"
    return data, None
