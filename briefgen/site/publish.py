"""Publishing the site: files go into a staging folder beside the live site, which replaces
it in one atomic step once every page, download and the search index is there."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from ..write import (
    MANIFEST,
    discard,
    join_checked,
    link_or_copy,
    manifest_json,
    naming,
    out_dir_problem,
    read_manifest,
    replace_dir,
    staging_dir,
)


def site_dir_problem(root: Path, dest: Path) -> str | None:
    """Why the site must not be written to `dest`, or None: the whole folder gets replaced."""
    problem = out_dir_problem(root, dest, ())
    if problem:
        return problem
    real = dest.resolve()
    if real.is_dir() and any(real.iterdir()) and not (real / MANIFEST).is_file():
        return f"{real} was not made by briefgen site; refusing to replace it"
    return None


@dataclass
class Staging:
    """The new site's files, written into its staging folder as they render; nothing touches
    the live site until `publish` swaps the folder in. (`MemorySite` is the same for the
    preview server, which keeps its site in memory.)"""

    staged: Path
    live: Path
    hashes: dict[str, str] = field(default_factory=dict)  # site path -> sha256: the manifest
    _made: set[Path] = field(default_factory=set)

    def live_hashes(self) -> dict[str, str]:
        """The live site's files and their sha256 (its manifest)."""
        return read_manifest(self.live)

    def read_live(self, rel: str) -> bytes | None:
        """A file of the live site, or None."""
        try:
            return join_checked(self.live, rel).read_bytes()
        except OSError:
            return None

    @staticmethod
    def beside(dest: Path) -> Staging:
        """A fresh staging folder for the site at `dest`."""
        return Staging(staging_dir(dest), dest)

    def _target(self, rel: str) -> Path:
        target = join_checked(self.staged, rel)
        if target.parent not in self._made:
            target.parent.mkdir(parents=True, exist_ok=True)
            self._made.add(target.parent)
        return target

    def add(self, rel: str, data: str | bytes) -> None:
        """Write one rendered file under its site path."""
        raw = data.encode() if isinstance(data, str) else data
        with naming(self.live / rel):
            self._target(rel).write_bytes(raw)
        self.hashes[rel] = hashlib.sha256(raw).hexdigest()

    def keep(self, rel: str, digest: str | None) -> None:
        """Carry an unchanged file over from the live site (a hard link: no read, no copy)."""
        target = self._target(rel)
        link_or_copy(self.live / rel, target)
        self.hashes[rel] = digest or hashlib.sha256(target.read_bytes()).hexdigest()

    def link(self, rel: str, source: Path) -> None:
        """A download, linked from the build's output folder (not part of the manifest)."""
        link_or_copy(source, self._target(rel))

    def publish(self) -> Path | None:
        """Swap the staging folder in for the live site; the old site, for the caller to remove."""
        with naming(self.live / MANIFEST):
            (self.staged / MANIFEST).write_text(manifest_json(self.hashes) + "\n")
        return replace_dir(self.staged, self.live, drop=False)

    def discard(self) -> None:
        """Drop the staging folder (after a failure)."""
        discard(self.staged)


@dataclass
class MemorySite:
    """A site held in memory (the preview server's): the same calls as Staging."""

    live: dict[str, bytes]
    files: dict[str, bytes] = field(default_factory=dict)
    hashes: dict[str, str] = field(default_factory=dict)
    live_digests: dict[str, str] = field(default_factory=dict)

    def live_hashes(self) -> dict[str, str]:
        """The current site's files and their sha256."""
        return self.live_digests

    def read_live(self, rel: str) -> bytes | None:
        """A file of the current site, or None."""
        return self.live.get(rel)

    def add(self, rel: str, data: str | bytes) -> None:
        """Hold one rendered file."""
        raw = data.encode() if isinstance(data, str) else data
        self.files[rel] = raw
        self.hashes[rel] = hashlib.sha256(raw).hexdigest()

    def keep(self, rel: str, digest: str | None) -> None:
        """Carry an unchanged file over from the current site."""
        self.files[rel] = self.live[rel]
        self.hashes[rel] = digest or hashlib.sha256(self.live[rel]).hexdigest()

    def link(self, rel: str, source: Path) -> None:
        """Downloads are served from the build's folder, not held."""
