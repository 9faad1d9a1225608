"""Issue 6, revised by issue 23: a brief ends with its editorial change notes (its `changes:`
and the `Brief-Change:` trailers of commits to its file, HTML and PDF); commits without one
(formatting, code) are not shown, and the build still works outside a git checkout or
without git."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import copy_project, run
from tests.gitrepo import commit, git, init, short

FIRST = ("2025-01-02", "Add the briefs")  # an engineering commit: readers never see it
# A change note with markup-significant characters: it must come out as text.
SECOND = ("2025-02-03", "New START: verification <b>up</b> & review")
SECOND_NOTE = "Verification judgment revised <b>up</b> & re-sourced"
SECOND_MESSAGE = f"{SECOND[1]}\n\nBrief-Change: {SECOND_NOTE}"
NO_CHANGES = "No substantive changes recorded since this brief was first issued."
LABELS = {
    "2025-01-02": "2 January 2025",
    "2025-02-03": "3 February 2025",
    "2025-03-04": "4 March 2025",
}


def row(date: str, note: str) -> str:
    note = note.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return f'<tr><td><time datetime="{date}">{LABELS[date]}</time></td><td>{note}</td></tr>'


def history_rows(html: str) -> list[str]:
    section = html.split('id="revisions"', 1)[1].split("</section>", 1)[0]
    return re.findall(r"<tr><td>.*?</tr>", section)


def only_new_start(root: Path) -> None:
    """Drop every brief but new-start, so a PDF build renders one file, not all of them."""
    for path in (root / "briefs").glob("*/*.yaml"):
        if path.name != "new-start.yaml":
            path.unlink()
    issue = root / "briefs" / "issues" / "new-start.yaml"
    issue.write_text(re.sub(r"(?m)^related:.*\n", "", issue.read_text("utf-8")))


def two_commits(repo: Path, sub: str = "", *, single: bool = False) -> tuple[Path, str, str]:
    """The project committed once, then new-start.yaml changed in a second commit."""
    init(repo)
    root = copy_project(repo / sub if sub else repo)
    if single:
        only_new_start(root)
    commit(repo, FIRST[1], date=f"{FIRST[0]}T10:00:00+00:00")
    first = short(repo)
    issue = root / "briefs" / "issues" / "new-start.yaml"
    issue.write_text(issue.read_text("utf-8").replace('version: "1.0"', 'version: "1.1"', 1))
    commit(repo, SECOND_MESSAGE, date=f"{SECOND[0]}T10:00:00+00:00")
    return root, first, short(repo)


def build(root: Path, out: Path, formats: str = "html") -> None:
    res = run("-C", root, "build", "--format", formats, "--out", out, "--quiet")
    assert res.code == 0, res.err


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_history_in_html_and_pdf(tmp_path: Path) -> None:
    root, first, second = two_commits(tmp_path / "repo", single=True)
    out = tmp_path / "out"
    build(root, out, "html,pdf")
    html = (out / "html" / "new-start.html").read_text("utf-8")
    assert history_rows(html) == [row(SECOND[0], SECOND_NOTE)]
    assert NO_CHANGES not in html and FIRST[1] not in html and second not in html

    text = subprocess.run(
        ["pdftotext", "-layout", str(out / "pdf" / "new-start.pdf"), "-"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    tail = text[text.rindex("Revision history") :]
    lines = [" ".join(line.split()) for line in tail.splitlines() if line.strip()]
    assert f"3 February 2025 {SECOND_NOTE}" in lines
    assert FIRST[1] not in tail and first not in tail


def test_project_below_the_repository_top_and_a_new_commit(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    root, _, _ = two_commits(repo, sub="team/briefs")
    out = tmp_path / "out"
    build(root, out)
    html = (out / "html" / "new-start.html").read_text("utf-8")
    assert history_rows(html) == [row(SECOND[0], SECOND_NOTE)]
    # Files the second commit did not touch show no change.
    nato = (out / "html" / "nato.html").read_text("utf-8")
    assert history_rows(nato) == [] and NO_CHANGES in nato
    # A later commit to another file appears on the next (incremental) build...
    nato = root / "briefs" / "issues" / "nato.yaml"
    nato.write_text(nato.read_text("utf-8").replace('version: "1.0"', 'version: "1.1"', 1))
    commit(
        repo,
        "NATO: review\n\nBrief-Change: Gap on Article 5 re-rated",
        date="2025-03-04T10:00:00+00:00",
    )
    # ...and one that only reformats does not.
    nato.write_text(nato.read_text("utf-8") + "\n")
    commit(repo, "Reformat", date="2025-03-05T10:00:00+00:00")
    build(root, out)
    rows = history_rows((out / "html" / "nato.html").read_text("utf-8"))
    assert rows == [row("2025-03-04", "Gap on Article 5 re-rated")]
    assert history_rows((out / "html" / "new-start.html").read_text("utf-8")) == [
        row(SECOND[0], SECOND_NOTE)
    ]


def test_build_outside_a_git_checkout(tmp_path: Path) -> None:
    root = copy_project(tmp_path / "plain")
    probe = subprocess.run(
        ["git", "-C", str(root), "rev-parse", "--git-dir"], capture_output=True, check=False
    )
    if probe.returncode == 0:
        pytest.skip("the temporary folder is inside a git checkout")
    out = tmp_path / "out"
    build(root, out, "md,html")
    html = (out / "html" / "new-start.html").read_text("utf-8")
    assert history_rows(html) == []
    assert NO_CHANGES in html
    assert NO_CHANGES in (out / "md" / "new-start.md").read_text("utf-8")


def test_build_without_git_installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root, _, _ = two_commits(tmp_path / "repo")
    empty = tmp_path / "no-tools"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))
    out = tmp_path / "out"
    build(root, out)
    html = (out / "html" / "new-start.html").read_text("utf-8")
    assert history_rows(html) == []
    assert NO_CHANGES in html


def test_git_helper_is_reproducible(tmp_path: Path) -> None:
    # Fixed author, committer and dates: the same content gives the same commit everywhere.
    hashes = []
    for name in ("a", "b"):
        repo = init(tmp_path / name)
        (repo / "f.txt").write_text("x\n")
        hashes.append(commit(repo, "same", date="2025-01-02T10:00:00+00:00"))
    assert hashes[0] == hashes[1]
    assert git(tmp_path / "a", "log", "-1", "--format=%an %ad", "--date=short") == (
        "Test Analyst 2025-01-02"
    )


# ESC (a terminal colour), BEL, a right-to-left override, a tag character.
HOSTILE = "Fix \x1b[31mred\x07 \u202egnp.exe\U000e0041 done"


def test_commit_subjects_carry_no_forbidden_character(tmp_path: Path) -> None:
    from briefgen.chars import FORBIDDEN, REPLACEMENT
    from briefgen.history import revisions

    repo = tmp_path / "repo"
    init(repo)
    root = copy_project(repo)
    only_new_start(root)
    commit(repo, f"{HOSTILE}\n\nBrief-Change: {HOSTILE}")
    rel = "briefs/issues/new-start.yaml"
    revision = revisions(root, [rel])[rel][0]
    # Each forbidden character is shown as U+FFFD (not dropped: the reader sees that
    # something was there), in the subject and in the change note alike.
    assert revision.subject == "Fix \ufffd[31mred\ufffd \ufffdgnp.exe\ufffd done"
    assert revision.note == revision.subject
    out = tmp_path / "out"
    build(root, out, "md,html")
    for path in (out / "md" / "new-start.md", out / "html" / "new-start.html"):
        text = path.read_text("utf-8")
        assert FORBIDDEN.search(text) is None, path
        assert f"{REPLACEMENT}gnp.exe" in text
