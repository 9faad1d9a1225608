"""What each subcommand's --help says beyond its options: what it is for, and an example."""

from __future__ import annotations

# command -> (description, examples); shown by `briefgen COMMAND --help`.
HELP: dict[str, tuple[str, str]] = {
    "init": (
        "Start a new briefing project: briefgen.yaml, the registries, an example issue and "
        "book, the JSON Schemas for editors, a pre-commit hook and a CI workflow. It "
        "validates and builds at once.",
        "briefgen init my-briefs\n  cd my-briefs && briefgen validate && briefgen build",
    ),
    "validate": (
        "Check every input file and report every problem at once, sorted by file and "
        "line, as file:line:col: error: message. Exit 1 when any error is found. "
        "--strict makes every warning (a stale brief, a TODO left by `briefgen new`, raw "
        "HTML in prose) an error.",
        "briefgen validate\n  briefgen validate briefs/issues/nato.yaml --strict\n"
        "  briefgen validate --format json > problems.json",
    ),
    "schema": (
        "Print the JSON Schema of one file kind (for an editor), or --write them all into "
        "the project's schemas/ folder that every file's modeline points at.",
        "briefgen schema issue\n  briefgen schema --write",
    ),
    "build": (
        "Render every issue and book as Markdown, HTML and PDF into build/. Only outputs "
        "whose inputs changed are rendered again; -v says what was rebuilt and how long "
        "it took.",
        "briefgen build\n  briefgen build --format md,html --page-size letter -v",
    ),
    "site": (
        "Publish the static site (pages, search, feed, downloads) into build/site/, "
        "replacing the old one in one step.",
        "briefgen site --no-pdf",
    ),
    "serve": (
        "Serve a live preview of the site on this machine, rebuilt whenever a brief or "
        "template changes; open the URL it prints.",
        "briefgen serve --port 8001",
    ),
    "diff": (
        "Say what changed in substance between two git revisions: stances, gaps, "
        "judgments, scenarios, sources. Reordered keys and rewrapped text report nothing.",
        "briefgen diff main\n  briefgen diff v1.0 v1.1 --format json",
    ),
    "new": (
        "Write a new issue or book file with its schema modeline and TODO placeholders; it "
        "validates at once (the TODOs are warnings until replaced).",
        "briefgen new issue arctic-shipping",
    ),
    "templates": (
        "List the default theme's templates and assets (marking those the project's "
        "templates/ overrides), or copy one into templates/ to edit it.",
        "briefgen templates list\n  briefgen templates copy html/partials/cover.html.j2",
    ),
    "completion": (
        "Print a shell completion script for commands, options and their choices.",
        "briefgen completion bash > ~/.local/share/bash-completion/completions/briefgen\n"
        '  briefgen completion zsh > "${fpath[1]}/_briefgen"',
    ),
}
