"""The floor of a cold site: the work no site of these briefs can skip, and nothing else.

A cold site must at least load and validate every file and render, with the project's own
Jinja templates, each brief page and each Markdown download. This does that with
briefgen's own stages (load_project without its cache; the site's page template) across
the machine's cores, and nothing more: no search index, no index or actor pages, no git
history, no hashing, no file written. Timed as a whole process, like every other figure,
it shows how much of the cold site's time is the templates' and the loader's, and so
whether a target set against compiled tools can be met at all with this stack.

Usage: python bench/site_floor.py PROJECT
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from briefgen import tune_gc
from briefgen.build import default_jobs
from briefgen.render import Target, render_html, render_markdown
from briefgen.site import CSP, SVG_ROLE, SiteInfo, _downloads
from briefgen.validate import load_project


def main() -> int:
    """Validate the project, then render its pages and downloads on every core; 1 on error."""
    tune_gc()  # as the console script does
    root = Path(sys.argv[1]).resolve()
    loaded = load_project(root, use_cache=False)
    if loaded.corpus is None:
        return 1
    corpus = loaded.corpus
    cfg = corpus.config
    site = SiteInfo(cfg.site_title, cfg.base_url, cfg.author, cfg.distribution, CSP, False, False)

    def render(ident: str) -> None:
        target = Target("issue", ident)
        render_html(corpus, target, root=root, css_href="assets/site.css",
                    template="site/brief.html.j2", site=site, up="", current="issue",
                    downloads=lambda i: _downloads(i, "", False), svg_role=SVG_ROLE)  # fmt: skip
        render_markdown(corpus, target, root=root)

    ids = sorted(corpus.issues)
    render(ids[0])  # templates compiled once, before forking, as the site does
    jobs = default_jobs()
    children = []
    for k in range(jobs):
        pid = os.fork()
        if pid == 0:  # pragma: no cover - a worker: it never returns to the caller
            code = 1
            try:
                for ident in ids[k::jobs]:
                    render(ident)
                code = 0
            finally:
                os._exit(code)
        children.append(pid)
    failed = [os.waitpid(pid, 0)[1] != 0 for pid in children]
    return 1 if any(failed) else 0


if __name__ == "__main__":
    sys.exit(main())
