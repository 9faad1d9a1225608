"""Issue 17: the Markdown security policy, as fixed expectations.

Content is untrusted. Raw HTML is shown as text, only http, https and mailto links survive,
images show their alt text and never load, content headings get prefixed ids and sit below
the page's own headings. Every expectation below is a literal written by hand from that
policy and CommonMark, never computed by markup's own parser.
"""

from __future__ import annotations

import pytest

from briefgen.markup import (
    md_cell,
    md_document_problem,
    md_inert,
    md_plain,
    md_text,
    prose_html,
    safe_url,
    to_html,
    to_html_inline,
    to_markdown,
)

HTML_CASES = [
    # Raw HTML is escaped, inline and as a block, comments and scripts included.
    ("a <b>bold</b> c", "<p>a &lt;b&gt;bold&lt;/b&gt; c</p>\n"),
    ("<div>x</div>", "<p>&lt;div&gt;x&lt;/div&gt;</p>\n"),
    ("<script>alert(1)</script>", "<p>&lt;script&gt;alert(1)&lt;/script&gt;</p>\n"),
    ("<!-- c -->", "<p>&lt;!-- c --&gt;</p>\n"),
    (
        '<img src="x" onerror="alert(1)">',
        # escaped, so inert; the typographer curls its quotes like any text
        "<p>&lt;img src=“x” onerror=“alert(1)”&gt;</p>\n",
    ),
    # Links with another scheme are not links at all: their text stays as written.
    ("[x](javascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](JavaScript:alert(1))", "<p>[x](JavaScript:alert(1))</p>\n"),
    ("[x](&#106;avascript:alert(1))", "<p>[x](javascript:alert(1))</p>\n"),
    ("[x](data:text/html,hi)", "<p>[x](data:text/html,hi)</p>\n"),
    ("[x](vbscript:msgbox)", "<p>[x](vbscript:msgbox)</p>\n"),
    ("[x](ftp://a.example)", "<p>[x](ftp://a.example)</p>\n"),
    ("[x](page.html)", "<p>[x](page.html)</p>\n"),
    ("[x](/root)", "<p>[x](/root)</p>\n"),
    ("[x](#frag)", "<p>[x](#frag)</p>\n"),
    ("[ref][r]\n\n[r]: javascript:alert(1)", "<p>[ref][r]</p>\n<p>[r]: javascript:alert(1)</p>\n"),
    # http, https and mailto links are kept, whatever the case of the scheme.
    ("[x](http://a.example/)", '<p><a href="http://a.example/">x</a></p>\n'),
    (
        "[x](https://a.example/p?q=1&r=2)",
        '<p><a href="https://a.example/p?q=1&amp;r=2">x</a></p>\n',
    ),
    ("[x](mailto:a@b.example)", '<p><a href="mailto:a@b.example">x</a></p>\n'),
    ("[x](HTTPS://A.example)", '<p><a href="HTTPS://A.example">x</a></p>\n'),
    ("[ref][r]\n\n[r]: https://a.example/", '<p><a href="https://a.example/">ref</a></p>\n'),
    # Images never load: the alt text is shown; an image with a bad scheme is text.
    ("![alt](http://x.example/y.png)", '<p><span class="image-alt">[alt]</span></p>\n'),
    ("![](https://x.example/y.png)", '<p><span class="image-alt">[]</span></p>\n'),
    (
        "![a <b> c](https://x.example/y.png)",
        '<p><span class="image-alt">[a &lt;b&gt; c]</span></p>\n',
    ),
    ("![alt *e*](javascript:x)", "<p>![alt <em>e</em>](javascript:x)</p>\n"),
    # Autolinks: only the safe schemes (and e-mail addresses) become links.
    ("<http://a.example>", '<p><a href="http://a.example">http://a.example</a></p>\n'),
    ("<https://a.example/x>", '<p><a href="https://a.example/x">https://a.example/x</a></p>\n'),
    ("<mailto:a@b.example>", '<p><a href="mailto:a@b.example">mailto:a@b.example</a></p>\n'),
    ("<a@b.example>", '<p><a href="mailto:a@b.example">a@b.example</a></p>\n'),
    ("<javascript:alert(1)>", "<p>&lt;javascript:alert(1)&gt;</p>\n"),
    # No linkify; the typographer curls quotes and makes dashes (issue 23).
    ("http://a.example/x", "<p>http://a.example/x</p>\n"),
    ('say "hi" -- now', "<p>say “hi” – now</p>\n"),
    # Entities become characters, and are escaped again where they must be.
    ("&amp; &lt; &copy; &#x3C;script&#x3E; &#60;", "<p>&amp; &lt; © &lt;script&gt; &lt;</p>\n"),
    # No footnotes in prose fields.
    ("a [^1]\n\n[^1]: note", "<p>a [^1]</p>\n<p>[^1]: note</p>\n"),
    # Headings: three levels down by default, prefixed ids, unique, never empty.
    ("# Title", '<h4 id="c_title">Title</h4>\n'),
    ("###### Deep", '<h6 id="c_deep">Deep</h6>\n'),
    ("# Title\n\n## Title", '<h4 id="c_title">Title</h4>\n<h5 id="c_title-1">Title</h5>\n'),
    ("# A\n\n# A\n\n# A", '<h4 id="c_a">A</h4>\n<h4 id="c_a-1">A</h4>\n<h4 id="c_a-2">A</h4>\n'),
    ("# !!!", '<h4 id="c_section">!!!</h4>\n'),
    ("# Hello, World!", '<h4 id="c_hello-world">Hello, World!</h4>\n'),
    ("# main", '<h4 id="c_main">main</h4>\n'),
    # Tables, strikethrough, emphasis, code.
    (
        "| a | b |\n| --- | --- |\n| 1 | <i> |",
        "<table>\n<thead>\n<tr>\n<th>a</th>\n<th>b</th>\n</tr>\n</thead>\n<tbody>\n"
        "<tr>\n<td>1</td>\n<td>&lt;i&gt;</td>\n</tr>\n</tbody>\n</table>\n",
    ),
    ("~~gone~~", "<p><s>gone</s></p>\n"),
    (
        "*em* **strong** `co<de>`",
        "<p><em>em</em> <strong>strong</strong> <code>co&lt;de&gt;</code></p>\n",
    ),
    ("```\n<b>\n```", "<pre><code>&lt;b&gt;\n</code></pre>\n"),
    ("    indented <b>", "<pre><code>indented &lt;b&gt;\n</code></pre>\n"),
    ("> quote <b>", "<blockquote>\n<p>quote &lt;b&gt;</p>\n</blockquote>\n"),
    ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>\n"),
    # Plain prose: paragraphs, soft and hard breaks, trimmed lines.
    ("One.\n\nTwo.", "<p>One.</p>\n<p>Two.</p>\n"),
    ("a  \nb", "<p>a<br />\nb</p>\n"),
    ("a \nb", "<p>a\nb</p>\n"),
    ('He said "no".', "<p>He said “no”.</p>\n"),
    ("  lead\n  trail  ", "<p>lead\ntrail</p>\n"),
    ("a\n\n\n\nb", "<p>a</p>\n<p>b</p>\n"),
    ("Xenon X\nXray", "<p>Xenon X\nXray</p>\n"),
]


