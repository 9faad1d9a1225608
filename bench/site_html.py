"""`briefgen site` without the PDF downloads: the HTML site that mkdocs and Hugo compare to.

The CLI's site command also renders every PDF, which no static-site generator does; the
preview server builds the same site without them (SiteOptions.pdf=False), and so does this.
Usage: python bench/site_html.py PROJECT [JOBS]
"""

from __future__ import annotations

import sys
from pathlib import Path

from briefgen import tune_gc
from briefgen.build import checked_site


def main() -> int:
    """Build the site of the project named on the command line; exit 1 on any error."""
    tune_gc()  # as the console script does
    jobs = int(sys.argv[2]) if len(sys.argv) > 2 else 0
    root = Path(sys.argv[1])
    with checked_site(root, None, pdf=False, live=False, jobs=jobs, force=False) as check:
        if check.current is not None:
            return 0  # as `briefgen site` does: a no-op answers before importing the site module
        from briefgen.site import SiteOptions, build_site

        opts = SiteOptions(pdf=False, jobs=jobs, quiet=True)
        report = build_site(root, opts, snapshot=check.snapshot, validating=check.validating)
    for d in report.diagnostics:
        print(d.format(), file=sys.stderr)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
