"""Adversarial builds (issue 8): nothing read outside the project, nothing fetched, nothing
written outside the output folder, and a failed build leaves the previous outputs untouched.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from briefgen.render.pdf import PdfError, render_pdf
from tests.conftest import copy_project, run
from tests.test_security import GOOD, assert_located, issue_data, write_json

TOKEN = "CANARY-7f3c9a1e-do-not-leak"


class Listener:
    """A TCP server on 127.0.0.1 that records every connection attempt."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        self._stop = False
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.hits += 1
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.thread.join(2)
        self.sock.close()


@pytest.fixture
def listener() -> Iterator[Listener]:
    """A listener that must see no connection."""
    lis = Listener()
    yield lis
    lis.close()


def small_project(dest: Path) -> Path:
    """The project with one issue and no book: a full PDF build takes a few seconds."""
    root = copy_project(dest)
    for path in (root / "briefs/issues").glob("*.yaml"):
        if path.name != "institutions.yaml":
            path.unlink()
    shutil.rmtree(root / "briefs/books")
    data = issue_data(root)
    data.pop("related", None)
    write_json(root, GOOD, data)
    return root


def pdf_text(data: bytes) -> str:
    """Everything readable in a PDF: raw bytes, every inflated stream and the extracted text."""
    import io

    from pypdf import PdfReader

    parts = [data.decode("latin-1")]
    for m in re.finditer(rb"stream\r?\n", data):
        end = data.find(b"endstream", m.end())
        try:
            parts.append(zlib.decompress(data[m.end() : end]).decode("latin-1"))
        except zlib.error:
            continue
    reader = PdfReader(io.BytesIO(data))
    parts.extend(page.extract_text() or "" for page in reader.pages)
    return "\n".join(parts)


def all_output_text(folder: Path) -> str:
    """Every output file as text (PDFs inflated), for a search."""
    chunks = []
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            data = path.read_bytes()
            chunks.append(pdf_text(data) if path.suffix == ".pdf" else data.decode("latin-1"))
    return "\n".join(chunks)


def snapshot(folder: Path, skip: tuple[str, ...] = ()) -> dict[str, str]:
    """Path -> content hash of every file under `folder` (links as their target)."""
    out = {}
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if rel.startswith(skip):
            continue
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def hostile_refs(target: str) -> str:
    """Markdown naming `target` every way content might try to make a renderer load it."""
    return "\n\n".join(
        [
            f"[link]({target}) ![image]({target}) <{target}>",
            f"[ref][c]\n\n[c]: {target}",
            f'<img src="{target}"> <link rel="stylesheet" href="{target}">',
            f'<iframe src="{target}"></iframe> <object data="{target}"></object>',
            f"<style>@import url({target}); body {{ background: url({target}) }}</style>",
            f'<a rel="attachment" href="{target}">attach</a>',
        ]
    )


def make_hostile(root: Path, target: str, url: str) -> None:
    """Point every Markdown field and every plain field that can hold it at `target`."""
    data = issue_data(root)
    data["bluf"] = hostile_refs(target)
    data["subtitle"] = f"</style><style>@import url({target});</style>"
    data["key_judgments"][0]["text"] = hostile_refs(target)
    data["positions"][0]["note"] = hostile_refs(target)
    write_json(root, GOOD, data)
    sources = (root / "briefs/sources.yaml").read_text()
    sources = sources.replace("    local_copy:", f"    url: {url}\n    local_copy:", 1)
    (root / "briefs/sources.yaml").write_text(sources)


def test_no_file_outside_the_project_is_read(tmp_path: Path) -> None:
    """A canary outside the copy, named by file:// URL, relative path and symlink: no leak."""
    canary = tmp_path / "canary.txt"
    canary.write_text(TOKEN)
    root = small_project(tmp_path / "proj")
    make_hostile(root, canary.as_uri(), "https://example.invalid/x")
    data = issue_data(root)
    src = {"sources": ["gap-analysis"]}
    data["analysis"] = [
        {"id": "rel", "heading": "h", "body": hostile_refs("../../../canary.txt"), **src},
        {"id": "abs", "heading": "h", "body": hostile_refs(str(canary)), **src},
    ]
    write_json(root, GOOD, data)
    (root / "templates/assets/canary.css").symlink_to(canary)  # even a linked "asset"
    res = run("-C", root, "build", "-q", "-j", "1")
    assert res.code == 0, res.err
    assert sorted(p.suffix for p in (root / "build").rglob("*.*") if p.parent.name != ".briefgen")
    text = all_output_text(root / "build")
    assert "institutions" in text and TOKEN not in text


