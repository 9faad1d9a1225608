"""Adversarial inputs (issue 8): hostile YAML, ids and input files fail cleanly and located.

Every attack is a new file in a private copy of the project. The assertion is always the same:
exit code 1, a `path:line:col: error:` line naming the file, and no Python traceback.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from briefgen.load import load_file
from tests.conftest import REPO, copy_project, run

EVIL = "briefs/issues/evil.yaml"
GOOD = "briefs/issues/institutions.yaml"


def issue_data(root: Path, rel: str = GOOD) -> dict:
    """A shipped issue as plain data, to turn into a hostile variant."""
    doc, problem = load_file((root / rel).read_bytes(), rel)
    assert doc is not None, problem
    return dict(doc.data)


def write_json(root: Path, rel: str, data: object) -> None:
    """JSON is YAML 1.2: a compact way to write a crafted file."""
    (root / rel).write_text(json.dumps(data, ensure_ascii=False, indent=1), "utf-8")


def assert_located(res: object, rel: str, fragment: str = "", line: int | None = None) -> None:
    """Exit 1, a located error for `rel` (mentioning `fragment`), and no traceback."""
    code, err = res.code, res.err  # type: ignore[attr-defined]
    assert code == 1, err
    assert "Traceback" not in err
    pattern = rf"^{re.escape(rel)}:(\d+):(\d+): error: .*{re.escape(fragment)}"
    m = re.search(pattern, err, re.M)
    assert m, f"no located error for {rel} with {fragment!r}:\n{err}"
    if line is not None:
        assert int(m.group(1)) == line, err


# --- YAML: each attack is the text of a new issue file --------------------------------------

YAML_ATTACKS: dict[str, tuple[bytes, str, int]] = {
    # name: (file bytes, expected message fragment, expected line)
    "python_object_tag": (
        b'id: evil\ntitle: !!python/object/apply:os.system ["touch PWNED"]\n',
        "tags (tag:yaml.org,2002:python/object/apply:os.system) are not allowed",
        2,
    ),
    "python_name_tag": (b"id: !!python/name:os.system evil\n", "tags (", 1),
    "local_tag": (b"id: evil\ntitle: !secret x\n", "tags (!secret)", 2),
    "non_specific_tag": (b"id: evil\ntitle: ! x\n", "tags (!)", 2),
    "str_tag": (b"id: evil\nversion: !!str 1.0\n", "tags (tag:yaml.org,2002:str)", 2),
    "binary_tag": (b"id: evil\ntitle: !!binary aGk=\n", "tags (", 2),
    "yaml_1_1_directive": (b"%YAML 1.1\n---\nid: evil\n", "%YAML 1.1 directive", 1),
    "tag_directive": (b"%TAG !e! tag:e.com,2000:\n---\nid: !e!x evil\n", "%TAG", 1),
    "billion_laughs": (
        b'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n'
        b"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n",
        "anchors (&a) are not allowed",
        1,
    ),
    "alias_only": (b"id: evil\ntitle: *x\n", "", 2),
    "merge_key": (b"id: evil\n<<: {title: x}\n", "unknown field '<<'", 2),
    "deep_flow_sequence": (b"id: " + b"[" * 100_000 + b"]" * 100_000 + b"\n", "nesting", 1),
    "deep_flow_mapping": (b"id: " + b"{a: " * 5000 + b"x" + b"}" * 5000 + b"\n", "nesting", 1),
    "deep_block_mapping": (
        b"".join(b"  " * i + b"k%d:\n" % i for i in range(40)) + b"  " * 40 + b"x: 1\n",
        "nesting is deeper than 24 levels",
        25,
    ),
    "ten_thousand_digit_int": (b"id: evil\nversion: " + b"9" * 10_000 + b"\n", "digits", 2),
    "huge_hex_int": (b"id: evil\nversion: 0x" + b"f" * 400 + b"\n", "too large", 2),
    "not_utf8": (b"id: evil\ntitle: caf\xe9\n", "not valid UTF-8 (byte 0xE9", 2),
    "lone_surrogate_escape": (b'id: evil\ntitle: "\\ud800"\n', "invalid YAML", 2),
    "surrogate_pair_escape": (b'id: evil\ntitle: "\\ud83d\\ude00"\n', "invalid YAML", 2),
    "nul_escape": (b'id: evil\ntitle: "a\\0b"\n', "control character U+0000", 2),
    "raw_control_char": (b"id: evil\ntitle: a\x07b\n", "control character U+0007", 2),
    "raw_bidi_override": ("id: evil\ntitle: a\u202eb\n".encode(), "bidirectional control", 2),
    "escaped_bidi_isolate": (b'id: evil\ntitle: "a\\u2066b"\n', "bidirectional control", 2),
    "bidi_in_comment": ("# \u202e hidden\nid: evil\n".encode(), "bidirectional control", 1),
    "invisible_tag_chars": ("id: evil\ntitle: a\U000e0041b\n".encode(), "invisible tag", 2),
    "c1_control_escape": (b'id: evil\ntitle: "\\N"\n', "control character U+0085", 2),
    "several_documents": (b"id: evil\n---\nid: other\n", "only one YAML document", 2),
    "many_documents": (b"id: evil\n" + b"---\n" * 100_000, "only one YAML document", 2),
    "huge_scalar": (b"id: evil\ntitle: " + b"x" * 150_000 + b"\n", "longer than 100000", 2),
    "huge_key": (b"id: evil\n" + b"k" * 500 + b": 1\n", "key is longer than 128", 2),
    "many_nodes": (b"id: evil\nsources: [" + b"a," * 250_000 + b"a]\n", "YAML nodes", 2),
    "duplicate_key": (b"id: evil\ntitle: a\ntitle: b\n", "duplicate key 'title'", 3),
    "complex_key": (b"id: evil\n? [a, b]\n: 1\n", "mapping keys must be plain strings", 2),
    "integer_key": (b"id: evil\n1: x\n", "mapping keys must be plain strings", 2),
    "empty_file": (b"", "file is empty", 1),
    "scalar_document": (b"just a string\n", "must be a YAML mapping", 1),
    "unclosed_quote": (b'id: evil\ntitle: "abc\n', 'quoted with " here is never closed', 2),
    "utf16": ("id: evil\n".encode("utf-16"), "not valid UTF-8 (byte 0xFF", 1),
}


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One project holding every YAML attack as its own issue file."""
    root = copy_project(tmp_path_factory.mktemp("hostile") / "proj")
    for name, (raw, _, _) in YAML_ATTACKS.items():
        (root / f"briefs/issues/{name.replace('_', '-')}.yaml").write_bytes(raw)
    return root


