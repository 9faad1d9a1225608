"""Command line: a thin layer that parses arguments, calls the library and picks exit codes.

Exit codes: 0 success, 1 invalid content or failed build, 2 usage error.
"""

from __future__ import annotations

import argparse
import datetime as dt
import difflib
import io
import json
import os
import re
import sys
import textwrap
import time
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TextIO

from . import __version__
from .cli_help import HELP
from .diagnostics import Diagnostic, Severity, has_errors

EXIT_OK, EXIT_INVALID, EXIT_USAGE = 0, 1, 2


class _Parser(argparse.ArgumentParser):
    """argparse that raises instead of exiting, so main() stays a pure function, and that
    says which command or option was probably meant."""

    def error(self, message: str) -> None:  # type: ignore[override]
        hint = _did_you_mean(self, message)
        raise _UsageError(f"{self.prog}: error: {message}{hint}\n{self.format_usage()}")


def _did_you_mean(parser: argparse.ArgumentParser, message: str) -> str:
    """' (did you mean 'build'?)' for a mistyped choice or option, else ''."""
    choice = re.search(r"invalid choice: '([^']*)' \(choose from (.*)\)", message)
    if choice:
        wrong, known = choice.group(1), re.findall(r"'([^']*)'", choice.group(2))
    else:
        unknown = re.search(r"unrecognized arguments: (\S+)", message)
        if not unknown:
            return ""
        wrong, known = unknown.group(1).split("=")[0], _option_strings(parser)
    close = difflib.get_close_matches(wrong, known, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _option_strings(parser: argparse.ArgumentParser) -> list[str]:
    """Every option of the parser and of its subcommands."""
    found = list(parser._option_string_actions)
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found += _option_strings(sub)
    return found


class _UsageError(Exception):
    pass


def _common() -> _Parser:
    """-q and -v, which every subcommand takes."""
    common = _Parser(add_help=False)
    loud = common.add_mutually_exclusive_group()
    loud.add_argument("-q", "--quiet", action="store_true", help="print only errors")
    loud.add_argument(
        "-v", "--verbose", action="store_true", help="say what was done and how long it took"
    )
    return common


def _parser() -> _Parser:
    p = _Parser(prog="briefgen", description="Turn policy-issue YAML into briefs.")
    p.add_argument("--version", action="version", version=f"briefgen {__version__}")
    p.add_argument("-C", "--project", type=Path, help="project directory (default: search upward)")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    common = _common()

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        description, example = HELP[name]
        return sub.add_parser(
            name,
            help=summary,
            description=textwrap.fill(description, 88),
            epilog=f"example:\n  {example}",
            formatter_class=argparse.RawDescriptionHelpFormatter,
            parents=[common],
        )

    i = command("init", "start a new briefing project that validates and builds")
    i.add_argument("dir", nargs="?", type=Path, default=Path("."), help="default: here")
    i.add_argument(
        "--force", action="store_true", help="add to a non-empty folder (existing files are kept)"
    )

    v = command("validate", "check every input file; report all problems")
    v.add_argument("paths", nargs="*", type=Path, help="only report problems in these files")
    v.add_argument(
        "--format",
        choices=("text", "github", "json"),
        default="text",
        help="text (file:line:col), github (Actions annotations) or json (for editors and bots)",
    )
    v.add_argument(
        "--strict", action="store_true", help="every warning (stale briefs, tradecraft) is an error"
    )
    v.add_argument(
        "--today",
        help="date for staleness and judgments due for review (YYYY-MM-DD; default: today)",
    )

    s = command("schema", "print the JSON Schema of a file kind, or --write all")
    s.add_argument(
        "kind",
        nargs="?",
        choices=("issue", "book", "actors", "sources", "config"),
        help="the file kind whose schema to print",
    )
    s.add_argument(
        "--write", action="store_true", help="write every schema into the project's schemas/"
    )

    b = command("build", "render Markdown, HTML, PDF and Word for every issue and book")
    b.add_argument("--format", default="md,html,pdf,docx", help="comma-separated: md,html,pdf,docx")
    b.add_argument("--out", type=Path, default=None, help="output directory (default: build/)")
    b.add_argument(
        "--page-size",
        type=lambda text: {"a4": "A4", "letter": "Letter"}.get(text.lower(), text),
        choices=("A4", "Letter"),
        default=None,
        help="A4 or Letter, any case (default: the project's page_size)",
    )
    b.add_argument(
        "-j", "--jobs", type=int, default=0, help="worker processes (default: all cores)"
    )
    b.add_argument("--force", action="store_true", help="rebuild everything")
    b.add_argument(
        "--today", help="date overdue reviews are measured from (YYYY-MM-DD; default: today)"
    )

    site = command("site", "publish the static HTML site into build/site/")
    site.add_argument("--out", type=Path, default=None, help="site directory (default: build/site)")
    site.add_argument(
        "-j", "--jobs", type=int, default=0, help="worker processes (default: all cores)"
    )
    site.add_argument("--force", action="store_true", help="render every page again")
    site.add_argument(
        "--no-pdf",
        action="store_true",
        help="leave out the PDF and Word downloads (HTML and Markdown only)",
    )
    site.add_argument(
        "--today", help="date overdue reviews are measured from (YYYY-MM-DD; default: today)"
    )

    serve = command("serve", "serve the site on localhost; rebuild on change")
    serve.add_argument("--port", type=int, default=8000, help="default: 8000")
    serve.add_argument("--host", default="127.0.0.1", help="default: 127.0.0.1 (this machine only)")

    d = command("diff", "what changed in substance between two git revisions")
    d.add_argument("base", help="the git revision to compare from (a branch, tag or commit)")
    d.add_argument("head", nargs="?", default=None, help="default: the working tree")
    d.add_argument(
        "--format",
        choices=("markdown", "json"),
        default="markdown",
        help="markdown (a PR comment) or json",
    )

    t = command("templates", "list the default templates, or copy one to edit")
    tsub = t.add_subparsers(dest="action", metavar="ACTION", parser_class=_Parser, required=True)
    tsub.add_parser("list", help="every default template and asset; marks the overridden ones")
    tc = tsub.add_parser("copy", help="copy a default into the project's templates/ to edit it")
    tc.add_argument("name", help="its path as `templates list` prints it, or a unique file name")
    tc.add_argument("--force", action="store_true", help="replace the project's own copy")

    n = command("new", "scaffold a new issue or book file")
    n.add_argument("kind", choices=("issue", "book"), help="issue or book")
    n.add_argument("id", help="lower-case words joined by hyphens; names the file")

    c = command("completion", "print a bash or zsh completion script")
    c.add_argument("shell", choices=("bash", "zsh"), help="the shell to complete in")
    return p


def _print_diags(
    diags: Sequence[Diagnostic], fmt: str, err: TextIO, *, quiet: bool = False
) -> None:
    """Every problem on stderr (warnings too, beside errors; -q: errors only), a YAML
    syntax error with the lines around it, then the counts of both."""
    if fmt == "json":
        return  # validate prints them as its answer, on standard output
    shown = [d for d in diags if not (quiet and d.severity is Severity.WARNING)]
    for d in shown:
        print(d.format_github() if fmt == "github" else d.format(), file=err)
        if fmt == "text" and d.excerpt:
            print("\n".join(d.excerpt), file=err)
    n_err = sum(d.severity is Severity.ERROR for d in diags)
    n_warn = len(diags) - n_err
    if fmt == "text" and any(d.line > 0 for d in shown):  # one unlocated failure: one line
        print(f"{n_err} error(s), {n_warn} warning(s)", file=err)


def _notes(args: argparse.Namespace, out: TextIO) -> TextIO:
    """Where a command says what it did: nowhere with -q (errors only)."""
    return io.StringIO() if args.quiet else out


def _strict(diags: Sequence[Diagnostic]) -> list[Diagnostic]:
    """--strict: every warning is an error."""
    return [replace(d, severity=Severity.ERROR) for d in diags]


def _root(args: argparse.Namespace) -> Path:
    from .project import find_root

    return find_root(args.project)


def _today(args: argparse.Namespace) -> dt.date:
    """The date staleness is measured from: --today, else BRIEFGEN_TODAY, else the clock."""
    text = getattr(args, "today", None) or os.environ.get("BRIEFGEN_TODAY")
    if not text:
        return dt.date.today()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise _UsageError(f"briefgen {args.command}: not a date (YYYY-MM-DD): {text!r}") from None


def cmd_validate(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .validate import load_project

    root = _root(args)
    wanted = _brief_files(root, args.paths)  # before the work: a wrong path is no pass
    loaded = load_project(root, today=_today(args), strict_freshness=args.strict)
    diags = _strict(loaded.diagnostics) if args.strict else loaded.diagnostics
    if args.paths:
        diags = [d for d in diags if d.path in wanted]
    _print_diags(diags, args.format, err, quiet=args.quiet)
    if args.format == "json":
        print(json.dumps([d.as_json() for d in diags], indent=1, ensure_ascii=False), file=out)
    if has_errors(diags) or (not args.paths and loaded.corpus is None):
        return EXIT_INVALID
    if args.format == "text" and not args.quiet:
        counts = ""
        if loaded.corpus is not None:
            c = loaded.corpus
            counts = f": {len(c.issues)} issues, {len(c.books)} books"
        print(f"ok{counts}", file=out)
    return EXIT_OK


def _brief_files(root: Path, paths: Sequence[str]) -> set[str]:
    """The project-relative input files named by `paths` (relative to the current folder);
    a path that does not exist, lies outside the project or is no input file is a usage
    error, so a typo (in a path or a pre-commit hook) never passes as "ok"."""
    from .project import discover

    inputs = {sf.rel for sf in discover(root)}
    found = set()
    for p in paths:
        path = Path(p)
        if not path.exists():
            raise _UsageError(f"briefgen validate: no such file: {p}")
        if path.is_dir():
            raise _UsageError(
                f"briefgen validate: {p} is a folder; name its files, or give no path to "
                "check the whole project"
            )
        try:
            rel = path.resolve().relative_to(root).as_posix()
        except ValueError:
            raise _UsageError(f"briefgen validate: {p} is outside the project ({root})") from None
        if rel not in inputs:
            raise _UsageError(
                f"briefgen validate: {p} is not an input file of the project (briefgen.yaml, "
                "briefs/actors.yaml, briefs/sources.yaml, briefs/issues/*.yaml, "
                "briefs/books/*.yaml)"
            )
        found.add(rel)
    return found


def cmd_schema(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .schema import schema_text

    if args.write == bool(args.kind):
        raise _UsageError("briefgen schema: give a KIND to print, or --write (not both)")
    if args.kind:
        out.write(schema_text(args.kind))
        return EXIT_OK
    from .init import InitError, write_schemas

    try:
        report = write_schemas(_root(args))
    except (InitError, OSError) as exc:
        print(f"briefgen schema: {exc}", file=err)
        return EXIT_INVALID
    out = _notes(args, out)
    for rel in report.written:
        print(f"wrote {rel}", file=out)
    if report.unchanged:
        print(f"up to date: {len(report.unchanged)} schemas", file=out)
    return EXIT_OK


def cmd_init(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .init import InitError, init

    try:
        report = init(args.dir, force=args.force, today=_today(args))
    except InitError as exc:
        print(f"briefgen init: {exc}", file=err)
        return EXIT_USAGE
    except OSError as exc:  # a write failed (permissions, a full disk)
        print(f"briefgen init: cannot write {exc.filename or args.dir}: {exc.strerror}", file=err)
        return EXIT_INVALID
    out = _notes(args, out)
    for rel in report.written:
        print(f"wrote {rel}", file=out)
    for rel in report.kept:
        print(f"kept {rel} (already there; not overwritten)", file=out)
    where = "" if args.dir == Path(".") else f"cd {args.dir} && "
    print(
        f"started a briefgen project in {report.root}\n"
        f"next: {where}briefgen validate && briefgen build",
        file=out,
    )
    return EXIT_OK


def cmd_build(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .build import BuildOptions, build

    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    bad = [f for f in formats if f not in ("md", "html", "pdf", "docx")]
    if bad or not formats:
        print(f"briefgen build: unknown format {', '.join(bad) or '(none)'}", file=err)
        return EXIT_USAGE
    root = _root(args)
    opts = BuildOptions(
        formats=formats,
        out=args.out,
        page_size=args.page_size,
        jobs=args.jobs,
        force=args.force,
        quiet=args.quiet,
        today=_today(args),
    )
    report = build(root, opts, out=out, err=err)
    _print_diags(report.diagnostics, "text", err, quiet=args.quiet)
    if args.verbose:
        for rel in report.kept:
            print(f"kept {rel} (its inputs did not change)", file=err)
    return EXIT_INVALID if has_errors(report.diagnostics) else EXIT_OK


def cmd_site(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .site import SiteOptions, build_site

    opts = SiteOptions(
        out=args.out,
        jobs=args.jobs,
        force=args.force,
        quiet=args.quiet,
        pdf=not args.no_pdf,
        today=_today(args),
    )
    report = build_site(_root(args), opts, out=out, err=err)
    _print_diags(report.diagnostics, "text", err, quiet=args.quiet)
    return EXIT_INVALID if has_errors(report.diagnostics) else EXIT_OK


def cmd_serve(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .serve import serve

    return serve(_root(args), host=args.host, port=args.port, out=_notes(args, out), err=err)


def cmd_diff(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .diff import DiffContentError, DiffError, diff_revisions, format_json, format_markdown

    root = _root(args)
    try:
        changes = diff_revisions(root, args.base, args.head)
    except DiffContentError as exc:  # invalid YAML at a revision: like `validate`, exit 1
        print(f"briefgen diff: {exc}", file=err)
        return EXIT_INVALID
    except DiffError as exc:
        print(f"briefgen diff: {exc}", file=err)
        return EXIT_USAGE
    out.write(format_json(changes) if args.format == "json" else format_markdown(changes))
    return EXIT_OK


def cmd_new(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .scaffold import ScaffoldError, scaffold

    try:
        made = scaffold(_root(args), args.kind, args.id, today=_today(args))
    except ScaffoldError as exc:
        print(f"briefgen new: {exc}", file=err)
        return EXIT_USAGE
    out = _notes(args, out)
    print(f"created {made.path}", file=out)
    for rel in made.schemas:
        print(f"wrote {rel} (for the editor; `briefgen schema --write` refreshes it)", file=out)
    return EXIT_OK


def cmd_completion(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    """A completion script built from the parser itself, so it never falls behind it."""
    import shtab

    parser = _parser()
    for action in parser._actions:  # menus show each command's one-line summary
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                sub.description = None
    script = shtab.complete(parser, shell=args.shell)
    out.write(script if script.endswith("\n") else script + "\n")
    return EXIT_OK


def cmd_templates(args: argparse.Namespace, out: TextIO, err: TextIO) -> int:
    from .overrides import OverrideError, copy, listing

    root = _root(args)
    if args.action == "list":
        found = listing(root)
        width = max(len(f.name) for f in found)
        for f in found:
            out.write(
                f"{f.name:<{width}}  overridden by {f.override}\n" if f.override else f"{f.name}\n"
            )
        overridden = sum(1 for f in found if f.override)
        print(f"{len(found)} default files; {overridden} overridden in templates/", file=out)
        return EXIT_OK
    try:
        rel = copy(root, args.name, force=args.force)
    except OverrideError as exc:
        print(f"briefgen templates: {exc}", file=err)
        return EXIT_USAGE
    except OSError as exc:
        print(f"briefgen templates: cannot write {exc.filename}: {exc.strerror}", file=err)
        return EXIT_INVALID
    out = _notes(args, out)
    print(f"wrote {rel} (a copy of the default; edit it: it overrides the default)", file=out)
    return EXIT_OK


COMMANDS = {
    "validate": cmd_validate,
    "schema": cmd_schema,
    "init": cmd_init,
    "build": cmd_build,
    "site": cmd_site,
    "serve": cmd_serve,
    "diff": cmd_diff,
    "new": cmd_new,
    "templates": cmd_templates,
    "completion": cmd_completion,
}


def main(
    argv: Sequence[str] | None = None, out: TextIO | None = None, err: TextIO | None = None
) -> int:
    """Run one command; returns the exit code instead of exiting, so tests call it directly."""
    from .project import ProjectNotFound

    out = out or sys.stdout
    err = err or sys.stderr
    try:
        args = _parser().parse_args(list(argv) if argv is not None else None)
    except _UsageError as exc:
        print(str(exc).rstrip(), file=err)
        return EXIT_USAGE
    except SystemExit as exc:  # --help and --version
        return int(exc.code or 0)
    if not args.command:
        _parser().print_help(out)
        return EXIT_USAGE
    started = time.perf_counter()
    try:
        code = COMMANDS[args.command](args, out, err)
        if args.verbose:
            took = time.perf_counter() - started
            print(f"briefgen {args.command}: done in {took:.2f} s (exit {code})", file=err)
        return code
    except ProjectNotFound as exc:
        print(f"briefgen: {exc}", file=err)
        return EXIT_USAGE
    except _UsageError as exc:
        print(str(exc), file=err)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("briefgen: interrupted", file=err)
        return 130


def main_entry() -> None:
    """Console-script entry point."""
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # `briefgen templates list | head`: the reader has gone
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = EXIT_OK
    sys.exit(code)
