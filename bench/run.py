"""`make bench`: briefgen's command line next to bare WeasyPrint, mkdocs, Hugo and yamllint.

Every figure is a whole process (start-up included) or, in the preview server, the time from a
write to the reload signal. Commands compared with each other take turns run by run, and every
ratio compares medians of this one run. Peak memory: `/usr/bin/time -v`'s maximum resident set
size (the largest single process), in MB. Writes docs/benchmarks.md.

Usage: .venv/bin/python bench/run.py [--quick] [--runs N] [--out PATH]
The environment variable BRIEFGEN names another briefgen executable to measure.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO, WORK = HERE.parent, HERE / ".work"
sys.path.insert(0, str(HERE))

from corpus import git_commit_all, make_corpus  # noqa: E402
from report import Figure, write_report  # noqa: E402

PY = sys.executable
BRIEFGEN = os.environ.get("BRIEFGEN", str(Path(PY).parent / "briefgen"))
TOOL_PINS = ["mkdocs>=1.6,<1.7", "yamllint>=1.35,<2"]  # a bench-only venv in bench/.work/tools
ENV = {
    # As users run it: pip compiles an installed wheel's modules to bytecode, so no run here
    # may pay for compiling them (some shells set PYTHONDONTWRITEBYTECODE; not for us).
    **{k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"},
    "BRIEFGEN_TODAY": "2025-09-01",  # the briefs are reviewed 2025-08-10: no staleness warnings
    "BRIEFGEN_CACHE_KEY_DIR": str(WORK / "user-cache"),  # leave the user's own cache alone
    "LC_ALL": "C.UTF-8",
}
WEASYPRINT = """import sys, weasyprint
for path in sys.argv[1:]:
    html = weasyprint.HTML(string=open(path, encoding="utf-8").read(), base_url=None)
    html.render(pdf_variant="pdf/ua-1", pdf_tags=True).write_pdf(
        pdf_variant="pdf/ua-1", pdf_tags=True, pdf_identifier=b"briefgen")
"""
Cmd = Sequence[str | Path]
Run = tuple[float, float]  # seconds, peak MB


def rm(*paths: Path) -> None:
    """Remove folders or files if present."""
    for p in paths:
        if p.is_dir():
            shutil.rmtree(p)
        elif p.exists():
            p.unlink()


def peak_mb(time_v: str) -> float:
    """The maximum resident set size that `/usr/bin/time -v` reports, in MB."""
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)", time_v)
    return int(m.group(1)) * 1024 / 1e6 if m else float("nan")


def timed(cmd: Cmd, cwd: Path, ok: Sequence[int] = (0,)) -> Run:
    """Run one command under `/usr/bin/time -v`: its wall-clock seconds and peak MB."""
    with tempfile.NamedTemporaryFile("r", suffix=".time") as tv:
        start = time.perf_counter()
        p = subprocess.run(
            ["/usr/bin/time", "-v", "-o", tv.name, *map(str, cmd)],
            cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )  # fmt: skip
        seconds = time.perf_counter() - start
        if p.returncode not in ok:
            err = p.stderr.decode()[-2000:]
            raise RuntimeError(f"{' '.join(map(str, cmd))}: exit {p.returncode}\n{err}")
        return seconds, peak_mb(tv.read())


@dataclass
class Spec:
    """One command of a comparison (or a function that times itself), and what runs before."""

    key: str
    label: str
    cmd: Cmd | Callable[[], Run]
    cwd: Path = REPO
    before: Callable[[int], object] | None = None
    ok: Sequence[int] = (0,)


def interleaved(specs: Sequence[Spec], runs: int) -> dict[str, Figure]:
    """Run the commands in turn, run by run (A B C A B C ...), so load drifts hit all alike."""
    out = {s.key: Figure(s.label) for s in specs}
    for i in range(runs):
        for s in specs:
            if s.before is not None:
                s.before(i)
            out[s.key].add(*(s.cmd() if callable(s.cmd) else timed(s.cmd, s.cwd, s.ok)))
    for k, f in out.items():
        print(f"  {k}: {f.median:.3f} s, {f.peak_mb:.0f} MB", flush=True)
    return out


# --- the preview server ----------------------------------------------------------------------


def wait_for_reload(base_url: str, seen: int, timeout: float = 900.0) -> int | None:
    """The reload signal as the page's script (live.js) waits for it: the
    status file shows a build counter past `seen`, with `ok`. Returns the counter, or None
    after `timeout` seconds. The only code that knows the preview's reload protocol."""
    deadline = time.perf_counter() + timeout
    while time.perf_counter() < deadline:
        try:
            with urllib.request.urlopen(base_url + "__briefgen/status.json", timeout=5) as r:
                status = json.load(r)
            if status["ok"] and int(status["build"]) > seen:
                return int(status["build"])
        except OSError:
            pass  # not listening yet
        time.sleep(0.005)
    return None


