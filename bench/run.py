"""`make bench`: briefgen against the tools people would use instead, side by side, one run.

Every figure is the median of several runs of a whole process (start-up included), and every
ratio compares figures taken in the same run, because the machine is shared and noisy. Peak
memory is the largest resident set of any one process of the command, in MB of 10^6 bytes
(wait4's ru_maxrss, as `/usr/bin/time -v` reports it). Writes docs/benchmarks.md.

Usage: .venv/bin/python bench/run.py [--runs N] [--sizes 10,100,500] [--out docs/benchmarks.md]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
WORK = HERE / ".work"
sys.path.insert(0, str(HERE))

from corpus import make_corpus  # noqa: E402
from targets import evaluate  # noqa: E402

PY = sys.executable
TOOLS_VENV = WORK / "tools"
TOOL_PINS = ["mkdocs>=1.6,<1.7", "yamllint>=1.35,<2"]
TODAY = "2025-09-01"  # the synthetic briefs are "reviewed" 2025-08-10: no staleness warnings
GIT_ENV = {
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": "/dev/null",
    "GIT_AUTHOR_NAME": "Bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "Bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
    "GIT_AUTHOR_DATE": "2025-08-10T10:00:00+00:00",
    "GIT_COMMITTER_DATE": "2025-08-10T10:00:00+00:00",
}


# --- running and timing ----------------------------------------------------------------------


@dataclass
class Measure:
    """Wall-clock seconds and peak resident memory (MB) of each run of one command."""

    name: str
    seconds: list[float] = field(default_factory=list)
    rss_mb: list[float] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        """Median seconds."""
        return statistics.median(self.seconds)

    @property
    def peak(self) -> float:
        """Largest peak RSS over the runs, MB."""
        return max(self.rss_mb)


CODE = WORK / "code"  # a frozen copy of briefgen/ and templates/ that every command runs


def snapshot_code() -> None:
    """Freeze the code for the whole run: an edit in the work tree mid-run (the code is an
    input of every output) would turn no-op rebuilds into full ones and skew the figures."""
    rm(CODE)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")  # compiled below, for this copy
    shutil.copytree(REPO / "briefgen", CODE / "briefgen", ignore=ignore)
    shutil.copytree(REPO / "templates", CODE / "templates", ignore=ignore)
    subprocess.run([PY, "-m", "compileall", "-q", str(CODE)], env=env_for(), check=True)


def env_for(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment every measured command runs in."""
    env = dict(os.environ)
    env.update({"BRIEFGEN_TODAY": TODAY, "LC_ALL": "C.UTF-8", "PYTHONHASHSEED": "0"})
    env["PYTHONPATH"] = str(CODE)
    # As installed tools run: from compiled bytecode (pip writes it for every package; the
    # snapshot of briefgen gets it from compileall). A shell with PYTHONDONTWRITEBYTECODE or a
    # PYTHONPYCACHEPREFIX would make runs compile sources again.
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    env.pop("PYTHONPYCACHEPREFIX", None)
    env.update(extra or {})
    return env


def timed(cmd: Sequence[str | Path], cwd: Path, ok: Sequence[int] = (0,)) -> tuple[float, float]:
    """Run one command; its wall-clock seconds and peak RSS in MB."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        [str(c) for c in cmd],
        cwd=cwd,
        env=env_for(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode not in ok:
        raise RuntimeError(
            f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{err.decode()[-2000:]}"
        )
    return seconds, usage.ru_maxrss * 1024 / 1e6  # KiB to MB (10^6 bytes)


def measure(
    name: str,
    cmd: Sequence[str | Path],
    cwd: Path,
    runs: int,
    before: Callable[[int], None] | None = None,
    ok: Sequence[int] = (0,),
    note: str = "",
) -> Measure:
    """Run a command `runs` times (after `before(i)` each time) and keep every figure."""
    m = Measure(name, note=note)
    for i in range(runs):
        if before is not None:
            before(i)
        s, rss = timed(cmd, cwd, ok)
        m.seconds.append(s)
        m.rss_mb.append(rss)
    print(f"  {name}: median {m.median:.3f} s, peak {m.peak:.0f} MB", flush=True)
    return m


@dataclass
class Spec:
    """One command to measure: what runs, where, and what is done before each run."""

    name: str
    cmd: Sequence[str | Path]
    cwd: Path
    before: Callable[[int], None] | None = None
    ok: Sequence[int] = (0,)


def interleaved(specs: Sequence[Spec], runs: int) -> dict[str, Measure]:
    """Run the commands in turn, run by run (A B C, A B C, ...), so that a drift in the
    machine's load hits every command of a comparison alike."""
    out = {s.name: Measure(s.name) for s in specs}
    for i in range(runs):
        for s in specs:
            if s.before is not None:
                s.before(i)
            seconds, rss = timed(s.cmd, s.cwd, s.ok)
            out[s.name].seconds.append(seconds)
            out[s.name].rss_mb.append(rss)
    for s in specs:
        print(f"  {s.name}: median {out[s.name].median:.3f} s, peak {out[s.name].peak:.0f} MB")
    return out