def test_pdf_fetcher_refuses_everything_but_assets(tmp_path: Path, listener: Listener) -> None:
    """Even if a template let hostile HTML through: no file read, no connection, no attachment."""
    canary = tmp_path / "canary.txt"
    canary.write_text(TOKEN)
    root = small_project(tmp_path / "proj")
    (root / "templates/assets/link.css").symlink_to(canary)
    http = f"http://127.0.0.1:{listener.port}/x"
    html = "<!DOCTYPE html><html><head>"
    for target in (canary.as_uri(), http, (root / "templates/assets/link.css").as_uri()):
        html += f'<link rel="stylesheet" href="{target}"><link rel="attachment" href="{target}">'
        html += f"<style>@import url({target}); @font-face {{ font-family: x; src: url({target}) }}"
        html += f" p {{ background: url({target}) }}</style>"
    html += f'</head><body><p>visible text</p><img src="{canary.as_uri()}"><img src="{http}">'
    html += f'<a rel="attachment" href="{canary.as_uri()}">a</a><object data="{http}"></object>'
    html += f'<svg><image href="{canary.as_uri()}"/><image href="{http}"/></svg>'
    html += '<img src="data:image/svg+xml,%3Csvg%3E%3C/svg%3E"></body></html>'
    data = render_pdf(html, root=root)
    text = pdf_text(data)
    assert "visible text" in text and TOKEN not in text
    assert "/EmbeddedFile" not in text
    time.sleep(0.3)
    assert listener.hits == 0


def test_no_connection_is_attempted_during_a_full_build(tmp_path: Path, listener: Listener) -> None:
    """http://127.0.0.1:PORT in links, images, CSS and a source URL: the listener hears nothing."""
    root = small_project(tmp_path / "proj")
    url = f"http://127.0.0.1:{listener.port}/probe"
    make_hostile(root, url, url)
    res = run("-C", root, "build", "-q", "-j", "1")
    assert res.code == 0, res.err
    assert (root / "build/pdf/institutions.pdf").is_file()
    for fmt in ("md", "html", "pdf"):  # nor does this machine's checkout path appear
        assert str(tmp_path) not in all_output_text(root / "build" / fmt)
    time.sleep(0.3)
    assert listener.hits == 0


def test_pdf_time_budget_stops_a_hostile_layout(tmp_path: Path) -> None:
    """A brief that takes longer than its budget fails alone with a plain message."""
    root = small_project(tmp_path / "proj")
    table = "|" + "a|" * 2000 + "\n|" + "-|" * 2000 + "\n|" + "x|" * 2000 + "\n"
    html = f"<table>{'<tr>' + '<td>x</td>' * 3000 + '</tr>'}</table>" + table
    start = time.perf_counter()
    with pytest.raises(PdfError, match=r"longer than 0\.5 seconds"):
        render_pdf(html, root=root, seconds=0.5)
    assert time.perf_counter() - start < 3


def test_pdf_page_budget() -> None:
    """More pages than the budget is an error, not a 10,000-page PDF."""
    html = "<p style='page-break-after: always'>x</p>" * 5
    with pytest.raises(PdfError, match="5 pages exceed the budget of 3"):
        render_pdf(html, root=None, max_pages=3)


def test_pdf_budget_failure_is_a_located_build_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Through the CLI: exit 1, a message, no traceback, and no PDF folder half-written."""
    import briefgen.render.pdf as pdf

    root = small_project(tmp_path / "proj")
    monkeypatch.setattr(pdf, "PDF_SECONDS", 0.01)
    res = run("-C", root, "build", "--format", "pdf", "-q", "-j", "1")
    assert res.code == 1 and "Traceback" not in res.err
    assert re.search(r"^build:1:1: error: rendering failed: .*longer than", res.err, re.M)
    assert not (root / "build/pdf").exists()


def test_pdf_in_a_child_is_byte_identical(tmp_path: Path) -> None:
    """The budget's child process does not change a byte of the PDF."""
    from briefgen.render.pdf import _render_pdf

    html = "<!DOCTYPE html><html><body><h1>Same</h1><p>bytes</p></body></html>"
    assert render_pdf(html, root=None) == _render_pdf(html, None, 400)


# --- output: atomic, complete, contained ----------------------------------------------------


def test_failed_build_leaves_previous_outputs_untouched(project: Path) -> None:
    """Build, then break a file: every previous output byte-identical, no staging left."""
    assert run("-C", project, "build", "--format", "md,html", "-q").code == 0
    before = snapshot(project / "build")
    (project / GOOD).write_text((project / GOOD).read_text() + "\n  bad: [indent\n")
    res = run("-C", project, "build", "--format", "md,html", "-q")
    assert_located(res, GOOD)
    assert snapshot(project / "build") == before
    assert not [
        p for p in (project / "build").iterdir() if "staging" in p.name or ".old-" in p.name
    ]


def test_renderer_failing_midway_leaves_previous_outputs_untouched(project: Path) -> None:
    """Issues render, then the book fails: nothing of the new build is written."""
    assert run("-C", project, "build", "--format", "md,html", "-q").code == 0
    before = snapshot(project / "build")
    # A project template that renders issues but fails on the book (an undefined variable).
    override = project / "templates" / "md" / "brief.md.j2"
    text = override.read_text("utf-8")
    override.write_text('{% if doc.kind == "book" %}{{ no_such_variable }}{% endif %}' + text)
    res = run("-C", project, "build", "--format", "md,html", "-q", "-j", "1")
    assert res.code == 1 and "rendering failed" in res.err and "Traceback" not in res.err
    assert snapshot(project / "build") == before


