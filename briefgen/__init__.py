"""briefgen: structured policy-issue YAML in, publication-grade briefs out.

The pipeline: load -> validate -> model -> render (md/html/pdf) -> write; see
docs/architecture.md for which module owns each stage.
"""

from __future__ import annotations

__version__ = "0.2.0"
