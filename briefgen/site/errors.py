"""A template failure as a located diagnostic: the template file and line when known."""

from __future__ import annotations

import re
import traceback
from pathlib import Path

import jinja2

from ..diagnostics import Diagnostic
from ..project import MissingTemplate

_REMOTE_J2_FRAME = re.compile(r'File "([^"]+\.j2)", line (\d+)')


def render_failure(exc: BaseException, root: Path) -> Diagnostic:
    """A template failure as a located diagnostic: the template file and line when known."""
    if isinstance(exc, MissingTemplate):
        return Diagnostic("templates", 0, 0, str(exc))
    path, line = "templates", 1
    if isinstance(exc, jinja2.TemplateSyntaxError) and exc.filename:
        path, line = exc.filename, exc.lineno
    else:
        for frame in reversed(traceback.extract_tb(exc.__traceback__)):
            if frame.filename.endswith(".j2"):
                path, line = frame.filename, frame.lineno or 1
                break
        else:  # raised in a worker process: its traceback arrives as text
            frames = _REMOTE_J2_FRAME.findall(str(exc.__cause__ or ""))
            if frames:
                path, line = frames[-1][0], int(frames[-1][1])
    return Diagnostic(_show(root, Path(path)), line, 1, f"rendering failed: {exc}")


def _show(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()
