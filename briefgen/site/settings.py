"""What a site build is asked for, and what its pages may load."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

# What a page may load: only files of the site itself; no inline script, no other host.
CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'"
)
LIVE_PATH = "__briefgen/"  # served by `briefgen serve` only, never written into the site


@dataclass(frozen=True)
class SiteOptions:
    """Where the site goes and how to build its downloads."""

    out: Path | None = None
    jobs: int = 0
    force: bool = False
    quiet: bool = False
    pdf: bool = True  # PDFs and Word documents; the preview server makes them on demand
    live_reload: bool = False  # add the preview's reload script (serve only)
    today: dt.date | None = None  # the day overdue reviews are measured from (None: not shown)