def test_stale_outputs_of_a_deleted_issue_are_removed(project: Path) -> None:
    """Delete an issue (and the references to it): its outputs go in the next build."""
    assert run("-C", project, "build", "--format", "md,html", "-q").code == 0
    assert (project / "build/html/institutions.html").is_file()
    (project / GOOD).unlink()
    for path in [*project.glob("briefs/issues/*.yaml"), *project.glob("briefs/books/*.yaml")]:
        text = path.read_text()
        text = re.sub(r"(?m)^(\s*-\s*)?institutions,?\s*$\n?", "", text)
        path.write_text(re.sub(r",\s*institutions\b|\binstitutions,\s*", "", text))
    res = run("-C", project, "build", "--format", "md,html", "-q")
    assert res.code == 0, res.err
    assert not list((project / "build").rglob("institutions.*"))
    assert (project / "build/html/nato.html").is_file()


def test_nothing_is_written_outside_the_output_folder(tmp_path: Path) -> None:
    """A hostile full build changes nothing in the project but build/ (and the signed cache)."""
    root = small_project(tmp_path / "proj")
    make_hostile(root, "../../../escape", "https://example.invalid/x")
    outside = snapshot(tmp_path, skip=("proj/",))
    inside = snapshot(root)
    res = run("-C", root, "build", "-q", "-j", "1")
    assert res.code == 0, res.err
    assert snapshot(tmp_path, skip=("proj/",)) == outside
    assert snapshot(root, skip=("build/", ".briefgen-cache/")) == inside


@pytest.mark.parametrize(
    ("out", "fragment"),
    [
        (".", "holds the project"),
        ("..", "holds the project"),
        ("templates", "inside the project's templates/"),
        ("templates/html", "inside the project's templates/"),
        ("briefs/out", "inside the project's briefs/"),
        (".git/out", "inside the project's .git/"),
    ],
)
def test_out_may_not_be_the_project_or_its_inputs(project: Path, out: str, fragment: str) -> None:
    """Outputs replace whole folders, so --out may not name the project or its inputs."""
    before = snapshot(project)
    res = run("-C", project, "build", "--format", "md", "-q", "--out", project / out)
    assert res.code == 1 and fragment in res.err and "Traceback" not in res.err
    assert res.err.startswith("--out:1:1: error:")
    assert snapshot(project) == before


def test_out_through_a_symlink_is_refused(project: Path, tmp_path: Path) -> None:
    """A committed `build -> elsewhere` would redirect every write."""
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (project / "build").symlink_to(elsewhere)
    res = run("-C", project, "build", "--format", "md", "-q")
    assert res.code == 1 and "symbolic link" in res.err
    assert list(elsewhere.iterdir()) == []


def test_out_will_not_replace_a_folder_briefgen_did_not_make(project: Path, tmp_path: Path) -> None:
    """--out ~ would otherwise swap away an existing ~/html."""
    mine = tmp_path / "home" / "html"
    mine.mkdir(parents=True)
    (mine / "precious.txt").write_text("keep me")
    res = run("-C", project, "build", "--format", "html", "-q", "--out", tmp_path / "home")
    assert res.code == 1 and "was not made by briefgen" in res.err
    assert (mine / "precious.txt").read_text() == "keep me"


def test_out_elsewhere_is_allowed(project: Path, tmp_path: Path) -> None:
    """An explicit folder outside the project is the operator's choice."""
    res = run("-C", project, "build", "--format", "md", "-q", "--out", tmp_path / "site-out")
    assert res.code == 0, res.err
    assert (tmp_path / "site-out/md/nato.md").is_file()
    assert not (project / "build").exists()


def test_committed_build_folder_is_refused(project: Path) -> None:
    """Outputs planted in a pull request (with forged manifests) are never taken as built."""
    import subprocess

    assert run("-C", project, "build", "--format", "md", "-q").code == 0
    subprocess.run(["git", "init", "-q", str(project)], check=True)
    subprocess.run(["git", "-C", str(project), "add", "-f", "build/md/nato.md"], check=True)
    before = snapshot(project / "build")
    res = run("-C", project, "build", "--format", "md", "-q")
    assert res.code == 1 and "under version control" in res.err and "Traceback" not in res.err
    assert snapshot(project / "build") == before


def test_relative_links_in_pdf_carry_no_machine_path(project: Path) -> None:
    """With a file:// base URL, `<a href="nato.html">` became file:///checkout/...: not any more."""
    data = render_pdf('<p><a href="nato.html">related</a></p>', root=project)
    text = pdf_text(data)
    assert "nato.html" in text and str(project) not in text and "file:" not in text