@pytest.mark.parametrize(("text", "expected"), HTML_CASES)
def test_to_html(text: str, expected: str) -> None:
    assert str(to_html(text)) == expected


@pytest.mark.parametrize(
    ("shift", "expected"),
    [
        (0, '<h1 id="c_t">T</h1>\n<h2 id="c_u">U</h2>\n'),
        (1, '<h2 id="c_t">T</h2>\n<h3 id="c_u">U</h3>\n'),
        (3, '<h4 id="c_t">T</h4>\n<h5 id="c_u">U</h5>\n'),
        (4, '<h5 id="c_t">T</h5>\n<h6 id="c_u">U</h6>\n'),
        (9, '<h6 id="c_t">T</h6>\n<h6 id="c_u">U</h6>\n'),
    ],
)
def test_heading_shift(shift: int, expected: str) -> None:
    assert str(to_html("# T\n\n## U", shift)) == expected


def test_heading_ids_come_from_the_heading_text() -> None:
    text = "Intro\n\n## Part *one*\n\ntext\n\n## Part one"
    assert str(to_html(text, 2)) == (
        '<p>Intro</p>\n<h4 id="c_part-one">Part <em>one</em></h4>\n<p>text</p>\n'
        '<h4 id="c_part-one-1">Part one</h4>\n'
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "**b** <i> [x](javascript:1) [y](https://a.example)",
            '<strong>b</strong> &lt;i&gt; [x](javascript:1) <a href="https://a.example">y</a>',
        ),
        ("# not a heading", "# not a heading"),
        ("![i](https://x.example/i.png)", '<span class="image-alt">[i]</span>'),
        ("<b>", "&lt;b&gt;"),
        ("a  \nb", "a<br />\nb"),
        ("a \nb", "a\nb"),
        ('"q"', "“q”"),
        ("  lead\n  next  ", "  lead\nnext  "),
        ("Xenon X\nXray X", "Xenon X\nXray X"),
    ],
)
def test_to_html_inline(text: str, expected: str) -> None:
    assert str(to_html_inline(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[x](https://a.example/)\n\n" + "[" * 999, '<p><a href="https://a.example/">x</a></p>\n'),
        ("[x](https://a.example/)\n\n" + "[" * 1000, "<p>[x](https://a.example/)</p>\n"),
    ],
)
def test_past_a_thousand_brackets_none_is_parsed(text: str, expected: str) -> None:
    html = str(to_html(text))
    assert html.startswith(expected)
    assert html.endswith("[" * 40 + "</p>\n")


def test_past_a_thousand_brackets_inline() -> None:
    ok = str(to_html_inline("[x](https://a.example/) " + "[" * 999))
    assert ok.startswith('<a href="https://a.example/">x</a> [[[')
    tamed = str(to_html_inline("[x](https://a.example/) " + "[" * 1000))
    assert tamed.startswith("[x](https://a.example/) [[[")


@pytest.mark.parametrize(
    ("text", "tail", "expected"),
    [
        ("One.\n\nTwo *b*.", "<sup>1</sup>", "<p>One.</p>\n<p>Two <em>b</em>.<sup>1</sup></p>\n"),
        ("- a\n- b", "<sup>1</sup>", "<ul>\n<li>a</li>\n<li>b</li>\n</ul>\n<sup>1</sup>"),
        ("One.", "", "<p>One.</p>\n"),
        ("<b>", "<sup>2</sup>", "<p>&lt;b&gt;<sup>2</sup></p>\n"),
    ],
)
def test_prose_html(text: str, tail: str, expected: str) -> None:
    assert str(prose_html(text, tail)) == expected


# --- the Markdown output -----------------------------------------------------------------

MARKDOWN_CASES = [
    ("a <b>x</b> `<code>` y", "a &lt;b>x&lt;/b> `<code>` y"),
    ("``<b>`` <b>", "``<b>`` &lt;b>"),
    ("[x](https://a.example/)", "[x](https://a.example/)"),
    ("[x](mailto:a@b.example)", "[x](mailto:a@b.example)"),
    ("[x](HTTP://A.example)", "[x](HTTP://A.example)"),
    ("[x](javascript:alert(1))", "&#91;x](javascript:alert(1))"),
    ("[x](data:text/html,1) and <i>", "&#91;x](data:text/html,1) and &lt;i>"),
    ("[x](page.md)", "&#91;x](page.md)"),
    ("[x](#frag)", "&#91;x](#frag)"),
    ("![a](http://x.example/i.png)", "!&#91;a](http://x.example/i.png)"),
    ("<http://a.example>", "&lt;http://a.example>"),
    ("[r]\n\n[r]: javascript:x", "&#91;r]\n\n&#91;r]: javascript:x"),
    ("  padded  ", "padded"),
    ("[a]()", "&#91;a]()"),
    ("*kept* **as** ~~is~~", "*kept* **as** ~~is~~"),
]


@pytest.mark.parametrize(("text", "expected"), MARKDOWN_CASES)
def test_to_markdown(text: str, expected: str) -> None:
    assert str(to_markdown(text)) == expected


def test_to_markdown_past_a_thousand_brackets() -> None:
    assert str(to_markdown("[x](https://a.example/)\n\n" + "[" * 999)) == (
        "[x](https://a.example/)\n\n" + "[" * 999
    )
    assert str(to_markdown("[x](https://a.example/)\n\n" + "[" * 1000)) == (
        "&#91;x](https://a.example/)\n\n" + "&#91;" * 1000
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a [b] \\ <c>", "a \\[b\\] \\\\ &lt;c>"),
        ("x|y", "x|y"),
        ("![i](javascript:x)", "!\\[i\\](javascript:x)"),
    ],
)
def test_md_text(text: str, expected: str) -> None:
    assert md_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("a | b\n  c", "a \\| b c"),
        ("[l](u) <t>", "\\[l\\](u) &lt;t>"),
        ("  spaced\tout  ", "spaced out"),
    ],
)
def test_md_cell(text: str, expected: str) -> None:
    assert str(md_cell(text)) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("x <y> [z](javascript:1)", "x &lt;y> &#91;z](javascript:1)"),
        ("plain [z](https://a.example)", "plain [z](https://a.example)"),
        ("a ![i](https://x)", "a !&#91;i](https://x)"),
        ("[z](http://a)", "[z](http://a)"),
        ("a <b>", "a &lt;b>"),
    ],
)
def test_md_plain(text: str, expected: str) -> None:
    assert md_plain(text) == expected


