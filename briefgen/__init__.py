"""briefgen: structured policy-issue YAML in, publication-grade briefs out.

The pipeline, one module per stage: load -> validate -> model -> render (md/html/pdf) -> write.
"""

from __future__ import annotations

__version__ = "0.1.0"


def tune_gc() -> None:
    """Collect reference cycles less often: for a command-line run, not for a library user.

    A run is short and allocates millions of small objects that live until it ends (the
    corpus, rendered pages); the default collects the youngest objects every 700
    allocations. Every 100,000 spares about 8 ms of a 0.2 s incremental site build, and
    what start-up loaded is never scanned again (gc.freeze). At exit, everything is frozen
    too: the interpreter's last collection would scan every object of the run (~9 ms after
    an incremental site build) only to free memory that exiting frees anyway.
    """
    import atexit
    import gc

    gc.freeze()
    gc.set_threshold(100_000, 50, 50)
    atexit.register(gc.freeze)  # registered first, so it runs after every other handler
