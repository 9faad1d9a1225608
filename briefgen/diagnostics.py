"""Errors as values: every problem carries a file, line and column so a person can act on it."""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field


class Severity(enum.Enum):
    """How bad a problem is; only errors fail a build."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True, order=True)
class Diagnostic:
    """One located problem; line and column are 1-based, as editors show them, or both 0 for
    a problem of a whole file or folder (such as `templates`)."""

    path: str
    line: int
    col: int
    message: str
    severity: Severity = Severity.ERROR
    code: str = ""  # a rule's code (TC001...), where a rule that can be switched off found it
    # The numbered lines around it with a caret under the column, shown below the message
    # in the human output (a YAML syntax error, whose line a person must find by eye).
    excerpt: tuple[str, ...] = field(default=(), compare=False)

    def format(self) -> str:
        """Render as `path:line:col: error: message`, the format editors and CI understand;
        a problem of no file position (line 0: a disk that is full) as `path: error: ...`."""
        where = f"{self.path}:{self.line}:{self.col}" if self.line else self.path
        return f"{where}: {self.severity.value}: {self.text}"

    @property
    def text(self) -> str:
        """The message, after the rule's code when a rule found it (as linters print it)."""
        return f"{self.code} {self.message}" if self.code else self.message

    def as_json(self) -> dict[str, str | int]:
        """The diagnostic as a JSON object, for editors and bots (`validate --format json`)."""
        found: dict[str, str | int] = {
            "path": self.path,
            "line": self.line,
            "col": self.col,
            "severity": self.severity.value,
            "message": self.message,
        }
        if self.code:
            found["code"] = self.code
        return found

    def format_github(self) -> str:
        """Render as a GitHub Actions workflow annotation."""
        kind = "error" if self.severity is Severity.ERROR else "warning"
        msg = self.text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
        path = self.path.replace("%", "%25").replace(",", "%2C").replace(":", "%3A")
        if not self.line:
            return f"::{kind} file={path}::{msg}"
        return f"::{kind} file={path},line={self.line},col={self.col}::{msg}"


def sort_key(d: Diagnostic) -> tuple[str, int, int, str]:
    """Sort by file, then position, then message, so reports are stable."""
    return (d.path, d.line, d.col, d.message)


def has_errors(diags: Iterable[Diagnostic]) -> bool:
    """True when any diagnostic is an error (warnings never fail a run)."""
    return any(d.severity is Severity.ERROR for d in diags)
