"""Where a project lives and which files it is made of."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

CONFIG_NAME = "briefgen.yaml"
BRIEFS_DIR = "briefs"


class ProjectNotFound(Exception):
    """No briefgen.yaml in the current directory or any parent."""


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
