"""An incremental site starts from the site before last (the spare) and validates an edit on
another core as soon as the files are hashed; both must give the bytes of a clean site.

The spare shares most files with the live site (hard links), so the one rule that matters is
that nothing is ever written through a link: a live file's bytes never change in place.
"""

from __future__ import annotations

import io
import json
import os
import shutil
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.build import checked_site
from briefgen.write import manifest_json, mirror_links, spare_dir
from tests.conftest import copy_project
from tests.test_incremental import edit, site, snapshot


def checked(root: Path, jobs: int = 2) -> tuple[bool, list[str]]:
    """Build the HTML site as `briefgen site` does (checked_site first); whether the edit's
    validation was started early, and the diagnostics."""
    from briefgen.site import SiteOptions, build_site

    with checked_site(root, None, pdf=False, live=False, jobs=jobs, force=False) as check:
        if check.current is not None:
            return False, []
        early = check.validating is not None
        report = build_site(
            root,
            SiteOptions(pdf=False, jobs=jobs),
            out=io.StringIO(),
            err=io.StringIO(),
            snapshot=check.snapshot,
            validating=check.validating,
        )
    return early, [d.format() for d in report.diagnostics]


def opened(*folders: Path) -> dict[int, bytes]:
    """An open descriptor of every file under `folders`, with the bytes it holds now."""
    out = {}
    for p in (p for f in folders for p in sorted(f.rglob("*")) if p.is_file()):
        fd = os.open(p, os.O_RDONLY)
        out[fd] = os.pread(fd, 1 << 24, 0)
    return out


def clean_site(tmp_path: Path, edited: Path) -> dict[str, bytes]:
    """A clean serial site of the shipped content with `edited` copied in."""
    clean = copy_project(tmp_path / "clean")
    shutil.copy2(edited, clean / "briefs" / "issues")
    _, folder = site(clean, jobs=1, force=True)
    return snapshot(folder)


@pytest.mark.parametrize("jobs", [1, 2])
def test_site_from_the_spare_writes_nothing_through_a_link(
    project: Path, tmp_path: Path, jobs: int
) -> None:
    _, folder = site(project, jobs=jobs)
    nato = project / "briefs" / "issues" / "nato.yaml"
    edit(nato, "subtitle: ", "subtitle: First, ")
    site(project, jobs=jobs)
    spare = spare_dir(folder)
    assert spare.is_dir()  # the site before last, kept instead of deleted
    for n in range(2):  # each build starts from the spare and leaves the old site as one
        before = opened(folder, spare)  # held open: a file's bytes, wherever it is linked
        edit(nato, "subtitle: ", f"subtitle: Again {n}, ")
        site(project, jobs=jobs)
        try:  # no file of the live site or the spare was written in place
            assert {fd: os.pread(fd, 1 << 24, 0) for fd in before} == before
        finally:
            for fd in before:
                os.close(fd)
        assert snapshot(folder) == clean_site(tmp_path / str(n), nato)
    assert [p.name for p in folder.parent.iterdir() if "staging" in p.name] == []


def test_a_spare_with_strays_and_planted_links_is_mirrored(project: Path, tmp_path: Path) -> None:
    _, folder = site(project, jobs=2)
    nato = project / "briefs" / "issues" / "nato.yaml"
    edit(nato, "subtitle: ", "subtitle: First, ")
    site(project, jobs=2)
    spare = spare_dir(folder)
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("untouched")
    (spare / "stray.html").write_text("stray")
    (spare / "stray-folder").mkdir()
    (spare / "stray-folder" / "x.html").write_text("x")
    shutil.rmtree(spare / "actors")
    (spare / "actors").symlink_to(outside, target_is_directory=True)  # a folder as a link out
    (spare / "index.html").unlink()
    (spare / "index.html").write_text("a different file of the same name")
    (spare / "md").rename(spare / "md-moved")
    (spare / "md").write_text("a file where a folder goes")
    edit(nato, "subtitle: ", "subtitle: Second, ")
    site(project, jobs=2)
    assert snapshot(folder) == clean_site(tmp_path, nato)
    assert [p.name for p in outside.iterdir()] == ["keep.txt"]
    assert (outside / "keep.txt").read_text() == "untouched"


def test_a_spare_that_is_a_link_is_not_followed(project: Path, tmp_path: Path) -> None:
    _, folder = site(project, jobs=2)
    spare = spare_dir(folder)
    shutil.rmtree(spare, ignore_errors=True)
    outside = tmp_path / "outside"
    shutil.copytree(folder, outside)
    before = snapshot(outside)
    spare.symlink_to(outside, target_is_directory=True)
    nato = project / "briefs" / "issues" / "nato.yaml"
    edit(nato, "subtitle: ", "subtitle: Linked, ")
    site(project, jobs=2)
    assert snapshot(outside) == before
    assert snapshot(folder) == clean_site(tmp_path, nato)


def test_mirror_links_links_what_differs_and_removes_the_rest(tmp_path: Path) -> None:
    src, dst = tmp_path / "src", tmp_path / "dst"
    src.mkdir()
    dst.mkdir()
    for name in ("same", "other", "new", "unwanted"):
        (src / name).write_text(name)
    os.link(src / "same", dst / "same")
    (dst / "other").write_text("old copy")
    (dst / "stray").write_text("stray")
    (dst / "sub").mkdir()
    (dst / "gone").mkdir()
    (dst / "link").symlink_to(src / "same")
    inode = (dst / "same").stat().st_ino
    failed = mirror_links(src, dst, ["same", "other", "new", "missing"], dirs=["sub"])
    assert failed == ["missing"]
    assert sorted(p.name for p in dst.iterdir()) == ["new", "other", "same", "sub"]
    for name in ("same", "other", "new"):
        assert (dst / name).stat().st_ino == (src / name).stat().st_ino
    assert (dst / "same").stat().st_ino == inode  # left alone
    assert (src / "other").read_text() == "other"


def test_an_edit_is_validated_while_the_files_are_checked(project: Path, tmp_path: Path) -> None:
    site(project, jobs=2)
    assert checked(project) == (False, [])  # a no-op starts nothing
    nato = project / "briefs" / "issues" / "nato.yaml"
    edit(nato, "subtitle: ", "subtitle: Early, ")
    early, diags = checked(project)
    assert early and diags == []
    assert snapshot(project / "build" / "site") == clean_site(tmp_path, nato)
    assert checked(project, jobs=1) == (False, [])  # one core: nothing started, nothing to do


def test_a_bad_edit_validated_early_is_reported_as_a_full_validation(project: Path) -> None:
    site(project, jobs=2)
    before = snapshot(project / "build" / "site")
    edit(
        project / "briefs" / "issues" / "nato.yaml",
        "principals: [united-states, russia]",
        "principals: [united-states, rusia]",
    )
    early, diags = checked(project)
    assert early
    assert snapshot(project / "build" / "site") == before  # nothing written
    shutil.rmtree(project / "build" / ".briefgen")  # no state: a full validation
    _, full = checked(project)
    assert diags == full and any("unknown actor 'rusia'" in d for d in diags)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.text(), st.text(), max_size=8))
def test_manifest_json_is_the_json_modules_text(manifest: dict[str, str]) -> None:
    assert manifest_json(manifest) == json.dumps(manifest, sort_keys=True, indent=1)