def settle(max_wait: float = 90.0, below: float = 1.0) -> float:
    """Wait (a while) for the machine to go quiet; the 1-minute load average when we start."""
    deadline = time.time() + max_wait
    while os.getloadavg()[0] > below and time.time() < deadline:
        time.sleep(5)
    return os.getloadavg()[0]


def rm(*paths: Path) -> None:
    """Remove folders or files if present."""
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def git_commit_all(root: Path) -> None:
    """Make `root` a git repository with one commit, so briefs have a history to show."""
    env = {**os.environ, **GIT_ENV}
    subprocess.run(["git", "init", "-q", "-b", "main"], cwd=root, env=env, check=True)
    (root / ".gitignore").write_text("build/\n.briefgen-cache/\n")
    subprocess.run(["git", "add", "-A"], cwd=root, env=env, check=True)
    subprocess.run(["git", "commit", "-q", "-m", "corpus"], cwd=root, env=env, check=True)


# --- tools -------------------------------------------------------------------------------------


def tools() -> dict[str, Path]:
    """mkdocs and yamllint in their own venv (installed here), and Debian's hugo."""
    bindir = TOOLS_VENV / "bin"
    if not (bindir / "mkdocs").exists() or not (bindir / "yamllint").exists():
        print("installing mkdocs and yamllint into bench/.work/tools ...", flush=True)
        subprocess.run([sys.executable, "-m", "venv", str(TOOLS_VENV)], check=True)
        pip = subprocess.run(
            [str(bindir / "python"), "-m", "pip", "install", "--quiet",
             "--disable-pip-version-check", *TOOL_PINS],
            capture_output=True, text=True, check=False,
        )  # fmt: skip
        if pip.returncode != 0:
            raise SystemExit(f"pip could not install {TOOL_PINS}:\n{pip.stderr[-3000:]}")
    hugo = shutil.which("hugo")
    if hugo is None:
        raise SystemExit("hugo is missing: run `bash scripts/system-deps.sh bench` (make bench)")
    return {"mkdocs": bindir / "mkdocs", "yamllint": bindir / "yamllint", "hugo": Path(hugo)}


INSTRUCTIONS_SIZE = 100  # the corpus whose cold site is also counted in instructions


def instructions(root: Path) -> str:
    """Instructions of a cold HTML site of `root`, summed over every process (callgrind).

    Unlike seconds, the count does not move with the machine's load, so it shows a change
    in the work itself between two commits. Under valgrind, OpenSSL cannot use the CPU's
    SHA instructions, so hashing counts for far more than it costs natively.
    """
    if shutil.which("valgrind") is None:
        return "not counted (valgrind is missing: `bash scripts/system-deps.sh bench`)"
    out = WORK / "callgrind"
    rm(out, root / "build", root / ".briefgen-cache")
    out.mkdir()
    subprocess.run(
        ["valgrind", "-q", "--tool=callgrind", "--trace-children=yes",
         f"--callgrind-out-file={out}/%p.out", *map(str, site_html(root))],
        cwd=root, env=env_for(), check=True, stdout=subprocess.DEVNULL,
    )  # fmt: skip
    total = 0
    for f in out.glob("*.out"):
        with f.open(errors="replace") as fh:
            total += next(
                (int(line.split()[1]) for line in fh if line.startswith(("summary:", "totals:"))),
                0,
            )
    rm(out)
    return f"{total / 1e9:.2f} G"


def version_of(cmd: Sequence[str | Path]) -> str:
    """The first line a tool prints about its version."""
    out = subprocess.run(
        [str(c) for c in cmd], capture_output=True, text=True, check=False, env=env_for()
    )
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) else "?"


