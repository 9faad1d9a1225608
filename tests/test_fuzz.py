"""Property-based fuzzing (issue 8): any input to the loader or the Markdown path gives either
a valid result or a clean located Diagnostic, never an exception, within a time bound.
"""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import markup
from briefgen.diagnostics import Diagnostic
from briefgen.load import Document, load_file
from briefgen.schema import check
from tests.test_security_render import audit_html

FAST = settings(
    max_examples=200,
    database=None,  # nothing written into the repository
    deadline=800,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
SECONDS = 1.0  # per example, well above the loader's real cost, far below a stall


def _loaded(raw: bytes) -> None:
    """The loader's contract: a Document or a located Diagnostic, fast, nothing raised."""
    start = time.perf_counter()
    doc, problem = load_file(raw, "briefs/issues/fuzz.yaml")
    assert time.perf_counter() - start < SECONDS
    assert (doc is None) != (problem is None)
    if problem is not None:
        assert isinstance(problem, Diagnostic)
        assert problem.path == "briefs/issues/fuzz.yaml"
        assert problem.line >= 1 and problem.col >= 1 and problem.message
        assert "\n" not in problem.message
    else:
        assert isinstance(doc, Document)
        for diag in check(doc, "issue"):  # the schema stage takes whatever the loader gives
            assert diag.line >= 1 and diag.col >= 1 and "\n" not in diag.message


@FAST
@given(st.binary(max_size=2000))
def test_loader_on_arbitrary_bytes(raw: bytes) -> None:
    """Random bytes: mostly bad UTF-8 or bad YAML, always a located answer."""
    _loaded(raw)


@FAST
@given(st.text(max_size=2000))
def test_loader_on_arbitrary_text(text: str) -> None:
    """Random Unicode text, surrogates and controls included where encodable."""
    _loaded(text.encode("utf-8", "surrogatepass"))


YAML_PIECES = st.sampled_from(
    [
        "id: ",
        "title: ",
        "- ",
        "? ",
        ": ",
        "[",
        "]",
        "{",
        "}",
        ",",
        "&a ",
        "*a",
        "!!str ",
        "! ",
        "!x ",
        "%YAML 1.1\n",
        "%TAG ! t:\n",
        "---\n",
        "...\n",
        "\n",
        "  ",
        "\t",
        "#c\n",
        '"',
        "'",
        "\\u",
        "\\ud800",
        "\\0",
        "|",
        ">-",
        "<<: ",
        "9" * 30,
        "0x",
        ".inf",
        ".nan",
        "2025-02-30",
        "~",
        "null",
        "true",
        "yes",
        "1e999",
        "-",
        "a",
        "\u202e",
        "\u00e9",
        "\x85",
        "\ufeff",
    ]
)


@FAST
@given(st.lists(YAML_PIECES, max_size=60).map("".join))
def test_loader_on_yaml_shaped_text(text: str) -> None:
    """YAML-ish fragments (tags, anchors, directives, escapes, nesting) in any order."""
    _loaded(text.encode("utf-8", "surrogatepass"))


@FAST
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=8), inner, max_size=5)
        ),
        max_leaves=40,
    )
)
def test_loader_on_structured_values(value: object) -> None:
    """Nested data written as JSON (which is YAML 1.2): loads back or is a located error."""
    import json

    _loaded(json.dumps({"id": "fuzz", "value": value}, allow_nan=True).encode())


MD_PIECES = st.sampled_from(
    [
        "[",
        "]",
        "(",
        ")",
        "![",
        "<",
        ">",
        "`",
        "``",
        "\\",
        "*",
        "_",
        "~~",
        "#",
        "|",
        "-",
        "\n",
        "\n\n",
        "    ",
        "> ",
        "1. ",
        "javascript:",
        "data:",
        "file:///etc/passwd",
        "http://127.0.0.1/",
        "mailto:a@b",
        "&#106;",
        "&lt;",
        "<script>",
        "<img src=x>",
        "[x]: ",
        "a",
        " ",
    ]
)


def _markdown_ok(text: str) -> None:
    """Every Markdown function: no exception, inert output, fast."""
    start = time.perf_counter()
    html = str(markup.to_html(text))
    md = str(markup.to_markdown(text))
    cell = str(markup.md_cell(text))
    plain = markup.md_plain(text)
    assert time.perf_counter() - start < SECONDS
    assert audit_html(html).problems == []
    for out in (md, cell, plain):
        assert markup.md_inert(out)


@FAST
@given(st.lists(MD_PIECES, max_size=80).map("".join))
def test_markdown_on_syntax_soup(text: str) -> None:
    """Markdown metacharacters and hostile schemes in any order."""
    _markdown_ok(text)


@FAST
@given(st.text(max_size=1500))
def test_markdown_on_arbitrary_text(text: str) -> None:
    """Any Unicode text."""
    _markdown_ok(text)