@pytest.mark.parametrize(
    ("text", "inert"),
    [
        ("plain", True),
        ("text [b] c", True),
        ("[a](https://x)", True),
        ("[a](http://x)", True),
        ("[a](mailto:x@y)", True),
        ("[a](\nhttps://x)", True),
        ("<https://x>", True),
        ("[a]\n\n[a]: https://x", True),
        ("[a](javascript:x)", False),
        ("[a](ftp://x)", False),
        ("[a](page.md)", False),
        ("[a](\njavascript:x)", False),
        ("x\n[a](\njavascript:1)", False),
        ("[a]\n\n[a]: data:x", False),
        ("<b>", False),
        ("<div>\nx\n</div>", False),
        ("<javascript:x>", False),
        ("![i](https://x)", False),
        ("&lt;b>", True),
        ("[a]()", False),
    ],
)
def test_md_inert(text: str, inert: bool) -> None:
    assert md_inert(text) is inert


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("plain", None),
        ("[a](https://x)", None),
        ("[a](mailto:a@b)", None),
        ("[a](page.md)", None),
        ("[a](page.md#x)", None),
        ("[a](#x)", None),
        ("<https://x>", None),
        ("a[^1]\n\n[^1]: note", None),
        ("<b>x</b>", "raw HTML '<b>'"),
        ("<div>\nx\n</div>", "raw HTML '<div>\\nx\\n</div>'"),
        ("![i](https://x/i.png)", "an image of 'https://x/i.png'"),
        ("[a](javascript:x)", "a link to 'javascript:x'"),
        ("[a](data:x)", "a link to 'data:x'"),
        ("[a](page.html)", "a link to 'page.html'"),
        ("[a](Page.md)", "a link to 'Page.md'"),
        ("[a](/abs.md)", "a link to '/abs.md'"),
        ("<javascript:x>", "a link to 'javascript:x'"),
        ("[a]\n\n[a]: vbscript:x", "a link to 'vbscript:x'"),
        ("[a]()", "a link to ''"),
    ],
)
def test_md_document_problem(text: str, problem: str | None) -> None:
    assert md_document_problem(text) == problem


@pytest.mark.parametrize(
    ("url", "safe"),
    [
        ("http://x", True),
        ("https://x", True),
        ("mailto:x", True),
        (" HTTPS://x", True),
        ("MailTo:x", True),
        ("javascript:x", False),
        ("data:x", False),
        ("vbscript:x", False),
        ("ftp://x", False),
        ("//x", False),
        ("", False),
        ("httpx://", False),
        ("https", False),
        ("mail:x", False),
        ("#x", False),
        ("page.html", False),
    ],
)
def test_safe_url(url: str, safe: bool) -> None:
    assert safe_url(url) is safe
