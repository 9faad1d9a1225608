"""Write stage: outputs appear whole or not at all.

Files are written to a temporary name and renamed into place; a whole output folder is built
beside the old one and exchanged with it in one atomic step (Linux renameat2), so a failed or
interrupted build never leaves a half-written site or PDF behind.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import stat
import tempfile
from collections.abc import Iterable, Iterator
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
    """`json.dumps(manifest, sort_keys=True, indent=1)`, the same text, ten times faster.

    The json module encodes in C only without indent; a site's manifest has a thousand
    entries, and the pure-Python encoder took ~5 ms of a one-page rebuild. The manifest
    stays one entry a line, so it reads and diffs as before.
    """
    from json.encoder import encode_basestring_ascii as enc

    if not manifest:
        return "{}"
    return "{\n" + ",\n".join(f" {enc(k)}: {enc(v)}" for k, v in sorted(manifest.items())) + "\n}"


def atomic_write(path: Path, data: bytes) -> None:
    """Write bytes to `path` through a temporary file and one rename."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
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


def spare_dir(dest: Path) -> Path:
    """Where the folder `dest` replaced last is kept (see take_spare)."""
    return dest.with_name(f".{dest.name}.spare")


def take_spare(dest: Path) -> Path:
    """A staging folder for `dest`: the folder it replaced last when one was kept, else empty.

    The kept folder differs from `dest` by one build's changes, so bringing it up to date
    (mirror_links) is a few system calls where linking a whole site into an empty folder,
    and deleting the old one after the swap, are a thousand each. It is taken by renaming it
    over a fresh staging folder, so two builds never share it; it must be mirrored before
    anything is written into it (its files may be hard links to the live ones).
    """
    staged = staging_dir(dest)
    try:
        os.rename(spare_dir(dest), staged)  # a directory replaces an empty one
        st = os.lstat(staged)
    except OSError:
        return staged
    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid():  # never write through
        discard(staged)  # a planted link or someone else's folder
        return staging_dir(dest)
    return staged


def keep_spare(old: Path | None, dest: Path) -> Path | None:
    """Keep the folder `dest` replaced as its next staging folder; None when kept, else the
    folder, for the caller to remove (a spare is already there)."""
    if old is None:
        return None
    try:
        os.rename(old, spare_dir(dest))  # refused when a spare is there (not empty)
    except OSError:
        return old
    return None


def mirror_links(src: Path, dst: Path, names: list[str], dirs: Iterable[str] = ()) -> list[str]:
    """Make `dst` hold exactly the files `names` of `src`, each a hard link to its file there,
    and the folders `dirs` (left as they are: the caller mirrors them in turn).

    An entry already linked to the same file (same inode) is left alone, anything else in
    `dst` is removed, nothing is written through a link. The names that could not be linked
    are returned (they are then absent from `dst`), as link_flat does.
    """
    wanted, folders = set(names), set(dirs)
    have: dict[str, int] = {}
    with os.scandir(dst) as entries:
        for e in entries:
            if e.name in wanted and e.is_file(follow_symlinks=False):
                have[e.name] = e.inode()
            elif e.name in folders and e.is_dir(follow_symlinks=False):
                continue
            elif e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path)
            else:
                os.unlink(e.path)
    live: dict[str, int] = {}
    if have:
        with os.scandir(src) as entries:
            live = {e.name: e.inode() for e in entries if e.name in have}
    todo = []
    for name in names:
        if name in have and have[name] == live.get(name):
            continue
        if name in have:
            os.unlink(dst / name)
        todo.append(name)
    return link_flat(src, dst, todo) if todo else []


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
    import threading

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


def link_flat(src_dir: Path, dst_dir: Path, names: list[str]) -> list[str]:
    """Hard-link files named in `src_dir` into `dst_dir` through directory handles (no path
    walk per file: ~20 us a file); the names that could not be linked, for a copy instead."""
    failed: list[str] = []
    for name in names:  # a name, never a path: nothing may be linked from or to elsewhere
        if not name or "/" in name or name in (".", ".."):
            raise ValueError(f"not a plain file name: {name!r}")
    src_fd = os.open(src_dir, os.O_RDONLY | os.O_DIRECTORY)
    try:
        dst_fd = os.open(dst_dir, os.O_RDONLY | os.O_DIRECTORY)
        try:
            for name in names:
                try:
                    os.link(name, name, src_dir_fd=src_fd, dst_dir_fd=dst_fd, follow_symlinks=False)
                except OSError:
                    failed.append(name)
        finally:
            os.close(dst_fd)
    finally:
        os.close(src_fd)
    return failed


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
