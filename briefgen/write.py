"""Write stage: outputs appear whole or not at all.

Files are written to a temporary name and renamed into place; a whole output folder is built
beside the old one and exchanged with it in one atomic step (Linux renameat2), so a failed or
interrupted build never leaves a half-written site or PDF behind.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


class UnsafePath(Exception):
    """An output path would land outside the output folder."""


def contained(base: Path, rel: str) -> Path:
    """Join `rel` under `base`, refusing absolute paths, `..` and anything that escapes."""
    if not rel or rel.startswith(("/", "\\")) or "\x00" in rel:
        raise UnsafePath(f"refusing output path {rel!r}")
    parts = Path(rel).parts
    if any(p in ("..", "") for p in parts):
        raise UnsafePath(f"refusing output path {rel!r}")
    target = (base / rel).resolve()
    if not target.is_relative_to(base.resolve()):
        raise UnsafePath(f"refusing output path {rel!r}")
    return target


def manifest_json(manifest: dict[str, str]) -> str:
    """A folder's manifest as text: one entry a line, sorted, so it reads and diffs well."""
    return json.dumps(manifest, sort_keys=True, indent=1)


@contextlib.contextmanager
def naming(path: Path) -> Iterator[None]:
    """An OSError raised in the block names `path` when it names no file of its own (a full
    disk fails `write()`, which knows no file name), so the report can say what failed."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None:
            exc.filename = str(path)
        raise


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to `path` through a temporary file and one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with naming(path), os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


@cache
def _renameat2() -> Any:
    """libc's renameat2, or None where there is none.

    Looked up among the symbols this process already has loaded (Python links the C
    library), not with ctypes.util.find_library, which runs ldconfig: ~5 ms a call.
    """
    import ctypes

    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return None
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    return fn


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two directories; False where the system cannot."""
    fn = _renameat2()
    if fn is None:
        return False
    rc = fn(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    return bool(rc == 0)


def staging_dir(dest: Path) -> Path:
    """A fresh empty folder beside `dest` to build its replacement in."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    staged = Path(tempfile.mkdtemp(prefix=f".{dest.name}.staging-", dir=dest.parent))
    staged.chmod(0o755)
    return staged


def replace_dir(staged: Path, dest: Path, *, drop: bool = True) -> Path | None:
    """Put a fully built folder in place of `dest` in one atomic step, then drop the old one.

    With `drop=False` the old folder (now under a hidden name beside `dest`) is returned for
    the caller to remove, say with `removing()` while it finishes its own work.
    """
    old: Path | None = None
    if dest.exists() and _exchange(staged, dest):
        old = staged
    elif dest.exists():
        old = dest.with_name(f".{dest.name}.old-{os.getpid()}")
        os.rename(dest, old)
        os.rename(staged, dest)
    else:
        os.rename(staged, dest)
    if old is not None and drop:
        shutil.rmtree(old, ignore_errors=True)
        return None
    return old


@contextlib.contextmanager
def removing(*folders: Path | None) -> Iterator[None]:
    """Remove folders in a thread while the `with` body runs; done when the block ends.

    Unlinking a thousand files is system calls, which run outside the GIL: they overlap with
    the body's own work instead of coming before it.
    """
    doomed = [f for f in folders if f is not None]
    thread = None
    if doomed:

        def remove() -> None:
            for folder in doomed:
                shutil.rmtree(folder, ignore_errors=True)

        thread = threading.Thread(target=remove)
        thread.start()
    try:
        yield
    finally:
        if thread is not None:
            thread.join()


def discard(staged: Path) -> None:
    """Remove a staging folder after a failed build."""
    shutil.rmtree(staged, ignore_errors=True)


def link_or_copy(src: Path, dst: Path) -> None:
    """Carry an unchanged output into a staging folder cheaply."""
    dst.parent.mkdir(parents=True, exist_ok=True)
    try:
        os.link(src, dst)
    except OSError:
        shutil.copy2(src, dst)


INPUT_DIRS = ("briefs", "templates", ".git")


def _tracked(root: Path, folder: Path) -> bool:
    """True when git tracks a file under `folder` (a pull request could plant outputs there)."""
    try:
        index = (root / ".git" / "index").stat()
        stamp = (index.st_ino, index.st_size, index.st_mtime_ns)
    except OSError:
        stamp = None
    return _tracked_as_of(root, folder, stamp)


@cache
def _tracked_as_of(root: Path, folder: Path, stamp: tuple[int, ...] | None) -> bool:
    """_tracked, asked of git once per state of its index (~3 ms a question)."""
    import subprocess

    try:
        res = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", str(folder)],
            capture_output=True,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return res.returncode == 0 and bool(res.stdout)


def out_dir_problem(
    root: Path, out: Path, subdirs: tuple[str, ...], marker: str = ".manifest.json"
) -> str | None:
    """Why `out` must not receive a build, or None: outputs replace whole folders there.

    Refused: the project itself or a folder holding it, the inputs (briefs/, templates/,
    .git/), a symbolic link anywhere on the way (a committed `build -> elsewhere` would
    redirect the writes), a folder under version control (committed "outputs" would be
    taken as built), and a format folder that briefgen did not make (it would be replaced).
    """
    root = root.resolve()
    absolute = Path(os.path.abspath(out))
    inside = absolute.is_relative_to(root)
    walk = absolute
    while True:  # every existing component inside the project, and the folder itself
        if walk.is_symlink():
            return f"{walk} is a symbolic link; build into a real folder"
        if walk == root or not inside or walk == walk.parent:
            break
        walk = walk.parent
    real = absolute.resolve()
    if real == root or root.is_relative_to(real):
        return f"{real} holds the project; choose an output folder such as build/"
    for name in INPUT_DIRS:
        if real.is_relative_to(root / name):
            return f"{real} is inside the project's {name}/ folder; outputs may not go there"
    if real.exists() and not real.is_dir():
        return f"{real} exists and is not a folder"
    for sub in subdirs:
        path = real / sub
        if path.is_symlink():
            return f"{path} is a symbolic link; build into a real folder"
        if sub.startswith("."):  # briefgen's own state folder: no manifest of its own
            continue
        if path.exists() and (
            not path.is_dir() or (any(path.iterdir()) and not (path / marker).is_file())
        ):
            return f"{path} was not made by briefgen; refusing to replace it"
    if real.is_relative_to(root) and real.exists() and _tracked(root, real):
        return (
            f"{real.relative_to(root)}/ holds files under version control; outputs must be "
            "built, never committed (remove them from git)"
        )
    return None


# --- output folders: every file whole, the folder and its keys swapped in together ----------

MANIFEST = ".manifest.json"  # an output folder's keys: path inside it -> input key
_PLAIN_REL = re.compile(r"[a-z0-9][a-z0-9_.-]*(?:/[a-z0-9][a-z0-9_.-]*)*\Z")
IN_PLACE_SHARE = 4  # in place when at most a quarter of a folder's files change or go


def read_manifest(folder: Path) -> dict[str, str]:
    """The keys of the outputs last written into `folder`, by path inside it."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict):
        return {}
    return {k: v for k, v in data.items() if isinstance(k, str) and isinstance(v, str)}


def files_in(folder: Path) -> frozenset[str]:
    """Names of the regular files directly in `folder` (one scandir, no stat per file)."""
    try:
        with os.scandir(folder) as it:
            return frozenset(e.name for e in it if e.is_file(follow_symlinks=False))
    except OSError:
        return frozenset()


@dataclass
class WriteOutcome:
    """Paths (inside the folder) written anew, carried over unchanged, and dropped."""

    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    old: Path | None = None  # the replaced folder, when the caller removes it (drop=False)


def write_outputs(
    dest: Path, outputs: Sequence[tuple[str, str]], fresh: dict[str, bytes], *, drop: bool = True
) -> WriteOutcome:
    """Make `dest` hold exactly `outputs` (path, key): fresh bytes written, the rest kept.

    A staging folder, the unchanged files hard-linked from the old one, replaces `dest` in
    one atomic step; when only a few files of a large folder change (an edit), they are
    replaced one by one in place instead, each still appearing whole or not at all.
    """
    old = read_manifest(dest)
    wanted = {rel for rel, _ in outputs}
    orphans = sorted(set(old) - wanted)
    if (
        old
        and len(fresh) + len(orphans) <= len(outputs) // IN_PLACE_SHARE
        and all(_PLAIN_REL.match(rel) and ".." not in rel for rel in [*wanted, *orphans])
    ):
        return write_in_place(dest, outputs, fresh, orphans)
    outcome = WriteOutcome()
    staged = staging_dir(dest)
    try:
        for rel, _ in outputs:
            target = join_checked(staged, rel)
            data = fresh.get(rel)
            if data is None:
                link_or_copy(dest / rel, target)
                outcome.kept.append(rel)
            else:
                target.parent.mkdir(parents=True, exist_ok=True)
                with naming(dest / rel):
                    target.write_bytes(data)
                outcome.written.append(rel)
        with naming(dest / MANIFEST):
            (staged / MANIFEST).write_text(manifest_json(dict(outputs)))
        outcome.old = replace_dir(staged, dest, drop=drop)
    except BaseException:
        discard(staged)
        raise
    outcome.removed = orphans
    return outcome


def write_in_place(
    dest: Path, outputs: Sequence[tuple[str, str]], fresh: dict[str, bytes], orphans: list[str]
) -> WriteOutcome:
    """Update a folder file by file, the manifest last: an interruption leaves every file
    whole (old or new) and the old manifest marks the new ones stale for the next build."""
    outcome = WriteOutcome()
    for rel, _ in outputs:
        data = fresh.get(rel)
        if data is None:
            outcome.kept.append(rel)
        else:
            replace_file(join_checked(dest, rel), data)
            outcome.written.append(rel)
    for rel in orphans:
        join_checked(dest, rel).unlink(missing_ok=True)
    replace_file(dest / MANIFEST, manifest_json(dict(outputs)).encode())
    outcome.removed = orphans
    return outcome


def replace_file(path: Path, data: bytes) -> None:
    """Write `path` through a temporary name and one rename (never through a hard link)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o666)
    try:
        with naming(path), os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def join_checked(folder: Path, rel: str) -> Path:
    """`folder / rel`, checked: plain lower-case names skip the costly resolve of contained()."""
    if _PLAIN_REL.match(rel) and ".." not in rel:
        return folder / rel
    return contained(folder, rel)


# --- one build at a time per output folder; what an interrupted one left behind --------------

LOCK = "lock"  # <output folder>/.briefgen/lock
_held = threading.local()  # lock files this thread holds, with how deep (the site's build)


@contextlib.contextmanager
def build_lock(state_dir: Path, waiting: Callable[[Path], None]) -> Iterator[None]:
    """Hold `<state_dir>/lock` (an exclusive flock) for the block: one build or site run at a
    time writes an output folder. A second run waits for the first to finish (`waiting` is
    told once, to say so); the kernel drops the lock when its holder exits, even by SIGKILL.
    Taking it again in the same thread (the site building its downloads) is free.
    """
    path = state_dir / LOCK
    depth: dict[Path, int] = getattr(_held, "depth", None) or {}
    _held.depth = depth
    if depth.get(path):
        depth[path] += 1
        try:
            yield
        finally:
            depth[path] -= 1
        return
    state_dir.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            waiting(path)
            fcntl.flock(fd, fcntl.LOCK_EX)
        depth[path] = 1
        try:
            yield
        finally:
            depth.pop(path, None)
    finally:
        os.close(fd)  # closing the only descriptor releases the lock


_STAGED = re.compile(r"\.(?P<name>.+)\.(?:staging-[A-Za-z0-9_]+|old-[0-9]+)\Z")
_TEMP = re.compile(r"\.(?P<name>.+)\.[A-Za-z0-9_]+\.tmp\Z")


def remove_leftovers(folder: Path, names: Iterable[str], subdirs: Iterable[str]) -> list[str]:
    """Remove what an interrupted run left in `folder`: the staging folders and replaced
    copies of its output folders `names` (`.<name>.staging-*`, `.<name>.old-<pid>`), and
    temporary files (`.<file>.*.tmp`) in `folder/<subdir>` for each of `subdirs`. Only with
    the build lock held: then no running build owns them. Returns what it removed."""
    wanted = set(names)
    removed: list[str] = []
    for entry in _entries(folder):
        m = _STAGED.match(entry.name)
        if m and m["name"] in wanted and entry.is_dir(follow_symlinks=False):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(entry.name)
    for sub in subdirs:
        for entry in _entries(folder / sub):
            if _TEMP.match(entry.name) and entry.is_file(follow_symlinks=False):
                with contextlib.suppress(OSError):
                    os.unlink(entry.path)
                    removed.append(f"{sub}/{entry.name}")
    return removed


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    try:
        with os.scandir(folder) as it:
            return list(it)
    except OSError:
        return []


def shown_path(filename: object, root: Path) -> str:
    """The output a failed write was making, as the user knows it: `build/pdf/nato.pdf`, not
    `build/.pdf.staging-x1y2/nato.pdf` or `build/pdf/.nato.pdf.123.tmp`; inside the project,
    relative to it."""
    path = Path(os.fsdecode(filename) if isinstance(filename, (str, bytes)) else str(filename))
    parts = []
    for part in path.parts:
        m = _STAGED.match(part) or _TEMP.match(part)
        parts.append(m["name"] if m else part)
    shown = Path(*parts) if parts else path
    with contextlib.suppress(ValueError):
        return shown.relative_to(root).as_posix()
    return shown.as_posix()


def write_problem(exc: OSError, root: Path, out_dir: Path, *, partly: bool = False) -> str:
    """One line for a file that could not be written (or, outside `out_dir`, read): which
    file, why, and what is left as it was."""
    name = exc.filename
    what = shown_path(name, root) if name is not None else "the outputs"
    inside = name is None or Path(os.path.abspath(os.fsdecode(name))).is_relative_to(out_dir)
    why = exc.strerror or str(exc)
    kept = (
        "the folders written before it are new, the rest untouched"
        if partly
        else "previous outputs untouched"
    )
    return f"cannot {'write' if inside else 'read'} {what}: {why}; {kept}"
