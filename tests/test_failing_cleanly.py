"""Issue 18, "Failing cleanly, losing nothing": a killed build leaves no process behind and no
folder a later build keeps; two builds never write one folder at once; a full or read-only
disk is one line, not a traceback; the PDF's memory cap lives with an inherited `ulimit -v`.

Real processes, real folders, real file systems (tmpfs mounts need root, as in CI: the tests
that mount say why they skip elsewhere).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.render.pdf import PdfError, run_with_budget
from tests.conftest import REPO, copy_project, run
from tests.test_history import only_new_start

CLI = [sys.executable, "-m", "briefgen"]


def cli_env() -> dict[str, str]:
    """The environment for a briefgen subprocess running this checkout's code."""
    return {**os.environ, "PYTHONPATH": str(REPO)}


# --- /proc ------------------------------------------------------------------------------------


def _stat(pid: int) -> tuple[str, int] | None:
    """(state, parent pid) of a process, or None when it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    return fields[0], int(fields[1])


def _cmdline(pid: int) -> list[str]:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
    except OSError:
        return []


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def workers_of(pid: int) -> list[int]:
    """Live children of `pid` that are briefgen processes (forked workers, not git)."""
    found = []
    for child in _pids():
        st = _stat(child)
        if st and st[1] == pid and st[0] != "Z" and _cmdline(child)[1:3] == ["-m", "briefgen"]:
            found.append(child)
    return found


def running_with(marker: str) -> list[int]:
    """Live (not zombie) processes whose command line mentions `marker`."""
    alive = []
    for pid in _pids():
        st = _stat(pid)
        if st and st[0] != "Z" and any(marker in arg for arg in _cmdline(pid)):
            alive.append(pid)
    return alive


def busy_project(root: Path, copies: int = 40) -> Path:
    """The shipped project with `copies` more copies of the NATO brief: a build that keeps
    its workers busy for a while."""
    copy_project(root)
    text = (root / "briefs" / "issues" / "nato.yaml").read_text("utf-8")
    for i in range(copies):
        ident = f"nato-copy-{i}"
        (root / "briefs" / "issues" / f"{ident}.yaml").write_text(
            text.replace("id: nato\n", f"id: {ident}\n", 1), "utf-8"
        )
    return root


# --- 4. kill -9 of the build --------------------------------------------------------------------


def test_kill_9_of_the_build_leaves_no_worker_behind(tmp_path: Path) -> None:
    root = busy_project(tmp_path / "proj-kill9")
    marker = str(root)
    proc = subprocess.Popen(
        [*CLI, "-C", root, "build", "-j2", "--format", "pdf", "--quiet"],
        cwd=REPO,
        env=cli_env(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 120
        while len(workers_of(proc.pid)) < 2:  # the pool is up and rendering
            assert proc.poll() is None, "the build ended before its workers started"
            assert time.monotonic() < deadline, "no workers appeared"
            time.sleep(0.05)
        time.sleep(0.5)  # let them fork their PDF layout children too
        assert len(running_with(marker)) >= 3
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
        deadline = time.monotonic() + 5
        while running_with(marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert running_with(marker) == []
    finally:
        for pid in running_with(marker):  # only processes of this test's own build
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


# --- 5. one build at a time; leftovers of interrupted ones ------------------------------------


def test_a_second_build_waits_for_the_first(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "proj")
    out = root / "build"
    (out / ".briefgen").mkdir(parents=True)
    # This test holds the lock, as a running build would.
    fd = os.open(out / ".briefgen" / "lock", os.O_RDWR | os.O_CREAT, 0o644)
    fcntl.flock(fd, fcntl.LOCK_EX)
    proc = subprocess.Popen(
        [*CLI, "-C", root, "build", "--format", "md"],
        cwd=REPO,
        env=cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stderr is not None
        ready, _, _ = select.select([proc.stderr], [], [], 60)
        assert ready, "no word from the waiting build"
        line = proc.stderr.readline()
        assert line == "waiting for another briefgen run to finish (build/.briefgen/lock)\n"
        time.sleep(0.5)
        assert proc.poll() is None  # still waiting
        assert not (out / "md").exists()
    finally:
        os.close(fd)  # the "first build" ends
    stdout, stderr = proc.communicate(timeout=120)
    assert proc.returncode == 0, stderr
    assert (out / "md" / "nato.md").is_file()
    assert "wrote build/md/nato.md" in stdout


def test_leftovers_of_interrupted_runs_are_removed_under_the_lock(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "proj")
    out = root / "build"
    assert run("-C", root, "build", "--format", "md,html", "--quiet").code == 0
    assert run("-C", root, "site", "--no-pdf", "--quiet").code == 0
    before = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    # What builds killed at each step leave: staging folders, replaced folders not yet
    # removed, temporary files of in-place and state writes.
    leftovers = [
        out / ".md.staging-ab12_x9z",
        out / ".html.old-4242",
        out / ".site.staging-q1w2e3r4",
    ]
    for folder in leftovers:
        (folder / "sub").mkdir(parents=True)
        (folder / "sub" / "nato.html").write_text("half")
    temps = [out / "md" / ".nato.md.4242.tmp", out / ".briefgen" / ".state.json.k3j4h5.tmp"]
    for temp in temps:
        temp.write_text("half")
    # Not briefgen's: kept.
    foreign = [out / ".notes.staging-abc", out / "md-notes.tmp"]
    foreign[0].mkdir()
    foreign[1].write_text("mine")

    res = run("-C", root, "build", "--format", "md,html", "--quiet")
    assert res.code == 0, res.err
    assert [p for p in [*leftovers[:2], *temps] if p.exists()] == []
    assert leftovers[2].exists()  # the site's staging: removed by the next site run
    res = run("-C", root, "site", "--no-pdf", "--quiet")
    assert res.code == 0, res.err
    assert not leftovers[2].exists()
    assert all(p.exists() for p in foreign)
    after = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert {k: v for k, v in after.items() if k != Path("md-notes.tmp")} == before


# --- 6. a full or read-only disk ----------------------------------------------------------------


@contextlib.contextmanager
def tmpfs(where: Path, size: str) -> Iterator[Path]:
    """A fresh tmpfs of `size` mounted at `where` (root only; skips elsewhere)."""
    where.mkdir(parents=True)
    res = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0755", "tmpfs", str(where)],
        capture_output=True,
        text=True,
        check=False,
    )
    if res.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here (needs root, as in CI): {res.stderr.strip()}")
    try:
        yield where
    finally:
        subprocess.run(["umount", "-l", str(where)], check=False)


def snapshot(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in folder.rglob("*") if p.is_file()
    }


def fill(disk: Path) -> None:
    """Use every free byte of the file system at `disk`."""
    with open(disk / "filler", "wb", buffering=0) as fh:
        with contextlib.suppress(OSError):
            while True:
                fh.write(b"\0" * 65536)
        with contextlib.suppress(OSError):
            while True:
                fh.write(b"\0")


def test_full_disk_is_one_line_and_loses_nothing(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "proj")
    with tmpfs(tmp_path / "disk", "16m") as disk:
        out = disk / "out"
        assert run("-C", root, "build", "--format", "md,html", "--out", out, "--quiet").code == 0
        before = snapshot(out)
        fill(disk)
        # --today: on the day of the briefs' review, so no overdue warning joins the one line
        res = run(
            *("-C", root, "build", "--format", "md,html", "--out", out, "--force", "--quiet"),
            *("--today", "2025-08-11"),
        )
        assert res.code == 1
        assert re.fullmatch(
            rf"build: error: cannot write {re.escape(str(out))}/(md|html)/[a-z-]+\.(md|html): "
            r"No space left on device; previous outputs untouched\n",
            res.err,
        ), res.err
        assert "Traceback" not in res.err
        assert snapshot(out) == before
        assert [p.name for p in out.iterdir() if ".staging-" in p.name] == []
        # Room again: the next build works.
        (disk / "filler").unlink()
        res = run("-C", root, "build", "--format", "md,html", "--out", out, "--force", "--quiet")
        assert res.code == 0, res.err


def test_full_disk_through_the_cli_subprocess(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "proj")
    only_new_start(root)
    with tmpfs(tmp_path / "disk", "8m") as disk:
        out = disk / "out"
        fill(disk)
        res = subprocess.run(
            [
                *CLI,
                "-C",
                root,
                "build",
                "--format",
                "md",
                "--out",
                out,
                "-q",
                "--today",
                "2025-08-11",
            ],
            cwd=REPO,
            env=cli_env(),
            capture_output=True,
            text=True,
            check=False,
        )
        assert res.returncode == 1
        assert res.stderr.startswith("build: error: cannot write ")
        assert res.stderr.endswith(": No space left on device; previous outputs untouched\n")
        assert res.stderr.count("\n") == 1, res.stderr


def test_read_only_disk_is_one_line_and_loses_nothing(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "proj")
    with tmpfs(tmp_path / "disk", "16m") as disk:
        out = disk / "out"
        assert run("-C", root, "build", "--format", "md,html", "--out", out, "--quiet").code == 0
        before = snapshot(out)
        ro = subprocess.run(
            ["mount", "-o", "remount,ro", str(disk)], capture_output=True, text=True, check=False
        )
        if ro.returncode != 0:
            pytest.skip(f"cannot remount read-only here: {ro.stderr.strip()}")
        res = run("-C", root, "build", "--format", "md,html", "--out", out, "--force", "--quiet")
        assert res.code == 1
        assert re.fullmatch(
            r"build: error: cannot write \S+: Read-only file system; previous outputs untouched\n",
            res.err,
        ), res.err
        assert snapshot(out) == before
        res = run("-C", root, "site", "--no-pdf", "--out", out / "site", "--quiet")
        assert res.code == 1
        assert re.fullmatch(
            r"site: error: cannot write \S+: Read-only file system; previous outputs untouched\n",
            res.err,
        ), res.err


# --- 7. the PDF's memory cap under an inherited `ulimit -v` -------------------------------------

GIB = 1 << 30


def _lower_hard_limit(limit: int) -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))


def test_pdf_build_under_a_lower_inherited_hard_memory_limit(tmp_path: Path) -> None:
    # The layout child asks for 4 GB by default; under `ulimit -v 3G` it must take 3 GB
    # (before: setrlimit was refused and every PDF failed, "perhaps out of memory").
    root = copy_project(tmp_path / "proj")
    only_new_start(root)
    res = subprocess.run(
        [*CLI, "-C", root, "build", "--format", "pdf", "-j1", "--quiet"],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
        preexec_fn=lambda: _lower_hard_limit(3 * GIB),
    )
    assert res.returncode == 0, res.stderr
    assert (root / "build" / "pdf" / "new-start.pdf").read_bytes().startswith(b"%PDF-")


def _vm_size() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmSize")


def test_a_pdf_out_of_memory_says_so() -> None:
    budget = _vm_size() + 256 * 1024 * 1024
    with pytest.raises(PdfError) as caught:
        run_with_budget(lambda: b"x" * (4 * GIB), 60, budget)
    mb = budget // (1024 * 1024)
    assert str(caught.value) == (
        f"the PDF ran out of its memory budget of {mb} MB (set by BRIEFGEN_PDF_MEMORY_MB)"
    )


CLAMP = """
import resource, sys
from briefgen.render.pdf import PdfError, memory_cap, run_with_budget
resource.setrlimit(resource.RLIMIT_AS, (3 << 30, 3 << 30))
assert memory_cap(4 << 30) == 3 << 30, memory_cap(4 << 30)
assert memory_cap(1 << 30) == 1 << 30
assert run_with_budget(lambda: b"fine", 30, 4 << 30) == b"fine"
try:
    run_with_budget(lambda: b"x" * (5 << 30), 30, 4 << 30)
except PdfError as exc:
    print(exc)
"""


def test_memory_cap_is_clamped_to_the_inherited_hard_limit() -> None:
    res = subprocess.run(
        [sys.executable, "-c", CLAMP],
        cwd=REPO,
        env=cli_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    assert res.stdout == (
        "the PDF ran out of its memory budget of 3072 MB "
        "(set by the `ulimit -v` this build inherited)\n"
    )
