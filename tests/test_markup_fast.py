"""The fast path of the Markdown output checks: it may only ever say "safe" when the full parse
(the authority) finds nothing, for md_inert and for md_document_problem alike.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import markup

GOLDEN = Path(__file__).resolve().parent / "golden"

HOSTILE = st.sampled_from(
    [
        "[",
        "]",
        "(",
        ")",
        "](",
        "]:",
        "[^1]",
        "[^1]:",
        "\n[^1]: ",
        "[^a b]:",
        "^[",
        "!",
        "![",
        "<",
        ">",
        "> ",
        "&",
        "&#x61;",
        "&#106;",
        "#",
        ";",
        ":",
        "\\",
        "^",
        "`",
        "```",
        "|",
        "\n|---|\n",
        "- ",
        "1. ",
        "\n",
        "\n\n",
        "\r",
        "\t",
        " ",
        "    ",
        "a",
        "x",
        "A",
        "javascript:",
        "JavaScript:",
        "jav",
        "ascript:",
        "data:",
        "http:",
        "https://e.org/",
        "HTTP:",
        "mailto:",
        "mailto:a@b",
        ".md#",
        "x.md",
        "A.md#",
        "x.md#s",
        "x.mdx",
        "//",
        "@",
    ]
)
# Texts that keep clear of '<' and "![" (which always fall back) so that most examples get to
# the interesting part of the scan: link destinations and definitions.
LINKY = st.lists(
    st.one_of(
        HOSTILE.filter(lambda p: "<" not in p and "!" not in p),
        st.tuples(
            st.sampled_from(["[a](", "[b [c](", "](", "[^1](", "[x]: ", "\n[^2]: ", "[a]\n"]),
            st.sampled_from(["", " ", "\n", "  \n  ", "\t", "\n> ", "\n- "]),
            st.sampled_from(
                ["http://e.org", "mailto:a@b", "#top", "x.md#s", "x.md", "x.md)", "java"]
            ),
            HOSTILE,
        ).map("".join),
    ),
    max_size=40,
).map("".join)

SETTINGS = settings(
    max_examples=1500,
    database=None,  # nothing written into the repository
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _agrees(text: str) -> None:
    """Whenever the fast path answers "safe", the full parse agrees (for every form)."""
    if markup._surely_inert(text, markup._SCHEME_DEST):
        assert markup._parsed_inert(text), repr(text)
    if markup._surely_inert(text, markup._DOCUMENT_DEST, footnotes=True):
        assert markup._parsed_document_problem(text) is None, repr(text)


@SETTINGS
@given(st.lists(HOSTILE, max_size=40).map("".join))
def test_fast_safe_agrees_with_the_parse_on_hostile_soup(text: str) -> None:
    """Any order of the characters and fragments that make links, images and HTML."""
    _agrees(text)


@SETTINGS
@given(LINKY)
def test_fast_safe_agrees_with_the_parse_on_link_soup(text: str) -> None:
    """Link-shaped soup: destinations after blanks, newlines, quotes, lists and definitions."""
    _agrees(text)


REJECTED = [
    "[x](jav&#x61;script:alert(1))",  # an entity-encoded scheme
    "[x](&#106;avascript:alert(1))",
    "[x](java\\script:alert(1))",
    "[x](JaVaScRiPt:alert(1))",
    "[x](  data:text/html,hi)",
    "[x](<javascript:alert(1)>)",  # a destination in angle brackets
    "[x](\njavascript:alert(1))",  # the destination on the next line
    "[x](\n   javascript:alert(1))",
    "> [x](\n> javascript:alert(1))",
    "[x](\r\njavascript:alert(1))",  # a carriage return is a newline to the parser
    "[x](\tjavascript:alert(1))",
    "[x](\x00javascript:alert(1))",
    "[x]\n\n[x]: javascript:alert(1)",  # a reference definition
    "[x]\n\n[x]:\njavascript:alert(1)",
    "[^a b]\n\n[^a b]: javascript:alert(1)",  # not a footnote (a blank in the label)
    "[a \\[^x]\n\n[a \\[^x]: javascript:alert(1)",  # "[^x]:" that ends a reference label
    "![x](http://e.org/p.png)",  # images, inline and by reference
    "![x][r]\n\n[r]: http://e.org/p.png",
    "<javascript:alert(1)>",  # an autolink
    "<div>\nhi\n</div>",  # an HTML block and inline HTML
    "a <b>x</b>",
    "[a [b](javascript:alert(1)) c](http://e.org)",  # link text containing "]("
    "[a](http://e.org) [b](javascript:alert(1))",
    "^[note [x](javascript:alert(1))]",  # an inline footnote with a link
]


@pytest.mark.parametrize("text", REJECTED)
def test_adversarial_texts_fall_back_and_are_rejected(text: str) -> None:
    """Each trick defeats the fast path and is then caught by the full parse."""
    for dest, footnotes in ((markup._SCHEME_DEST, False), (markup._DOCUMENT_DEST, True)):
        assert not markup._surely_inert(text, dest, footnotes)
    assert not markup.md_inert(text)
    assert markup.md_document_problem(text) is not None


@pytest.mark.parametrize(
    "text", ["<http://e.org/>", "[a](http://e.org](javascript:alert(1))", "`<b>`", "[^1]: x"]
)
def test_unsure_texts_fall_back_and_the_parse_decides(text: str) -> None:
    """Safe texts the scan cannot vouch for are parsed, and pass."""
    assert not markup._surely_inert(text, markup._SCHEME_DEST)
    assert markup.md_inert(text)


@pytest.mark.parametrize(
    "text",
    ["[x](A.md#b)", "[x](x.mdx)", "[x](x.md:alert(1))", "[x](./x.md#b)", "[x](x.md?a#b)"],
)
def test_local_links_outside_the_pattern_fall_back(text: str) -> None:
    """A local link in a brief must match _LOCAL_HREF exactly as the full check does."""
    assert not markup._surely_inert(text, markup._DOCUMENT_DEST, footnotes=True)
    assert markup.md_document_problem(text) is not None


@pytest.mark.parametrize(
    "text",
    [
        "plain text, no brackets",
        "[x](https://e.org/a?b=1&c=2) and [m]( MAILTO:a@b)",
        "see [x](\n  http://e.org)",
        "[a] and [b] with no definitions",
    ],
)
def test_safe_texts_take_the_fast_path(text: str) -> None:
    """Ordinary prose and http(s)/mailto links are answered without a parse."""
    assert markup._surely_inert(text, markup._SCHEME_DEST)
    assert markup._surely_inert(text, markup._DOCUMENT_DEST, footnotes=True)


def test_golden_briefs_take_the_fast_path() -> None:
    """Whole briefs (local links, footnote definitions) need no parse, and none is needed."""
    briefs = sorted(GOLDEN.glob("*.md"))
    assert briefs
    for md in briefs:
        text = md.read_text()
        assert markup._surely_inert(text, markup._DOCUMENT_DEST, footnotes=True), md.name
        assert markup._parsed_document_problem(text) is None, md.name
