"""Content keys: every output is named by a hash of everything its bytes depend on.

Inputs are hashed by content (never by modification time), so a key cannot be fooled by a
clock, a checkout or a copy; templates and the tool's own code are inputs like any other.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from .. import __version__
from ..project import discover, read_regular, read_source, template_dirs

# Modules that never run while a brief renders; editing them must not invalidate every PDF.
NOT_BRIEF_CODE = frozenset(
    {"cli.py", "__main__.py", "serve.py", "diff.py", "scaffold.py", "init.py"}
)
NOT_BRIEF_FOLDERS = ("site/",)
YAML = (".yaml", ".yml")  # briefs and config; every other input is a theme file
THEME_FILE_LIMIT = 1024 * 1024  # over theme.LOGO_LIMIT and theme.CSS_LIMIT: validation says so


def file_digests(root: Path, also: Iterable[str] = ()) -> dict[str, str]:
    """The sha256 of every input file of the project, by project-relative path.

    `also`: more files the project's config names (its theme's logo and stylesheets); only
    names that are not YAML count, so a brief file that went away is not hashed as missing.

    Read as read_source reads (never through a link out, a device or a FIFO), with its
    per-file path resolution done once per folder: a plain file in a folder that lies inside
    the project is opened without following links; anything else goes through read_source.
    """
    out = {}
    inside: dict[Path, bool] = {}
    real_root = root.resolve()
    for sf in discover(root):
        folder = sf.path.parent
        if folder not in inside:
            inside[folder] = folder.resolve().is_relative_to(real_root)
        data = read_regular(sf.path)[0] if inside[folder] else None
        if data is None:
            data, _ = read_source(root, sf.path)
        out[sf.rel] = hashlib.sha256(data).hexdigest() if data is not None else "missing"
    out.update(figure_digests(root))  # found afresh each time: a removed one is just gone
    theme = (r for r in also if not r.endswith(YAML) and not r.startswith(f"{FIGURES}/"))
    for rel in sorted(r for r in theme if r not in out):
        data, _ = read_source(root, root / rel, THEME_FILE_LIMIT)
        out[rel] = hashlib.sha256(data).hexdigest() if data is not None else "missing"
    return out


FIGURES = "briefs/figures"
MAX_FIGURE_FILES = 500


def figure_digests(root: Path) -> dict[str, str]:
    """The sha256 of each file under briefs/figures/ (issue 21): figures are inputs too.
    Only plain files inside the project count; a brief naming anything else fails to
    validate, so its output is never built from it."""
    folder = root / FIGURES
    if not folder.is_dir() or not folder.resolve().is_relative_to(root.resolve()):
        return {}
    out: dict[str, str] = {}
    for path in sorted(folder.rglob("*"))[:MAX_FIGURE_FILES]:
        if path.is_symlink() or not path.is_file():
            continue
        data, _ = read_regular(path, 5 * 1024 * 1024)
        rel = path.relative_to(root).as_posix()
        out[rel] = hashlib.sha256(data).hexdigest() if data is not None else "missing"
    return out


@functools.cache
def code_digest(brief_only: bool = True) -> str:
    """One hash over the tool's version and code: the renderer is an input too.

    `brief_only` leaves out the modules that never run while a brief renders (the command
    line, the site, the preview), so editing them does not invalidate every PDF. Computed
    once per process: the code that runs is the code that was loaded.
    """
    h = hashlib.sha256(__version__.encode())
    package = Path(__file__).resolve().parent.parent
    for p in sorted([*package.rglob("*.py"), *package.rglob("*.lua")]):  # docx.lua too
        rel = p.relative_to(package).as_posix()
        if brief_only and (rel in NOT_BRIEF_CODE or rel.startswith(NOT_BRIEF_FOLDERS)):
            continue
        h.update(rel.encode() + b"\x00" + hashlib.sha256(p.read_bytes()).digest())
    return h.hexdigest()


def templates_digest(root: Path | None, folders: Iterable[str] | None = None) -> str:
    """One hash over the template and asset files in effect under `folders` (default: all):
    a project's file where it overrides the default, else the default's. Files at the top
    of a template folder count for every format."""
    wanted = set(folders) if folders is not None else None
    effective: dict[str, Path] = {}
    for d in template_dirs(root):
        for p in sorted(d.rglob("*")):
            rel = p.relative_to(d)
            if not p.is_file() or (
                wanted is not None and len(rel.parts) > 1 and rel.parts[0] not in wanted
            ):
                continue
            effective.setdefault(rel.as_posix(), p)
    h = hashlib.sha256()
    for name, path in sorted(effective.items()):
        h.update(name.encode() + b"\x00" + hashlib.sha256(path.read_bytes()).digest())
    return h.hexdigest()


def output_key(parts: dict[str, Any]) -> str:
    """The key of one output: a hash of everything its bytes depend on."""
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()


class KeyMaker:
    """Keys of many outputs that share most of their inputs (the shared part hashed once)."""

    def __init__(self, shared: dict[str, Any]) -> None:
        self._hash = hashlib.sha256(json.dumps(shared, sort_keys=True).encode() + b"\x00")

    def key(self, own: dict[str, Any]) -> str:
        """The key of one output whose own inputs are `own`."""
        h = self._hash.copy()
        h.update(json.dumps(own, sort_keys=True).encode())
        return h.hexdigest()
