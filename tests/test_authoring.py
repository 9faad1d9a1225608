"""The author's side of the command line: syntax errors at the line to change, warnings
beside errors (and in `build`), -q/-v, help with examples, shell completion, the preview URL."""

from __future__ import annotations

import json
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen.cache import fast_valid
from briefgen.load import LoadError, parse_text
from tests.conftest import REPO, run

BASE = REPO / "tests" / "mistakes" / "base"
ISSUE = "briefs/issues/gerd-filling.yaml"
TODAY = "2026-12-05"
YAML_BITS = [
    "id: x",
    "title: a: b",
    "  nested: 1",
    "\tkey: tab",
    "- item",
    "  - item",
    'q: "open',
    "q: 'open",
    "l: [a, b",
    "m: {a: 1",
    "]",
    "k:v",
    "-x",
    "text: >-",
    "    prose line",
    "bare words",
    "@at",
    "`tick`",
    "%pct",
    '"closed" tail',
    "key:",
    "",
    "# comment",
    "ünï: cödé",
]


@pytest.fixture
def base(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    shutil.copytree(BASE, root)
    return root


def test_an_indentation_slip_is_reported_at_the_line_that_slipped() -> None:
    """Every line of the base issue moved 1 or 2 spaces either way: where that breaks the
    YAML, the error names the moved line (184 of 190; the parser's own line: 136)."""
    text = (BASE / ISSUE).read_text("utf-8")
    lines = text.split("\n")
    hits = misses = 0
    for n, line in enumerate(lines, start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        indent = len(line) - len(line.lstrip())
        for shift in (-2, -1, 1, 2):
            if indent + shift < 0:
                continue
            moved = [*lines[: n - 1], " " * (indent + shift) + line.lstrip(), *lines[n:]]
            try:
                parse_text("\n".join(moved), "x.yaml", fits=lambda d: fast_valid("issue", d))
            except LoadError as exc:
                hits, misses = (hits + 1, misses) if exc.line == n else (hits, misses + 1)
    assert hits + misses > 150
    assert hits / (hits + misses) >= 0.95, (hits, misses)


def test_json_output_stays_one_record_per_problem(base: Path) -> None:
    path = base / ISSUE
    path.write_text(path.read_text("utf-8").replace("status: draft  #", "status:draft  #"))
    res = run("-C", base, "validate", "--format", "json", "--today", TODAY)
    assert res.code == 1 and res.err == ""
    (record,) = json.loads(res.out)
    assert (record["path"], record["line"], record["col"]) == (ISSUE, 7, 7)
    assert record["message"].startswith("missing space after 'status:'")


def test_github_format_has_no_excerpt(base: Path) -> None:
    path = base / ISSUE
    path.write_text(
        path.read_text("utf-8").replace("principals: [ethiopia, egypt]", "principals: [a")
    )
    res = run("-C", base, "validate", "--format", "github", "--today", TODAY)
    assert res.code == 1
    assert res.err.startswith(f"::error file={ISSUE},line=11,col=13::the list opened with '['")
    assert res.err.count("\n") == 1


def test_quiet_prints_only_errors_and_verbose_says_how_long(base: Path) -> None:
    book = base / "briefs/books/nile-waters.yaml"
    book.write_text(book.read_text("utf-8").replace("audience: Staff", "audience: TODO Staff"))
    quiet = run("-C", base, "validate", "-q", "--today", TODAY)
    assert (quiet.code, quiet.out, quiet.err) == (0, "", "")
    loud = run("-C", base, "validate", "-v", "--today", TODAY)
    assert loud.code == 0 and loud.out == "ok: 1 issues, 1 books\n"
    assert "warning: 'TODO' placeholder" in loud.err
    assert re.search(r"^briefgen validate: done in \d+\.\d\d s \(exit 0\)$", loud.err, re.M)
    both = run("-C", base, "validate", "-q", "-v")
    assert both.code == 2 and "not allowed with argument" in both.err


COMMANDS = [
    "init",
    "validate",
    "schema",
    "build",
    "site",
    "serve",
    "diff",
    "new",
    "templates",
    "completion",
]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_command_has_a_description_an_example_and_q_v(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    res = run(command, "--help")  # argparse prints help on sys.stdout itself
    assert res.code == 0
    out = capsys.readouterr().out
    usage, description = out.split("\n\n")[:2]
    assert "[-q | -v]" in usage
    assert len(description) > 40 and not description.startswith(("options", "positional"))
    example = out.split("example:\n", 1)[1]
    assert example.lstrip().startswith(f"briefgen {command}")
    for line in out.splitlines():  # every option explains itself
        m = re.match(r"  (-\S+(?:, -\S+)*)( [A-Z_{},]+)?$", line)
        assert not m, f"{command}: {line!r} has no help text"


def test_bash_completion_completes_commands_options_and_choices(tmp_path: Path) -> None:
    script = tmp_path / "briefgen.bash"
    res = run("completion", "bash")
    assert res.code == 0 and res.out.endswith("\n")
    script.write_text(res.out, "utf-8")

    def complete(*words: str) -> list[str]:
        line = " ".join(words)
        probe = (
            f"source {script}\n"
            f"COMP_WORDS=({line}); COMP_CWORD={len(words) - 1}; COMP_LINE='{line}'\n"
            "COMP_POINT=${#COMP_LINE}\n"
            "$(complete -p briefgen | sed 's/.* -F \\([^ ]*\\) .*/\\1/')\n"
            'printf "%s\\n" "${COMPREPLY[@]}"\n'
        )
        out = subprocess.run(["bash", "-c", probe], capture_output=True, text=True, check=True)
        return out.stdout.split()

    assert complete("briefgen", "bu") == ["build"]
    assert set(complete("briefgen", "")) >= set(COMMANDS)
    assert complete("briefgen", "build", "--page-size", "''") == ["A4", "Letter"]
    assert complete("briefgen", "validate", "--for") == ["--format"]
    assert complete("briefgen", "validate", "--format", "''") == ["text", "github", "json"]
    assert complete("briefgen", "completion", "''") == ["bash", "zsh"]


@pytest.mark.skipif(shutil.which("zsh") is None, reason="zsh: scripts/system-deps.sh test")
def test_zsh_completion_registers_with_compinit(tmp_path: Path) -> None:
    res = run("completion", "zsh")
    assert res.code == 0
    (tmp_path / "_briefgen").write_text(res.out, "utf-8")
    probe = (
        f"fpath=({tmp_path} $fpath); autoload -Uz compinit; compinit -u -d {tmp_path}/dump\n"
        "print -r -- $_comps[briefgen]\n"
        "autoload -Uz +X _briefgen; print -r -- ${functions[_briefgen]}\n"
    )
    env = {**os.environ, "HOME": str(tmp_path)}
    out = subprocess.run(["zsh", "-f", "-c", probe], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr
    first, body = out.stdout.split("\n", 1)
    assert first == "_briefgen"  # compinit found it on the fpath, for the briefgen command
    assert "_shtab_briefgen_commands" in body
    assert "build:'render Markdown, HTML, PDF and Word for every issue and book'" in body


def test_build_prints_the_warnings_and_repeats_them_when_up_to_date(base: Path) -> None:
    path = base / ISSUE
    text = path.read_text("utf-8")
    path.write_text(text.replace("  principles in 2015,", "  principles in 2015 <b>x</b>,"))
    warning = f"{ISSUE}:15:22: warning: raw HTML '<b>'"
    first = run("-C", base, "build", "--format", "md", "-j", "1")
    assert first.code == 0 and warning in first.err
    again = run("-C", base, "build", "--format", "md", "-j", "1")
    assert again.out.startswith("up to date") and warning in again.err
    assert "0 error(s), 1 warning(s)" in again.err
    # An issue edit revalidates only that issue: its warnings are the new ones.
    path.write_text(
        text.replace("audience", "audience").replace(
            "  principles in 2015,", "  principles in 2015 (TODO),"
        )
    )
    edited = run("-C", base, "build", "--format", "md", "-j", "1", "-v")
    assert warning not in edited.err
    assert f"{ISSUE}:15:23: warning: 'TODO' placeholder" in edited.err
    assert "kept md/nile-waters.md" in edited.err or "wrote" in edited.out
    assert run("-C", base, "build", "--format", "md", "-q").err == ""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_prints_the_url_to_open(base: Path) -> None:
    port = _free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "briefgen", "-C", str(base), "serve", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(2)]  # a log line of the first build
        url = f"http://127.0.0.1:{port}/"
        assert f"Preview ready: open {url} (serving {base}; Ctrl-C to stop)\n" in lines
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(url + "index.html", timeout=5) as page:
                    assert b"Nile Waters" in page.read()
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_the_issues_example_a_stance_moved_left_is_reported_at_its_line(project: Path) -> None:
    """Issue 20's report: a stance moved left (line 74 of ukraine.yaml then) was reported by
    the parser on the next line, and four other files said `unknown issue 'ukraine'` first."""
    path = project / "briefs/issues/ukraine.yaml"
    lines = path.read_text("utf-8").split("\n")
    k = next(
        i
        for i, x in enumerate(lines)
        if x.startswith("      russia: ") and lines[i - 1].startswith("      united-states: ")
    )
    moved = lines[k][2:]
    lines[k] = moved
    path.write_text("\n".join(lines), "utf-8")
    res = run("-C", project, "validate", "--today", "2025-09-01")
    assert res.code == 1
    n = k + 1  # the moved line, 1-based
    err = res.err.splitlines()
    assert err[0] == (
        f"briefs/issues/ukraine.yaml:{n}:5: error: wrong indentation: this line is indented by "
        f"4, but it belongs at 6, like line {n - 1}; and 4 references to 'ukraine' from other "
        "files cannot be checked until this is fixed"
    )
    assert err[1:6] == [
        f"{n - 2:>3} | {lines[k - 2]}",
        f"{n - 1:>3} | {lines[k - 1]}",
        f"{n:>3} | {moved}",
        "    |     ^",
        f"{n + 1:>3} | {lines[k + 1]}",
    ]
    assert err[-1] == "1 error(s), 0 warning(s)"


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.sampled_from(YAML_BITS), min_size=1, max_size=12))
def test_any_broken_yaml_is_one_located_error_with_its_line_shown(bits: list[str]) -> None:
    """Lines of YAML in any order: either data, or one LoadError at a real line whose
    excerpt shows that line with a caret; never another exception."""
    text = "\n".join(bits)
    try:
        parse_text(text, "x.yaml", fits=lambda d: fast_valid("issue", d))
    except LoadError as exc:
        lines = text.split("\n")
        assert 1 <= exc.line <= len(lines) + 1 and exc.col >= 1
        if exc.excerpt:
            number = f" {exc.line:>{len(exc.excerpt[0].split('|')[0]) - 2}} |"
            at = [i for i, x in enumerate(exc.excerpt) if x.startswith(number)]
            assert at and exc.excerpt[at[0] + 1].rstrip().endswith("^")