class Server:
    """`briefgen serve` on a free port, under `/usr/bin/time -v` for its peak memory."""

    def __init__(self, root: Path) -> None:
        self.started, self.seen = time.perf_counter(), 0
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{port}/"
        self.tv = tempfile.NamedTemporaryFile("r", suffix=".time")  # noqa: SIM115
        self.proc = subprocess.Popen(
            ["/usr/bin/time", "-v", "-o", self.tv.name, BRIEFGEN, "serve", "--port", str(port)],
            cwd=root, env=ENV, start_new_session=True, preexec_fn=default_sigint,
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip

    def ready(self) -> float:
        """Seconds from the start until the first good build is served."""
        while (got := wait_for_reload(self.url, 0, 1.0)) is None:
            if self.proc.poll() is not None:
                raise RuntimeError(f"briefgen serve exited {self.proc.returncode}")
        self.seen = got
        return time.perf_counter() - self.started

    def edit(self, path: Path, text: str) -> float:
        """Seconds from writing `text` into `path` (atomically, as editors save) until the
        server signals the reload; first, no rebuild may be under way."""
        while (got := wait_for_reload(self.url, self.seen, 0.4)) is not None:
            self.seen = got
        tmp = WORK / "edit.tmp"
        tmp.write_text(text, "utf-8")
        start = time.perf_counter()
        os.replace(tmp, path)
        self.seen = wait_for_reload(self.url, self.seen, 300) or 0
        if not self.seen:
            raise RuntimeError(f"no reload after writing {path}")
        return time.perf_counter() - start

    def stop(self) -> float:
        """Stop the server as Ctrl-C does (SIGINT, which /usr/bin/time ignores); peak MB."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGINT)
            self.proc.wait(60)
        with self.tv:
            return peak_mb(self.tv.read())


def default_sigint() -> None:
    """Let the server see Ctrl-C even when the benchmark runs in the background, where
    SIGINT is ignored and the ignoring is inherited."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def edit(text: str, key: str, i: int) -> str:
    """A real, valid change to one issue's `key` (subtitle or title)."""
    pattern = rf'^{key}: ("?)(.*?)(?: \(edit \d+\))?\1$'
    return re.sub(pattern, rf"{key}: \1\2 (edit {i})\1", text, count=1, flags=re.M)


def preview(figs: dict[str, Figure], root: Path, n: int, runs: int, key: str, cold: bool) -> None:
    """In one server: writing one issue's bytes unchanged, and a new `key`, taking turns.
    `cold`: the server starts from nothing, and its first build is the cold site's figure."""
    victim = sorted((root / "briefs" / "issues").glob("*.yaml"))[n // 2]
    noop = Figure("`briefgen serve`: a write that changes nothing, to the reload signal")
    one = Figure(f"`briefgen serve`: one issue's {key} changed, to the reload signal")
    if cold:
        rm(root / "build", root / ".briefgen-cache")
    server = Server(root)
    try:
        first = server.ready()
        for i in range(runs):
            noop.add(server.edit(victim, victim.read_text("utf-8")))
            one.add(server.edit(victim, edit(victim.read_text("utf-8"), key, i)))
    finally:
        one.mb = noop.mb = [server.stop()]
    figs[f"preview.{n}.noop"], figs[f"preview.{n}.one"] = noop, one
    if cold:
        figs[f"site.{n}.cold"] = Figure("`briefgen serve` from nothing, until the site is served",
                                        [first], one.mb)  # fmt: skip
    print(f"  preview.{n}: first build {first:.3f} s, no-op {noop.median:.3f} s, "
          f"{key} {one.median:.3f} s, {one.peak_mb:.0f} MB", flush=True)  # fmt: skip


# --- projects and tools ----------------------------------------------------------------------


def tools() -> dict[str, str]:
    """mkdocs and yamllint from the bench-only venv (installed on first use), Debian's hugo."""
    bindir = WORK / "tools" / "bin"
    if not (bindir / "mkdocs").exists() or not (bindir / "yamllint").exists():
        print("installing mkdocs and yamllint into bench/.work/tools ...", flush=True)
        subprocess.run([PY, "-m", "venv", str(WORK / "tools")], check=True)
        pip: list[str | Path] = [
            bindir / "python",
            "-m",
            "pip",
            "install",
            "-q",
            "--disable-pip-version-check",
        ]
        subprocess.run([*pip, *TOOL_PINS], check=True)
    if shutil.which("hugo") is None or not Path("/usr/bin/time").exists():
        raise SystemExit("hugo or /usr/bin/time is missing: bash scripts/system-deps.sh bench")
    return {"mkdocs": str(bindir / "mkdocs"), "yamllint": str(bindir / "yamllint"), "hugo": "hugo"}


HUGO_LAYOUTS = {
    "baseof.html": "<!doctype html><html lang=en><head><meta charset=utf-8><title>{{ .Title }}"
    '</title></head><body><main>{{ block "main" . }}{{ end }}</main></body></html>',
    "single.html": '{{ define "main" }}<h1>{{ .Title }}</h1>{{ .TableOfContents }}{{ .Content }}'
    "{{ end }}",
    "list.html": '{{ define "main" }}<ul>{{ range .RegularPagesRecursive }}<li><a href="'
    '{{ .RelPermalink }}">{{ .Title }}</a></li>{{ end }}</ul>{{ end }}',
}


def other_projects(root: Path, n: int) -> tuple[Path, Path]:
    """mkdocs and Hugo projects whose pages are briefgen's own Markdown of the same issues."""
    subprocess.run([BRIEFGEN, "build", "-q", "--format", "md"], cwd=root, env=ENV, check=True)
    pages = {p.name: p.read_text("utf-8") for p in sorted((root / "build" / "md").glob("*.md"))}
    mk, hu = WORK / f"mkdocs-{n}", WORK / f"hugo-{n}"
    rm(mk, hu, root / "build", root / ".briefgen-cache")
    for d in (mk / "docs", hu / "content" / "issues", hu / "layouts" / "_default"):
        d.mkdir(parents=True)
    for name, text in pages.items():
        (mk / "docs" / name).write_text(text, "utf-8")
        title, _, body = text.partition("\n")
        title = title.removeprefix("# ").replace('"', "'")
        (hu / "content" / "issues" / name).write_text(f'---\ntitle: "{title}"\n---\n{body}')
    links = "".join(f"- [{name[:-3]}]({name})\n" for name in pages)
    (mk / "docs" / "index.md").write_text(f"# Policy briefs\n\n{links}")
    (mk / "mkdocs.yml").write_text("site_name: Policy briefs\nuse_directory_urls: false\n")
    (hu / "content" / "_index.md").write_text("---\ntitle: Policy briefs\n---\n")
    (hu / "hugo.toml").write_text(
        'baseURL = "https://briefs.example.org/"\ntitle = "Policy briefs"\n'
        'disableKinds = ["taxonomy", "term"]\n'
    )
    for name, text in HUGO_LAYOUTS.items():
        (hu / "layouts" / "_default" / name).write_text(text + "\n")
    return mk, hu


# --- the benchmark -----------------------------------------------------------------------------


def shipped(name: str, fmt: str) -> tuple[Path, Path]:
    """A git copy of the shipped content in WORK/name, and a folder with its briefs built in
    `fmt` (what the bare tool is given)."""
    root = WORK / name
    rm(root)
    shutil.copytree(REPO / "briefs", root / "briefs")
    shutil.copy2(REPO / "briefgen.yaml", root)
    git_commit_all(root)
    subprocess.run([BRIEFGEN, "build", "-q", "--format", fmt], cwd=root, env=ENV, check=True)
    out = WORK / f"{name}-{fmt}"
    rm(out)
    shutil.copytree(root / "build" / fmt, out)
    return root, out


def bench_pdf(figs: dict[str, Figure], runs: int) -> None:
    """PDFs of the shipped content from nothing at -j1 and -j2, next to bare WeasyPrint."""
    print("PDF of the shipped content", flush=True)
    root, html = shipped("shipped", "html")
    cold = lambda _i: rm(root / "build", root / ".briefgen-cache")  # noqa: E731
    pdf, label = [BRIEFGEN, "build", "-q", "--format", "pdf"], "`briefgen build --format pdf -j"
    weasy: list[str | Path] = [PY, "-c", WEASYPRINT, *sorted(html.glob("*.html"))]
    figs.update(interleaved([
        Spec("pdf.weasyprint", "bare WeasyPrint on the same HTML, one process", weasy, root),
        Spec("pdf.j1", f"{label}1`, from nothing", [*pdf, "-j1"], root, cold),
        Spec("pdf.j2", f"{label}2`, from nothing", [*pdf, "-j2"], root, cold),
    ], runs))  # fmt: skip


PANDOC_EACH = """set -e
for md in "$@"; do "$PANDOC" -f gfm -t docx -o "${md%.md}.docx" "$md"; done
"""


def bench_docx(figs: dict[str, Figure], runs: int) -> None:
    """Word documents of the shipped content from nothing at -j1, next to bare pandoc (the
    same pandoc binary) converting the Markdown briefgen writes for the same briefs."""
    print("DOCX of the shipped content", flush=True)
    from briefgen.tools import pandoc_path

    root, md = shipped("shipped-docx", "md")
    cold = lambda _i: rm(root / "build", root / ".briefgen-cache")  # noqa: E731
    docx = [BRIEFGEN, "build", "-q", "--format", "docx", "-j1"]
    bare: list[str | Path] = ["env", f"PANDOC={pandoc_path()}", "sh", "-c", PANDOC_EACH, "sh"]
    bare += sorted(md.glob("*.md"))
    figs.update(interleaved([
        Spec("docx.pandoc", "bare pandoc on the same briefs' Markdown, a process each", bare, md),
        Spec("docx.j1", "`briefgen build --format docx -j1`, from nothing", docx, root, cold),
    ], runs))  # fmt: skip


def bench_corpus(figs: dict[str, Figure], n: int, runs: int, bins: dict[str, str]) -> None:
    """Validation, HTML builds, the site and the preview for a corpus of `n` issues."""
    print(f"corpus of {n} issues", flush=True)
    root = make_corpus(WORK / f"corpus-{n}", n)
    mk, hu = other_projects(root, n)
    victim = sorted((root / "briefs" / "issues").glob("*.yaml"))[n // 2]
    cache, build = root / ".briefgen-cache", root / "build"
    validate, html = [BRIEFGEN, "validate"], [BRIEFGEN, "build", "-q", "--format", "html"]
    mkdocs, hugo = bins["mkdocs"], bins["hugo"]
    figs.update(interleaved([
        Spec(f"validate.{n}.cold", "`briefgen validate`, no cache", validate, root,
             lambda _i: rm(cache)),
        Spec(f"validate.{n}.warm", "`briefgen validate`, cache warm", validate, root),
        Spec(f"yamllint.{n}", "`yamllint` (default rules), the same files",
             [bins["yamllint"], "-f", "parsable", "briefs"], root, ok=(0, 1, 2)),
    ], min(runs, 3)))  # yamllint takes half a minute for 500 files  # fmt: skip
    figs.update(interleaved([
        Spec(f"html.{n}.cold", "`briefgen build --format html`, from nothing", html, root,
             lambda _i: rm(build, cache)),
        Spec(f"html.{n}.noop", "`briefgen build --format html`, nothing changed", html, root),
        Spec(f"html.{n}.one", "`briefgen build --format html`, one subtitle changed", html,
             root, lambda i: victim.write_text(edit(victim.read_text(), "subtitle", i))),
    ], runs))  # fmt: skip
    site = [BRIEFGEN, "site", "-q", "--no-pdf"]
    figs.update(interleaved([
        Spec(f"site.{n}.cold", "`briefgen site --no-pdf`, from nothing", site, root,
             lambda _i: rm(build, cache)),
        Spec(f"site.{n}.noop", "`briefgen site --no-pdf`, nothing changed", site, root),
        Spec(f"site.{n}.one", "`briefgen site --no-pdf`, one subtitle changed", site, root,
             lambda i: victim.write_text(edit(victim.read_text(), "subtitle", i))),
        Spec(f"mkdocs.{n}.cold", "`mkdocs build`, from nothing", [mkdocs, "build", "-q"], mk,
             lambda _i: rm(mk / "site")),
        Spec(f"mkdocs.{n}.noop", "`mkdocs build --dirty`, nothing changed",
             [mkdocs, "build", "-q", "--dirty"], mk),
        Spec(f"hugo.{n}.cold", "`hugo`, from nothing", [hugo, "--quiet"], hu,
             lambda _i: rm(hu / "public", hu / "resources")),
        Spec(f"hugo.{n}.noop", "`hugo` rerun, nothing changed", [hugo, "--quiet"], hu),
    ], runs))  # fmt: skip
    preview(figs, root, n, max(runs, 5), "subtitle", cold=False)


def bench_large(figs: dict[str, Figure], n: int, runs: int) -> None:
    """The large corpus: validate with a warm cache, the cold site, a no-op and a title edit."""
    print(f"corpus of {n} issues", flush=True)
    root = make_corpus(WORK / f"corpus-{n}", n)
    subprocess.run([BRIEFGEN, "validate"], cwd=root, env=ENV, check=True, stdout=subprocess.DEVNULL)
    label = "`briefgen validate`, cache warm"
    figs.update(
        interleaved([Spec(f"validate.{n}.warm", label, [BRIEFGEN, "validate"], root)], runs)
    )
    site = [BRIEFGEN, "site", "-q", "--no-pdf"]
    victim = sorted((root / "briefs" / "issues").glob("*.yaml"))[n // 2]
    rm(root / "build")
    figs.update(
        interleaved(
            [Spec(f"site.{n}.cold", "`briefgen site --no-pdf`, from nothing", site, root)], 1
        )
    )  # one full build of 5,000 pages is enough
    figs.update(interleaved([
        Spec(f"site.{n}.noop", "`briefgen site --no-pdf`, nothing changed", site, root),
        Spec(f"site.{n}.one", "`briefgen site --no-pdf`, one title changed", site, root,
             lambda i: victim.write_text(edit(victim.read_text(), "title", i))),
    ], runs))  # fmt: skip
    preview(figs, root, n, runs, "title", cold=False)


def about(bins: dict[str, str]) -> dict[str, str]:
    """The machine and the version of every tool."""
    cpu = re.search(r"model name\s*:\s*(.+)", Path("/proc/cpuinfo").read_text())
    ram = re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text())
    info = {
        "CPU": cpu.group(1) if cpu else "?",
        "cores usable": str(len(os.sched_getaffinity(0))),
        "RAM": f"{int(ram.group(1)) / 2**20:.1f} GiB" if ram else "?",
        "OS": platform.platform(),
    }
    for name, cmd in {
        "briefgen": [BRIEFGEN, "--version"],
        "Python": [PY, "--version"],
        "WeasyPrint": [PY, "-c", "import weasyprint; print(weasyprint.__version__)"],
        "mkdocs": [bins["mkdocs"], "--version"],
        "yamllint": [bins["yamllint"], "--version"],
        "Hugo": [bins["hugo"], "version"],
    }.items():
        p = subprocess.run(cmd, capture_output=True, text=True, env=ENV, check=False)
        info[name] = ((p.stdout or p.stderr).strip().splitlines() or ["?"])[0].split(" from ")[0]
    return info


def main(argv: Sequence[str] | None = None) -> int:
    """Run every measurement, write the report and print the targets."""
    ap = argparse.ArgumentParser(description="briefgen's benchmark; writes docs/benchmarks.md")
    ap.add_argument("--quick", action="store_true", help="3 runs, no 5,000-issue corpus")
    ap.add_argument("--runs", type=int, help="runs of each command (default 5; --quick 3)")
    ap.add_argument("--out", type=Path, default=REPO / "docs" / "benchmarks.md")
    ap.add_argument("--only", help="run one part (PDF, DOCX, '10 issues', ...), for a quick look")
    args = ap.parse_args(argv)
    runs = args.runs or (3 if args.quick else 5)
    started, load = time.time(), os.getloadavg()
    WORK.mkdir(exist_ok=True)
    bins = tools()
    figs: dict[str, Figure] = {}
    parts: list[tuple[str, Callable[[], None]]] = [("PDF", lambda: bench_pdf(figs, runs))]
    parts.append(("DOCX", lambda: bench_docx(figs, runs)))
    parts += [(f"{n} issues", partial(bench_corpus, figs, n, runs, bins)) for n in (10, 100, 500)]
    if not args.quick:
        parts.append(("5,000 issues", lambda: bench_large(figs, 5000, min(runs, 3))))
    if args.only:
        parts = [(name, part) for name, part in parts if name == args.only]
    failed = []
    for name, part in parts:  # one part failing leaves the others' figures standing
        try:
            part()
        except Exception as exc:
            print(f"{name}: FAILED: {exc}", file=sys.stderr, flush=True)
            failed.append(f"{name}: {str(exc).splitlines()[0] if str(exc) else repr(exc)}")
    info = about(bins)
    if failed:
        info["FAILED, figures missing"] = "; ".join(failed)
    info["load average (1, 5, 15 min) at start"] = " ".join(f"{x:.2f}" for x in load)
    info["load average at end"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    info["benchmark took"] = f"{(time.time() - started) / 60:.1f} min"
    for line in write_report(args.out, figs, info, runs, args.quick):
        print(line)
    print(f"wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
