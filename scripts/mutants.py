"""A small mutation tester: apply one mutant at a time to a module and run its tests.

Usage:

    python scripts/mutants.py briefgen/validate.py tests/test_validate.py \
        tests/test_validate_rules.py [--limit N] [--sample SEED] [--timeout S] [--list] \
        [--rev HEAD] [--json FILE]

The repository is copied (plain copy, without .venv, build output, caches and .git) to a
temporary folder; every mutant is written into that copy only, and pytest runs the given test
files there with PYTHONPATH pointing at the copy. The working tree is never touched. With
--rev REV the copy is the code committed at REV (git archive), so a measurement is not
disturbed by uncommitted work in progress; new test files are added from the working tree.

Mutants are made from the module's syntax tree (standard library only) and applied as text
edits of the exact source span, so every other line keeps its number:

- a statement inside a function replaced by `pass`, a whole function body by `return None`;
- a comparison flipped (== and !=, < and >=, > and <=, in and not in, is and is not);
- a condition negated (if, while, conditional expressions, comprehension filters), a `not`
  removed;
- `and` and `or` swapped, `+` and `-` swapped;
- a constant changed (strings get "XX" around them, numbers + 1, booleans flipped), an
  f-string gets "XX" appended;
- one element removed from a list, tuple, set or dict display.

Before mutating, the tests run once on the unmutated copy under a line tracer: a mutant whose
lines no test executes is "not reached" and costs no test run. The report gives mutants
reached, killed, survived and timed out, and every survivor's location. With --sample SEED the
mutants are shuffled by that seed (the same seed gives the same mutants, so runs with different
test files can be compared) and --limit N keeps the first N.
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXCLUDE = {
    ".venv",
    ".git",
    "build",
    "node_modules",
    "__pycache__",
    ".pytest_cache",
    ".mypy_cache",
    ".ruff_cache",
    ".hypothesis",
    ".briefgen-cache",
}
EXCLUDE_PATHS = {"bench/.work"}

FLIP = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.GtE,
    ast.GtE: ast.Lt,
    ast.Gt: ast.LtE,
    ast.LtE: ast.Gt,
    ast.In: ast.NotIn,
    ast.NotIn: ast.In,
    ast.Is: ast.IsNot,
    ast.IsNot: ast.Is,
}


@dataclass(frozen=True)
class Mutant:
    """One text edit of the module: replace [start, end) (character offsets) with `text`."""

    index: int
    line: int
    end_line: int
    col: int
    kind: str
    start: int
    end: int
    text: str

    def describe(self, source: str) -> str:
        old = " ".join(source[self.start : self.end].split())
        new = " ".join(self.text.split())
        cut = 70
        old = old if len(old) <= cut else old[: cut - 3] + "..."
        new = new if len(new) <= cut else new[: cut - 3] + "..."
        return f"line {self.line}:{self.col + 1} {self.kind}: {old!r} -> {new!r}"


# --- making mutants -------------------------------------------------------------------------


class _Offsets:
    """Character offsets of (line, col) positions; ast columns are UTF-8 byte offsets."""

    def __init__(self, source: str) -> None:
        self.lines = source.splitlines(keepends=True)
        self.starts = [0]
        for line in self.lines:
            self.starts.append(self.starts[-1] + len(line))

    def __call__(self, line: int, col_bytes: int) -> int:
        text = self.lines[line - 1] if line - 1 < len(self.lines) else ""
        col = len(text.encode("utf-8")[:col_bytes].decode("utf-8", "replace"))
        return self.starts[line - 1] + col


def _annotation_nodes(tree: ast.AST) -> set[int]:
    """ids of every node inside a type annotation (mutating those changes nothing)."""
    skip: set[int] = set()

    def mark(node: ast.AST | None) -> None:
        if node is not None:
            for sub in ast.walk(node):
                skip.add(id(sub))

    for node in ast.walk(tree):
        if isinstance(node, ast.arg):
            mark(node.annotation)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            mark(node.returns)
        elif isinstance(node, ast.AnnAssign):
            mark(node.annotation)
        elif isinstance(node, ast.JoinedStr):
            for sub in ast.walk(node):
                if sub is not node:
                    skip.add(id(sub))
    return skip


def _docstrings(tree: ast.AST) -> set[int]:
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if (
                body
                and isinstance(body[0], ast.Expr)
                and isinstance(body[0].value, ast.Constant)
                and isinstance(body[0].value.value, str)
            ):
                found.add(id(body[0]))
                found.add(id(body[0].value))
    return found


def _type_checking_blocks(tree: ast.AST) -> set[int]:
    """Nodes under `if TYPE_CHECKING:` (never run)."""
    skip: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for sub in ast.walk(node):
                skip.add(id(sub))
    return skip


def make_mutants(source: str) -> list[Mutant]:
    """Every mutant of a module, in source order."""
    tree = ast.parse(source)
    off = _Offsets(source)
    skip = _annotation_nodes(tree) | _docstrings(tree) | _type_checking_blocks(tree)
    found: list[tuple[int, int, int, int, str, int, int, str]] = []

    def span(node: ast.AST) -> tuple[int, int]:
        return (
            off(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            off(node.end_lineno, node.end_col_offset),  # type: ignore[attr-defined]
        )

    def add(node: ast.AST, kind: str, text: str, start: int | None = None) -> None:
        a, b = span(node)
        if start is not None:
            a = start
        found.append(
            (
                node.lineno,  # type: ignore[attr-defined]
                node.end_lineno,  # type: ignore[attr-defined]
                node.col_offset,  # type: ignore[attr-defined]
                len(found),
                kind,
                a,
                b,
                text,
            )
        )

    def expr(node: ast.expr) -> str:
        return "(" + ast.unparse(node) + ")"

    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    in_function: set[int] = set()
    for fn in functions:
        for sub in ast.walk(fn):
            if sub is not fn:
                in_function.add(id(sub))

    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        # Whole function bodies.
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            body = [s for s in node.body if id(s) not in skip]
            if body and not (len(body) == 1 and isinstance(body[0], ast.Pass)):
                first, last = body[0], body[-1]
                a = off(first.lineno, first.col_offset)
                b = off(last.end_lineno, last.end_col_offset)  # type: ignore[arg-type]
                found.append(
                    (
                        first.lineno,
                        last.end_lineno or first.lineno,
                        first.col_offset,
                        len(found),
                        f"body of {node.name}() -> return None",
                        a,
                        b,
                        "return None",
                    )
                )
        # Single statements inside functions.
        if (
            isinstance(node, ast.stmt)
            and id(node) in in_function
            and not isinstance(node, ast.Pass | ast.FunctionDef | ast.AsyncFunctionDef)
            and not isinstance(node, ast.Global | ast.Nonlocal)
        ):
            add(node, "statement -> pass", "pass")
        if isinstance(node, ast.Compare):
            for i, op in enumerate(node.ops):
                flipped = FLIP.get(type(op))
                if flipped is not None:
                    new = ast.Compare(
                        left=node.left,
                        ops=[*node.ops[:i], flipped(), *node.ops[i + 1 :]],
                        comparators=node.comparators,
                    )
                    add(node, "comparison flipped", expr(new))
        if isinstance(node, ast.If | ast.While | ast.IfExp):
            add(node.test, "condition negated", f"(not {expr(node.test)})")
        if isinstance(node, ast.comprehension):
            for cond in node.ifs:
                add(cond, "filter negated", f"(not {expr(cond)})")
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.Not):
            add(node, "not removed", expr(node.operand))
        if isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            add(node, "and/or swapped", expr(ast.BoolOp(op=other, values=node.values)))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
            op = ast.Sub() if isinstance(node.op, ast.Add) else ast.Add()
            if not (
                isinstance(node.left, ast.JoinedStr | ast.Constant) and isinstance(op, ast.Sub)
            ):
                add(node, "+/- swapped", expr(ast.BinOp(left=node.left, op=op, right=node.right)))
        if isinstance(node, ast.Constant):
            v = node.value
            if isinstance(v, bool):
                add(node, "constant changed", repr(not v))
            elif isinstance(v, int | float):
                add(node, "constant changed", repr(v + 1))
            elif isinstance(v, str):
                add(node, "string changed", repr("XX" + v + "XX"))
            elif isinstance(v, bytes):
                add(node, "bytes changed", repr(b"XX" + v + b"XX"))
        if isinstance(node, ast.JoinedStr):
            add(node, "f-string changed", f"({ast.get_source_segment(source, node)} + 'XX')")
        if isinstance(node, ast.List | ast.Tuple | ast.Set) and not isinstance(
            getattr(node, "ctx", ast.Load()), ast.Store | ast.Del
        ):
            if any(isinstance(e, ast.Starred) for e in node.elts) and len(node.elts) == 1:
                continue
            for i in range(len(node.elts)):
                rest = [*node.elts[:i], *node.elts[i + 1 :]]
                if isinstance(node, ast.Set) and not rest:
                    continue
                cls = type(node)
                new = cls(elts=rest, ctx=ast.Load()) if cls is not ast.Set else ast.Set(elts=rest)
                add(node, f"element {i + 1} removed", expr(new))
        if isinstance(node, ast.Dict):
            for i in range(len(node.keys)):
                new = ast.Dict(
                    keys=[*node.keys[:i], *node.keys[i + 1 :]],
                    values=[*node.values[:i], *node.values[i + 1 :]],
                )
                add(node, f"entry {i + 1} removed", expr(new))

    found.sort()
    mutants = []
    for line, end_line, col, _n, kind, a, b, text in found:
        mutated = source[:a] + text + source[b:]
        try:
            ast.parse(mutated)
        except SyntaxError:
            continue
        if mutated == source:
            continue
        mutants.append(Mutant(len(mutants), line, end_line, col, kind, a, b, text))
    return mutants


# --- running --------------------------------------------------------------------------------


_TRACER = '''
"""pytest plugin: record which lines of one file the tests execute."""
import json, os, sys, threading

_TARGET = os.path.realpath(os.environ["MUTANTS_TARGET"])
_LINES = set()


def _local(frame, event, arg):
    if event == "line":
        _LINES.add(frame.f_lineno)
    return _local


_SEEN = {}


def _global(frame, event, arg):
    name = frame.f_code.co_filename
    hit = _SEEN.get(name)
    if hit is None:
        hit = _SEEN[name] = os.path.realpath(name) == _TARGET
    if hit:
        _LINES.add(frame.f_lineno)
        return _local
    return None


def pytest_configure(config):
    sys.settrace(_global)
    threading.settrace(_global)


def pytest_unconfigure(config):
    sys.settrace(None)
    with open(os.environ["MUTANTS_LINES"], "w") as fh:
        json.dump(sorted(_LINES), fh)
'''


def statement_spans(source: str) -> list[tuple[int, int]]:
    """First and last line of every statement of the module."""
    return [
        (n.lineno, n.end_lineno or n.lineno)
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.stmt)
    ]


def is_reached(m: Mutant, spans: list[tuple[int, int]], covered: set[int]) -> bool:
    """Whether the tests ran the innermost statement holding the mutant. Python reports a
    line event only for lines with bytecode, so an element of a folded constant (a tuple of
    strings over many lines) is judged by its statement, not by its own line."""
    around = [s for s in spans if s[0] <= m.line and m.end_line <= s[1]]
    lo, hi = min(around, key=lambda s: s[1] - s[0]) if around else (m.line, m.end_line)
    return any(line in covered for line in range(min(lo, m.line), max(hi, m.end_line) + 1))


def copy_rev(dest: Path, rev: str, extra: list[str]) -> None:
    """The repository as committed at `rev` (read with git archive; the working tree is left
    alone), plus the named files that the revision lacks (new test files) from the tree."""
    dest.mkdir(parents=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", rev],
        capture_output=True,
        check=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True)
    for rel in extra:
        if not (dest / rel).exists():
            (dest / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / rel, dest / rel)


def copy_repo(dest: Path) -> None:
    def ignore(folder: str, names: list[str]) -> set[str]:
        rel = Path(folder).resolve().relative_to(REPO.resolve()).as_posix()
        out = {n for n in names if n in EXCLUDE}
        out |= {n for n in names if (f"{rel}/{n}" if rel != "." else n) in EXCLUDE_PATHS}
        return out

    shutil.copytree(REPO, dest, ignore=ignore, symlinks=True)


def run_tests(
    copy: Path, tests: list[str], env: dict[str, str], timeout: float | None, extra: list[str]
) -> tuple[str, float]:
    """Run pytest in the copy: 'passed', 'failed' or 'timeout', and the seconds it took."""
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *extra, *tests]
    t0 = time.monotonic()
    log = copy.parent / "pytest.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(
            cmd,
            cwd=copy,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the run we started, with its own workers
        proc.wait()
        return "timeout", time.monotonic() - t0
    return ("passed" if code == 0 else "failed"), time.monotonic() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("module", help="the module to mutate, e.g. briefgen/validate.py")
    ap.add_argument("tests", nargs="+", help="test files to run against each mutant")
    ap.add_argument("--limit", type=int, default=None, help="run at most N mutants")
    ap.add_argument("--sample", type=int, default=None, help="shuffle the mutants by this seed")
    ap.add_argument("--timeout", type=float, default=None, help="seconds per mutant")
    ap.add_argument("--list", action="store_true", help="only list the mutants")
    ap.add_argument("--json", type=Path, default=None, help="also write the results here")
    ap.add_argument("--quiet", action="store_true", help="no line per mutant")
    ap.add_argument(
        "--only",
        default=None,
        help="run only these mutants: comma-separated numbers, or a --json report of an "
        "earlier run (its survivors); as tests are only ever added, a mutant an earlier run "
        "killed stays killed, so this measures what new test files add",
    )
    ap.add_argument(
        "--rev",
        default=None,
        help="mutate the code as committed at this revision (e.g. HEAD) instead of the working "
        "tree; test files the revision lacks are taken from the working tree",
    )
    args = ap.parse_args(argv)

    module = Path(args.module)
    if args.rev:
        source = subprocess.run(
            ["git", "-C", str(REPO), "show", f"{args.rev}:{module.as_posix()}"],
            capture_output=True,
            check=True,
            text=True,
        ).stdout
    else:
        source = (REPO / module).read_text("utf-8")
    mutants = make_mutants(source)
    chosen = list(mutants)
    if args.sample is not None:
        random.Random(args.sample).shuffle(chosen)
    if args.limit is not None:
        chosen = chosen[: args.limit]
    if args.only:
        if Path(args.only).is_file():
            earlier = json.loads(Path(args.only).read_text("utf-8"))
            wanted = {s["index"] for s in earlier["survived"]}
        else:
            wanted = {int(n) for n in args.only.split(",") if n.strip()}
        chosen = [m for m in mutants if m.index in wanted]
    if args.list:
        for m in chosen:
            print(f"#{m.index} {m.describe(source)}")
        print(f"{len(chosen)} of {len(mutants)} mutants")
        return 0

    with tempfile.TemporaryDirectory(prefix="mutants-") as tmp:
        copy = Path(tmp) / "repo"
        if args.rev:
            copy_rev(copy, args.rev, args.tests)
        else:
            copy_repo(copy)
        target = copy / module
        pyc = Path(tmp) / "pycache"
        plugin_dir = Path(tmp) / "plugin"
        plugin_dir.mkdir()
        (plugin_dir / "_mutants_trace.py").write_text(_TRACER, "utf-8")
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTEST_", "COV_"))}
        env.update(
            PYTHONPATH=os.pathsep.join([str(copy), str(plugin_dir)]),
            PYTHONPYCACHEPREFIX=str(pyc),
            PYTHONHASHSEED="0",
            MUTANTS_TARGET=str(target),
            MUTANTS_LINES=str(Path(tmp) / "lines.json"),
        )
        where = subprocess.run(
            [sys.executable, "-c", "import briefgen, sys; sys.stdout.write(briefgen.__file__)"],
            cwd=copy,
            env=env,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        if not Path(where).resolve().is_relative_to(copy.resolve()):
            print(f"the copy is not the package imported ({where})", file=sys.stderr)
            return 2

        # Baseline: the unmutated copy must pass, under the line tracer.
        status, _ = run_tests(copy, args.tests, env, None, ["-p", "_mutants_trace"])
        if status != "passed":
            tail = (copy.parent / "pytest.log").read_text("utf-8", "replace")[-3000:]
            print(tail, file=sys.stderr)
            print("the tests fail on the unmutated code; fix that first", file=sys.stderr)
            return 2
        covered = set(json.loads(Path(env["MUTANTS_LINES"]).read_text()))
        _status, t_plain = run_tests(copy, args.tests, env, None, [])
        timeout = args.timeout or max(30.0, 4 * t_plain)
        print(
            f"{module}: {len(mutants)} mutants, {len(chosen)} chosen; baseline {t_plain:.1f} s, "
            f"timeout {timeout:.0f} s",
            flush=True,
        )

        spans = statement_spans(source)
        results: dict[str, list[Mutant]] = {
            "killed": [],
            "survived": [],
            "timeout": [],
            "not reached": [],
        }
        stat = target.stat()
        for n, m in enumerate(chosen, 1):
            if not is_reached(m, spans, covered):
                results["not reached"].append(m)
                continue
            target.write_text(source[: m.start] + m.text + source[m.end :], "utf-8")
            os.utime(target, (stat.st_atime, stat.st_mtime + n))  # never a stale .pyc
            for stale in pyc.rglob(f"{target.stem}.*.pyc"):
                if stale.parent.name == target.parent.name:
                    stale.unlink()
            status, _seconds = run_tests(copy, args.tests, env, timeout, [])
            verdict = {"failed": "killed", "passed": "survived", "timeout": "timeout"}[status]
            results[verdict].append(m)
            if not args.quiet:
                print(f"[{n}/{len(chosen)}] {verdict:8} {m.describe(source)}", flush=True)
        target.write_text(source, "utf-8")

    reached = len(chosen) - len(results["not reached"])
    killed = len(results["killed"]) + len(results["timeout"])
    pct = 100.0 * killed / reached if reached else 0.0
    print()
    print(f"module:      {module}")
    print(f"tests:       {' '.join(args.tests)}")
    print(f"mutants:     {len(mutants)} in the module, {len(chosen)} run")
    print(f"not reached: {len(results['not reached'])}")
    print(f"reached:     {reached}")
    print(f"killed:      {len(results['killed'])} (+ {len(results['timeout'])} timeouts)")
    print(f"survived:    {len(results['survived'])}")
    print(f"score:       {pct:.1f}% of the reached mutants killed")
    if results["survived"]:
        print("survivors:")
        for m in sorted(results["survived"], key=lambda m: m.index):
            print(f"  #{m.index} {m.describe(source)}")
    if args.json:
        out = {
            "module": str(module),
            "tests": args.tests,
            "mutants": len(mutants),
            "chosen": len(chosen),
            "reached": reached,
            "killed": len(results["killed"]),
            "timeout": len(results["timeout"]),
            "survived": [
                {"index": m.index, "where": m.describe(source)} for m in results["survived"]
            ],
            "not_reached": [m.index for m in results["not reached"]],
        }
        args.json.write_text(json.dumps(out, indent=2) + "\n", "utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