def machine() -> dict[str, str]:
    """What this run ran on."""
    cpu = "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = "?"
    try:
        kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))  # type: ignore[union-attr]
        ram = f"{kb / 1024 / 1024:.1f} GiB"
    except (OSError, AttributeError):
        pass
    return {
        "CPU": cpu,
        "cores": f"{os.cpu_count()} (usable: {len(os.sched_getaffinity(0))})",
        "RAM": ram,
        "OS": platform.platform(),
        "Python": platform.python_version(),
        "load average at start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


# --- projects ----------------------------------------------------------------------------------


def shipped_project(dest: Path) -> Path:
    """A private copy of the shipped content, in its own git repository."""
    rm(dest)
    dest.mkdir(parents=True)
    shutil.copy2(REPO / "briefgen.yaml", dest / "briefgen.yaml")
    shutil.copytree(REPO / "briefs", dest / "briefs")
    git_commit_all(dest)
    return dest


def corpus_project(dest: Path, n: int) -> Path:
    """A synthetic project of `n` valid issues, in its own git repository."""
    make_corpus(dest, n)
    git_commit_all(dest)
    return dest


def briefgen(*args: str | Path) -> list[str | Path]:
    """The briefgen command line, run from this venv."""
    return [PY, "-m", "briefgen", *args]


def site_html(root: Path, *args: str | Path) -> list[str | Path]:
    """`briefgen site` without PDF downloads (the HTML site that mkdocs and Hugo make)."""
    return [PY, HERE / "site_html.py", root, *args]


FLOOR = """
import sys, weasyprint
from pathlib import Path
assets = Path(sys.argv[1]).resolve()
for name in sys.argv[3:]:
    html = (Path(sys.argv[2]) / name).read_text("utf-8")
    doc = weasyprint.HTML(string=html, base_url=None).render(
        pdf_variant="pdf/ua-1", pdf_tags=True)
    doc.write_pdf(pdf_variant="pdf/ua-1", pdf_tags=True, pdf_identifier=b"briefgen",
                  attachments=[])
"""


def two_core_bound(costs: dict[str, float], j1: float) -> dict[str, str]:
    """The best -j2 speed-up whole briefs allow: per-brief seconds (medians over the -j1
    runs), split over two cores as evenly as possible, plus the serial rest of a -j1 run."""
    import itertools

    items = sorted(costs.items(), key=lambda kv: -kv[1])
    total = sum(costs.values())
    best = total
    for r in range(len(items) + 1):
        for group in itertools.combinations(costs.values(), r):
            best = min(best, max(sum(group), total - sum(group)))
    serial = max(0.0, j1 - total)
    shown = ", ".join(f"{k.split('/')[1]} {v:.2f}" for k, v in items)
    return {
        "PDF seconds per brief (median of the -j1 builds)": f"{shown}; total {total:.2f}",
        "best -j2 speed-up whole briefs allow": (
            f"{(serial + total) / (serial + best):.2f}× (best two-core split {best:.2f} s of "
            f"{total:.2f} s; serial rest of -j1 {serial:.2f} s)"
        ),
    }


def mkdocs_project(dest: Path, md_dir: Path) -> Path:
    """An mkdocs project whose pages are briefgen's Markdown of the same issues."""
    rm(dest)
    docs = dest / "docs"
    docs.mkdir(parents=True)
    names = sorted(p.name for p in md_dir.glob("*.md"))
    for name in names:
        shutil.copy2(md_dir / name, docs / name)
    (docs / "index.md").write_text(
        "# Policy briefs\n\n" + "".join(f"- [{n[:-3]}]({n})\n" for n in names)
    )
    (dest / "mkdocs.yml").write_text("site_name: Policy briefs\nuse_directory_urls: false\n")
    return dest


def hugo_project(dest: Path, md_dir: Path) -> Path:
    """A Hugo site whose pages are the same Markdown, with a minimal layout of our own."""
    rm(dest)
    content = dest / "content" / "issues"
    content.mkdir(parents=True)
    for p in sorted(md_dir.glob("*.md")):
        text = p.read_text("utf-8")
        m = re.match(r"# (.+)\n", text)
        title = (m.group(1) if m else p.stem).replace('"', "'")
        body = text[m.end() :] if m else text
        (content / p.name).write_text(f'---\ntitle: "{title}"\n---\n{body}', "utf-8")
    (dest / "content" / "_index.md").write_text("---\ntitle: Policy briefs\n---\n")
    (dest / "hugo.toml").write_text(
        'baseURL = "https://briefs.example.org/"\ntitle = "Policy briefs"\n'
        'disableKinds = ["taxonomy", "term"]\n[markup.goldmark.renderer]\nunsafe = false\n'
    )
    layouts = dest / "layouts" / "_default"
    layouts.mkdir(parents=True)
    (layouts / "baseof.html").write_text(
        "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ .Title }}</title>"
        '</head><body><nav><a href="{{ "/" | relURL }}">Home</a></nav>'
        '<main>{{ block "main" . }}{{ end }}</main></body></html>\n'
    )
    (layouts / "single.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}{{ end }}\n'
    )
    (layouts / "list.html").write_text(
        '{{ define "main" }}<h1>{{ .Title }}</h1><ul>{{ range .RegularPagesRecursive }}'
        '<li><a href="{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}\n'
    )
    return dest


def touch_issue(path: Path, i: int) -> None:
    """Change one issue's subtitle (a real content change, still valid)."""
    text = path.read_text("utf-8")
    text = re.sub(r"^subtitle: (.*?)( \(edit \d+\))?$", rf"subtitle: \1 (edit {i})", text,
                  count=1, flags=re.M)  # fmt: skip
    path.write_text(text, "utf-8")


def touch_md(path: Path, i: int) -> None:
    """Change one Markdown page's text."""
    text = path.read_text("utf-8")
    text = re.sub(r"\n\nEdit \d+\.\n$", "\n", text)
    path.write_text(text.rstrip("\n") + f"\n\nEdit {i}.\n", "utf-8")


# --- the benchmark -----------------------------------------------------------------------------


def run(runs: int, sizes: list[int]) -> tuple[dict[str, Measure], dict[str, str], dict[str, str]]:
    """Every measurement of the benchmark."""
    WORK.mkdir(exist_ok=True)
    snapshot_code()
    bins = tools()
    versions = {
        "briefgen": version_of(briefgen("--version")) + f" (git {_git_head()})",
        "WeasyPrint": version_of([PY, "-c", "import weasyprint; print(weasyprint.__version__)"]),
        "mkdocs": version_of([bins["mkdocs"], "--version"]),
        "yamllint": version_of([bins["yamllint"], "--version"]),
        "hugo": version_of([bins["hugo"], "version"]),
    }
    info = machine()
    m: dict[str, Measure] = {}

    # 1-2. PDFs of the shipped content: -j1, -j2, and bare WeasyPrint on the same HTML.
    info["1-min load average before the PDF runs"] = f"{settle():.2f}"
    print(
        f"PDF build of the shipped content (load {info['1-min load average before the PDF runs']})"
    )
    shipped = shipped_project(WORK / "shipped")
    out = shipped / "build"
    cache = shipped / ".briefgen-cache"
    subprocess.run(briefgen("-C", shipped, "build", "-q", "--format", "html"), check=True,
                   env=env_for())  # fmt: skip
    html_dir = WORK / "shipped-html"
    rm(html_dir)
    shutil.copytree(out / "html", html_dir)
    names = sorted(p.name for p in html_dir.glob("*.html"))
    floor_py = WORK / "floor.py"
    floor_py.write_text(FLOOR)
    assets = CODE / "templates" / "assets"
    cold = lambda _i: rm(out, cache)  # noqa: E731 - every PDF run starts from nothing
    j1_costs: list[dict[str, float]] = []
    for i in range(runs):  # interleave the three so load drifts hit each alike
        for name, cmd in (
            ("pdf.floor", [PY, floor_py, assets, html_dir, *names]),
            ("pdf.j1", briefgen("-C", shipped, "build", "-q", "--format", "pdf", "-j1")),
            ("pdf.j2", briefgen("-C", shipped, "build", "-q", "--format", "pdf", "-j2")),
        ):
            cold(i)
            s, rss = timed(cmd, shipped)
            m.setdefault(name, Measure(name)).seconds.append(s)
            m[name].rss_mb.append(rss)
            if name == "pdf.j1":  # per-brief seconds, measured one at a time
                j1_costs.append(json.loads((out / ".briefgen" / "state.json").read_text())["costs"])
    for name in ("pdf.floor", "pdf.j1", "pdf.j2"):
        print(f"  {name}: median {m[name].median:.3f} s, peak {m[name].peak:.0f} MB")
    costs = {k: statistics.median(c[k] for c in j1_costs) for k in j1_costs[0]}
    info.update(two_core_bound(costs, m["pdf.j1"].median))
    m["pdf.noop"] = measure(
        "pdf.noop", briefgen("-C", shipped, "build", "-q", "--format", "pdf"), shipped, runs
    )

    # Corpora of 10, 100 and 500 issues: validation, HTML builds, the site.
    for n in sizes:
        info[f"1-min load average before the {n}-issue runs"] = load = f"{settle():.2f}"
        print(f"corpus of {n} issues (load {load})", flush=True)
        root = corpus_project(WORK / f"corpus-{n}", n)
        b = root / "build"
        c = root / ".briefgen-cache"
        # The same issues' Markdown (briefgen's own md output) for mkdocs and Hugo.
        subprocess.run(briefgen("-C", root, "build", "-q", "--format", "md"), check=True,
                       env=env_for())  # fmt: skip
        mk = mkdocs_project(WORK / f"mkdocs-{n}", b / "md")
        hu = hugo_project(WORK / f"hugo-{n}", b / "md")
        rm(b, c)
        victim = sorted((root / "briefs" / "issues").glob("*.yaml"))[n // 2]
        page = sorted((mk / "docs").glob("*.md"))[n // 2]
        hpage = sorted((hu / "content" / "issues").glob("*.md"))[n // 2]
        build_html = briefgen("-C", root, "build", "-q", "--format", "html")
        # Each group holds the figures one target compares; its commands take turns.
        m.update(interleaved([
            Spec(f"validate.{n}.cold", briefgen("-C", root, "validate"), root,
                 before=lambda _i, c=c: rm(c)),
            Spec(f"validate.{n}.warm", briefgen("-C", root, "validate"), root),
            Spec(f"yamllint.{n}", [bins["yamllint"], "-f", "parsable", "briefs"], root,
                 ok=(0, 1, 2)),
        ], runs))  # fmt: skip
        m.update(interleaved([
            Spec(f"html.{n}.cold", build_html, root, before=lambda _i, b=b, c=c: rm(b, c)),
            Spec(f"html.{n}.noop", build_html, root),
            Spec(f"html.{n}.one", build_html, root,
                 before=lambda i, v=victim: touch_issue(v, i + 100)),
        ], runs))  # fmt: skip
        m.update(interleaved([
            Spec(f"site.{n}.cold", site_html(root), root, before=lambda _i, b=b, c=c: rm(b, c)),
            Spec(f"site.{n}.noop", site_html(root), root),
            Spec(f"site.{n}.one", site_html(root), root,
                 before=lambda i, v=victim: touch_issue(v, i)),
            Spec(f"mkdocs.{n}.cold", [bins["mkdocs"], "build", "-q"], mk,
                 before=lambda _i, mk=mk: rm(mk / "site")),
            Spec(f"mkdocs.{n}.noop", [bins["mkdocs"], "build", "-q", "--dirty"], mk),
            Spec(f"mkdocs.{n}.one", [bins["mkdocs"], "build", "-q", "--dirty"], mk,
                 before=lambda i, p=page: touch_md(p, i)),
            Spec(f"floor.{n}.site", [PY, HERE / "site_floor.py", root], root),
            Spec(f"hugo.{n}.cold", [bins["hugo"], "--quiet"], hu,
                 before=lambda _i, hu=hu: rm(hu / "public", hu / "resources")),
            Spec(f"hugo.{n}.noop", [bins["hugo"], "--quiet"], hu),
            Spec(f"hugo.{n}.one", [bins["hugo"], "--quiet"], hu,
                 before=lambda i, p=hpage: touch_md(p, i)),
        ], runs))  # fmt: skip
        if n == INSTRUCTIONS_SIZE:
            print(f"counting the instructions of a cold site of {n} (callgrind) ...", flush=True)
            info[f"instructions of a cold HTML site of {n} (callgrind, every process)"] = (
                instructions(root)
            )
    return m, info, versions


def _git_head() -> str:
    out = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                         capture_output=True, text=True, check=False)  # fmt: skip
    dirty = subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--", "briefgen"],
                           capture_output=True, text=True, check=False)  # fmt: skip
    return out.stdout.strip() + ("+local changes" if dirty.stdout.strip() else "")


def main(argv: Sequence[str] | None = None) -> int:
    """Run everything and write the report."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--sizes", default="10,100,500")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    args = ap.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    started = time.time()
    measures, info, versions = run(args.runs, sizes)
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["benchmark took"] = f"{(time.time() - started) / 60:.1f} min"
    from report import write_report

    results = evaluate(measures, max(sizes))
    write_report(args.out, measures, results, info, versions, args.runs, sizes)
    print(f"wrote {args.out}")
    for t in results:
        print(f"  {'PASS' if t.passed else 'FAIL'}  {t.name}: {t.shown}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
