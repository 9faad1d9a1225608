"""`python -m briefgen` runs the command line."""

from __future__ import annotations

from .cli import main_entry

main_entry()
