"""briefgen: structured policy-issue YAML in, publication-grade briefs out.

The pipeline, one module per stage: load -> validate -> model -> render (md/html/pdf) -> write.
"""

from __future__ import annotations

__version__ = "0.1.0"