@pytest.fixture(scope="module")
def hostile_report(hostile: Path) -> str:
    """`briefgen validate` over all of them, in a real subprocess (so stderr is all of it)."""
    proc = subprocess.run(
        [sys.executable, "-m", "briefgen", "-C", str(hostile), "validate"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=REPO,
        env={**os.environ, "BRIEFGEN_NO_CACHE": "1"},
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    return proc.stderr


@pytest.mark.parametrize("name", sorted(YAML_ATTACKS))
def test_yaml_attack_is_a_located_error(name: str, hostile: Path, hostile_report: str) -> None:
    """Each hostile file: exit 1, `path:line:col: error:` naming it, no traceback, nothing run."""
    _, fragment, line = YAML_ATTACKS[name]
    rel = f"briefs/issues/{name.replace('_', '-')}.yaml"
    res = type("R", (), {"code": 1, "err": hostile_report})()
    assert_located(res, rel, fragment, line)
    assert not (hostile / "PWNED").exists() and not Path("PWNED").exists()


def test_hostile_files_cost_little_time(hostile: Path) -> None:
    """All of the attacks above, alias bombs and 100k-deep nesting included, load in seconds."""
    import time

    start = time.perf_counter()
    res = run("-C", hostile, "validate")
    assert res.code == 1
    assert time.perf_counter() - start < 20


def test_unique_items_on_thousands_of_mappings_is_fast(project: Path) -> None:
    """jsonschema's own uniqueItems is quadratic on mappings: 60k of them must not stall."""
    import time

    data = issue_data(project)
    data["related"] = [{"a": i} for i in range(40_000)]
    (project / GOOD).write_text(json.dumps(data))
    start = time.perf_counter()
    res = run("-C", project, "validate")
    assert time.perf_counter() - start < 15
    assert_located(res, GOOD, "must be text")
    assert res.err.count(f"{GOOD}:") <= 52  # capped: a hostile file cannot flood the log


def test_impossible_date_is_located(project: Path) -> None:
    """2025-02-30 passes the date pattern but is no calendar date."""
    text = (project / GOOD).read_text().replace('"2025-08-10"', '"2025-02-30"', 1)
    (project / GOOD).write_text(text)
    assert_located(run("-C", project, "validate"), GOOD, "'2025-02-30' is not a real calendar date")


def test_impossible_month_in_partial_date_is_located(project: Path) -> None:
    """A YYYY-MM with month 13."""
    text = (
        (project / "briefs/sources.yaml")
        .read_text()
        .replace('date: "2025-08"', 'date: "2025-13"', 1)
    )
    (project / "briefs/sources.yaml").write_text(text)
    assert_located(
        run("-C", project, "validate"), "briefs/sources.yaml", "not a real calendar date"
    )


@pytest.mark.parametrize("value", [".inf", "-.inf", ".nan", "1e400", "99999999999999999999"])
def test_absurd_numbers_in_integer_field(project: Path, value: str) -> None:
    """stale_after_days must be a whole number in range; floats, infinities, NaN are not."""
    cfg = project / "briefgen.yaml"
    cfg.write_text(cfg.read_text().replace("stale_after_days: 180", f"stale_after_days: {value}"))
    res = run("-C", project, "validate")
    lines = cfg.read_text().splitlines()
    line = next(i for i, x in enumerate(lines, 1) if x.startswith("stale_after_days:"))
    assert_located(res, "briefgen.yaml", "", line)


def test_template_syntax_in_yaml_validates_as_text(project: Path) -> None:
    """`{{ 7*7 }}` is just text to the loader (it is never compiled: see test_security_render)."""
    data = issue_data(project)
    data["title"] = "{{ 7*7 }} {% include 'x' %}"
    write_json(project, GOOD, data)
    assert run("-C", project, "validate").code == 0
    from briefgen.validate import load_project

    corpus = load_project(project).corpus
    assert corpus is not None
    assert corpus.issues["institutions"].title == "{{ 7*7 }} {% include 'x' %}"


# --- ids and paths --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ident", "fragment"),
    [
        ("../evil", "is not a valid id"),
        ("/etc/passwd", "is not a valid id"),
        ("evil/../../x", "is not a valid id"),
        ("Evil", "is not a valid id"),
        ("evil\u0430", "is not a valid id"),  # Cyrillic 'а'
        ("evil\n", "is not a valid id"),  # Python's `$` matched before a final newline
        ("evil.yaml", "is not a valid id"),
        ("-evil", "is not a valid id"),
        ("evil--x", "is not a valid id"),
        ("e" * 65, "at most 64"),
    ],
)
def test_unsafe_issue_id_is_rejected(project: Path, ident: str, fragment: str) -> None:
    """Ids are ASCII slugs: no paths, no capitals, no lookalikes, no trailing newline."""
    data = issue_data(project)
    data["id"] = ident
    write_json(project, EVIL, data)
    assert_located(run("-C", project, "validate"), EVIL, fragment, 2)


@pytest.mark.parametrize("ident", ["index", "search", "404", "con", "nul", "sitemap"])
def test_reserved_id_is_rejected(project: Path, ident: str) -> None:
    """Ids naming the site's own pages or Windows devices."""
    rel = f"briefs/issues/{ident}.yaml"
    data = issue_data(project)
    data["id"] = ident
    write_json(project, rel, data)
    assert_located(run("-C", project, "validate"), rel, "reserved")


@pytest.mark.parametrize("ident", ["main", "sources", "book", "note-1", "player-russia"])
def test_id_clashing_with_page_anchors_is_rejected(project: Path, ident: str) -> None:
    """A chapter `<section id=ISSUE>` must not duplicate the page's own anchors."""
    rel = f"briefs/issues/{ident}.yaml"
    data = issue_data(project)
    data["id"] = ident
    write_json(project, rel, data)
    assert_located(run("-C", project, "validate"), rel, "clash with the brief page")


def test_lookalike_file_name_is_rejected(project: Path) -> None:
    """A Cyrillic file name and id that look like 'nato'."""
    rel = "briefs/issues/n\u0430to.yaml"
    data = issue_data(project, "briefs/issues/nato.yaml")
    data["id"] = "n\u0430to"
    write_json(project, rel, data)
    assert_located(run("-C", project, "validate"), rel, "is not a valid id")


def test_id_not_matching_file_name_is_rejected(project: Path) -> None:
    """NATO.yaml saying id: nato would be two files for one output on a case-blind disk."""
    rel = "briefs/issues/NATO.yaml"
    data = issue_data(project, "briefs/issues/nato.yaml")
    write_json(project, rel, data)
    assert_located(run("-C", project, "validate"), rel, "must match the file name")


def test_issue_and_book_with_one_id_collide(project: Path) -> None:
    """Issues and books share build/html/<id>.html: one error names both files."""
    book = (project / "briefs/books/us-russia-summit.yaml").read_text()
    (project / "briefs/books/nato.yaml").write_text(
        book.replace("id: us-russia-summit", "id: nato")
    )
    res = run("-C", project, "validate")
    assert_located(
        res, "briefs/books/nato.yaml", "collides with 'nato' in briefs/issues/nato.yaml:"
    )


def test_symlink_to_a_file_outside_is_refused(project: Path, tmp_path: Path) -> None:
    """A committed link to a file outside the project is never read."""
    outside = tmp_path / "outside.yaml"
    outside.write_text("id: evil\ntitle: SECRET-OUTSIDE\n")
    (project / EVIL).symlink_to(outside)
    res = run("-C", project, "validate")
    assert_located(res, EVIL, "link to a place outside the project")
    assert "SECRET-OUTSIDE" not in res.err + res.out


def test_symlinked_folder_outside_is_refused(project: Path, tmp_path: Path) -> None:
    """briefs/books -> elsewhere: the files in it are outside, whatever their own type."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "leak.yaml").write_text("id: leak\ntitle: SECRET-FOLDER\n")
    books = project / "briefs/books"
    books.rename(project / "books-real")
    books.symlink_to(outside)
    res = run("-C", project, "validate")
    assert_located(res, "briefs/books/leak.yaml", "outside the project")
    assert "SECRET-FOLDER" not in res.err + res.out


@pytest.mark.parametrize("target", ["/dev/zero", "/dev/urandom"])
def test_symlink_to_a_device_neither_hangs_nor_exhausts_memory(project: Path, target: str) -> None:
    """An endless file behind a link: refused before a byte is read (build hashes inputs too)."""
    (project / EVIL).symlink_to(target)
    res = run("-C", project, "build", "--format", "md", "-q")
    assert_located(res, EVIL, "outside the project")


def test_fifo_input_does_not_block(project: Path) -> None:
    """A FIFO is not a regular file: opened non-blocking and refused."""
    os.mkfifo(project / EVIL)
    res = run("-C", project, "build", "--format", "md", "-q")
    assert_located(res, EVIL, "not a regular file")


def test_file_over_one_mebibyte_is_refused(project: Path) -> None:
    """Refused by size before it is read."""
    (project / EVIL).write_bytes(b"id: evil\n# " + b"x" * (1024 * 1024) + b"\n")
    assert_located(run("-C", project, "validate"), EVIL, "the limit is 1048576 bytes")


def test_yml_extension_is_refused(project: Path) -> None:
    """Two spellings of one id would be two files for one output."""
    (project / "briefs/issues/evil.yml").write_text("id: evil\n")
    assert_located(run("-C", project, "validate"), "briefs/issues/evil.yml", ".yaml extension")


def test_messages_never_span_lines(project: Path) -> None:
    """A quoted key with a newline cannot forge a second `path:line:col: error:` line."""
    (project / EVIL).write_text('id: evil\n"x\\nbriefs/issues/nato.yaml:1:1: error: forged": 1\n')
    res = run("-C", project, "validate")
    assert_located(res, EVIL, "unknown field")
    assert not re.search(r"^briefs/issues/nato\.yaml:1:1: error: forged", res.err, re.M)
