"""The plain-prose fast path of to_html and to_html_inline: whenever it answers, its answer is
markdown-it's own rendering byte for byte, and it answers for most of the shipped prose.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from briefgen import markup
from briefgen.render import render_html, targets
from briefgen.validate import load_project

REPO = Path(__file__).resolve().parent.parent

# What prose is made of, and everything next to it that could make it Markdown: block
# openers at line starts, inline syntax, escaped characters, other blanks and controls.
PIECES = st.sampled_from(
    [
        *"aZé9ß0,.;:'\"%()?/$@!+=#^{}–—’“",
        *["word", "US–Russia", "collective-defence", "1990s", "e.g."],
        *[" ", "  ", "   ", "    ", "\n", "\n\n", "\n  \n", "  \n", "\n    "],
        *["-", "- ", "---", "*", "* ", "+ ", "=", "===", "#", "# ", "> ", ">", "1.", "2) ", "10. "],
        *["&", "&amp;", "<", "<b>", "|", "|---|", "`", "```", "~~", "_", "\\", "[", "]", "!["],
        *["\t", "\r", "\r\n", "\x00", "\x0b", "\x0c", "\x1c", "\x85", "\u00a0", "\u2028", "\u3000"],
        *["\u200b", "\ufeff", "\u202f"],
    ]
)
TEXTS = st.lists(PIECES, max_size=30).map("".join)
# Mostly prose, so that the fast path answers often and its line handling is exercised.
PROSE = st.lists(
    st.one_of(
        st.sampled_from(["word", "a", "Z", "é", "–", "'", '"', ",", ".", "(x)", "40%", "-", "1"]),
        st.sampled_from([" ", "  ", "   ", "    ", "\n", "\n\n", " \n", "  \n", "\n ", "\n  \n"]),
    ),
    max_size=40,
).map("".join)

SETTINGS = settings(
    max_examples=4000,
    database=None,  # nothing written into the repository
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _agrees(text: str) -> None:
    """Whenever a fast path answers, markdown-it (same parser, same env) says the same."""
    md = markup.parser()
    fast = markup._plain_html(text)
    if fast is not None:
        assert fast == md.render(text, {"heading_shift": 3}), repr(text)
        assert markup.to_html(text) == fast
    inline = markup._plain_inline(text)
    if inline is not None:
        assert inline == md.renderInline(text), repr(text)
        assert markup.to_html_inline(text) == inline


@SETTINGS
@given(st.one_of(TEXTS, PROSE))
def test_fast_path_renders_exactly_as_markdown_it(text: str) -> None:
    """Markdown soup and near-prose alike: the fast path is exact or stays silent."""
    _agrees(text)


@pytest.mark.parametrize(
    "text",
    [
        "- a",
        "a\n- b",
        "a\n---",
        "a\n===",
        "# a",
        "> a",
        "1. a",
        "a\n2) b",
        "    code",
        "a *b*",
        "a_b_",
        "`a`",
        "a & b",
        "a\tb",
        "a\rb",
        "a\u00a0",
        "a | b\n--|--",
        "a\n:--",
        "~~a~~",
        "[a](http://e.org)",
    ],
)
def test_markdown_falls_back(text: str) -> None:
    assert markup._plain_html(text) is None


@pytest.mark.parametrize(
    ("text", "html"),
    [
        ("", ""),
        ("\n \n", ""),
        ("  One line.  ", "<p>One line.</p>\n"),
        ('He said "no".', "<p>He said &quot;no&quot;.</p>\n"),
        ("US–Russia, 40% (est.)\n  next line\n\nSecond.", None),
        ("hard  \nbreak", "<p>hard<br />\nbreak</p>\n"),
        ("soft \nbreak", "<p>soft\nbreak</p>\n"),
        ("a-b: c; d! e? f/g $1 @h #i +j =k", None),
    ],
)
def test_plain_prose_takes_the_fast_path(text: str, html: str | None) -> None:
    fast = markup._plain_html(text)
    assert fast is not None
    assert fast == markup.parser().render(text, {"heading_shift": 3})
    if html is not None:
        assert fast == html


def test_prose_html_puts_the_tail_inside_the_last_paragraph() -> None:
    assert markup.prose_html("a\n\nb", "<sup>1</sup>") == "<p>a</p>\n<p>b<sup>1</sup></p>\n"


@contextmanager
def _recorded(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, list[tuple[str, bool]]]]:
    """Every text to_html and to_html_inline see, with whether the fast path answered."""
    calls: dict[str, list[tuple[str, bool]]] = {"block": [], "inline": []}

    def spy(kind: str, fn: Callable[[str], str | None]) -> Callable[[str], str | None]:
        def wrapped(text: str) -> str | None:
            out = fn(text)
            calls[kind].append((text, out is not None))
            return out

        return wrapped

    monkeypatch.setattr(markup, "_plain_html", spy("block", markup._plain_html))
    monkeypatch.setattr(markup, "_plain_inline", spy("inline", markup._plain_inline))
    markup.to_html.cache_clear()
    markup.to_html_inline.cache_clear()
    try:
        yield calls
    finally:
        markup.to_html.cache_clear()
        markup.to_html_inline.cache_clear()


def test_shipped_prose_mostly_takes_the_fast_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every prose field the shipped briefs render: most are plain, all render exactly."""
    corpus = load_project(REPO, use_cache=False).corpus
    assert corpus is not None
    with _recorded(monkeypatch) as calls:
        for target in targets(corpus):
            render_html(corpus, target, root=REPO)
    md = markup.parser()
    block, inline = calls["block"], calls["inline"]
    assert len(block) > 100 and inline
    for text, _ in block:
        assert str(markup.to_html(text)) == md.render(text, {"heading_shift": 3}), repr(text)
    for text, _ in inline:
        assert str(markup.to_html_inline(text)) == md.renderInline(text), repr(text)
    for kind in (block, inline):
        assert sum(fast for _, fast in kind) > 0.8 * len(kind)
