"""The Markdown safety checks on adversarial input: every trick that makes a link to another
scheme, an image or raw HTML is caught, and safe prose and local links pass."""

from __future__ import annotations

from pathlib import Path

import pytest

from briefgen import markup

GOLDEN = Path(__file__).resolve().parent / "golden"

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
def test_adversarial_texts_are_rejected(text: str) -> None:
    assert not markup.md_inert(text)
    assert markup.md_document_problem(text) is not None


@pytest.mark.parametrize(
    "text", ["<http://e.org/>", "[a](http://e.org](javascript:alert(1))", "`<b>`", "[^1]: x"]
)
def test_safe_texts_that_look_risky_pass(text: str) -> None:
    assert markup.md_inert(text)


@pytest.mark.parametrize(
    "text",
    ["[x](A.md#b)", "[x](x.mdx)", "[x](x.md:alert(1))", "[x](./x.md#b)", "[x](x.md?a#b)"],
)
def test_local_links_outside_the_pattern_are_rejected_in_a_brief(text: str) -> None:
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
def test_safe_texts_pass(text: str) -> None:
    assert markup.md_inert(text)
    assert markup.md_document_problem(text) is None


def test_local_links_pass_in_a_brief_only() -> None:
    text = "[x](nato.md#c-bluf) and [y](#ukraine)"
    assert markup.md_document_problem(text) is None
    assert not markup.md_inert(text)


def test_golden_briefs_pass_the_document_check() -> None:
    briefs = sorted(GOLDEN.glob("*.md"))
    assert briefs
    for md in briefs:
        assert markup.md_document_problem(md.read_text()) is None, md.name


def test_prose_html_puts_the_tail_inside_the_last_paragraph() -> None:
    assert markup.prose_html("One.\n\nTwo.", "<sup>1</sup>") == (
        "<p>One.</p>\n<p>Two.<sup>1</sup></p>\n"
    )
    assert markup.prose_html("- a\n- b", "<sup>1</sup>").endswith("</ul>\n<sup>1</sup>")


def test_plain_prose_renders_as_markdown_it_does() -> None:
    assert markup.to_html('He said "no".\nhard  \nbreak') == (
        "<p>He said “no”.\nhard<br />\nbreak</p>\n"
    )
    assert markup.to_html_inline("a *b*") == "a <em>b</em>"
