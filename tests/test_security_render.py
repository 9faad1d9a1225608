"""Adversarial content through the renderers (issue 8): Markdown and template values stay inert.

HTML output is checked with a real HTML parser: no script, no event handler, no style from
content, every href an http(s)/mailto URL or an in-document / sibling-brief link, no image.
Markdown output is read back as a permissive renderer would (raw HTML on, any scheme).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

import jinja2
import pytest

from briefgen import markup
from briefgen.render.templates import environment, template_dirs
from tests.conftest import REPO, run
from tests.test_security import GOOD, issue_data, write_json

HOSTILE_MARKDOWN = "\n\n".join(
    [
        "<script>alert('x')</script>",
        "[js](javascript:alert(1)) [JS](JaVaScRiPt:alert(1)) [ent](&#106;avascript:alert(1))",
        "[data](data:text/html;base64,PHNjcmlwdD4=) [vb](vbscript:msgbox) [file](file:///etc/passwd)",
        "![img](file:///etc/passwd) ![remote](http://127.0.0.1:9/pixel.png)",
        '<img src="file:///etc/passwd" onerror="alert(1)">',
        "<http://127.0.0.1:9/autolink> <javascript:alert(3)>",
        "[ref][r]\n\n[r]: javascript:alert(2)",
        "`` <img src=x onerror=alert(4)> `",
        "\\`<img src=x onerror=alert(5)>`",
        "    [indented](javascript:alert(6))",
        '<a href="javascript:alert(7)">raw</a> <style>body{background:url(file:///etc/passwd)}</style>',
        "# Heading that tries to be main\n\n## doc-title",
    ]
)
SAFE_HREF = re.compile(r"(?:https?:|mailto:|#|[a-z0-9-]+\.(?:html|md)(?:#|\Z))", re.I)


class _Audit(HTMLParser):
    """Collects everything in an HTML page that could run, load or style from content."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.ids: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "iframe", "object", "embed", "img", "link", "base", "form"):
            self.problems.append(f"<{tag}>")
        for name, value in attrs:
            value = value or ""
            if name.startswith("on"):
                self.problems.append(f"{name}=")
            if name in ("href", "src", "xlink:href", "action") and not SAFE_HREF.match(value):
                self.problems.append(f"{name}={value!r}")
            if name == "id":
                self.ids.append(value)


def audit_html(text: str) -> _Audit:
    """Parse one page and list what should not be there."""
    a = _Audit()
    a.feed(text)
    return a


def test_markdown_to_html_is_inert() -> None:
    """Raw HTML escaped, only http(s)/mailto links, images as alt text, no style."""
    html = str(markup.to_html(HOSTILE_MARKDOWN))
    a = audit_html(html)
    assert a.problems == [], a.problems
    assert "<style" not in html and "<script" not in html
    assert "&lt;script&gt;" in html
    assert all(i.startswith("c_") for i in a.ids), a.ids  # content ids never clash with page ids
    assert 'href="http://127.0.0.1:9/autolink"' in html  # a safe link survives (never fetched)


def test_markdown_to_markdown_is_inert() -> None:
    """The .md output read back by a permissive renderer: no raw HTML, image or bad link."""
    out = str(markup.to_markdown(HOSTILE_MARKDOWN))
    assert markup.md_inert(out)
    assert markup.md_document_problem(out) is None


@pytest.mark.parametrize(
    "text",
    [
        "[x](javascript:alert(1))",
        "![x](http://127.0.0.1:9/p.png)",
        "x <script>alert(1)</script>",
        "`` <img src=x onerror=alert(1)> `",
        "foo\n\n    [x](javascript:alert(1))",  # code block, but a live link once flattened
        "[a]\n\n[a]: data:text/html,hi",
    ],
)
def test_each_markdown_trick_is_defused_in_every_form(text: str) -> None:
    """Inert as written, flattened to one line (as in lists) and in a table cell."""
    out = str(markup.to_markdown(text))
    assert markup.md_inert(out)
    assert markup.md_inert(out.replace("\n", " "))
    assert markup.md_inert(str(markup.md_cell(text)))


def test_plain_values_cannot_make_markdown_links() -> None:
    """A title is plain text: it can open no link or image, and escapes no table cell."""
    for value in ("[x](javascript:alert(1))", "![i](http://127.0.0.1:9/p)", "a|b\\|c <b>"):
        assert markup.md_inert(markup.md_plain(value))
        cell = str(markup.md_cell(value))
        assert markup.md_inert(cell) and "|" not in cell.replace("\\|", "")


@pytest.mark.parametrize("name", ["t.html.j2", "t.svg.j2", "t.xml.j2", "t.txt", "t"])
def test_html_environment_autoescapes_whatever_the_suffix(tmp_path: Path, name: str) -> None:
    """select_autoescape would not escape `.html.j2`; ours escapes every template."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / name).write_text("<p title='{{ v }}'>{{ v }}</p>")
    env = environment("html", (folder.resolve(),))
    out = env.get_template(name).render(v="<script>\"'&")
    assert "<script>" not in out and "&lt;script&gt;" in out and "&#34;" in out


def test_undefined_variables_are_errors(tmp_path: Path) -> None:
    """StrictUndefined in both environments: a typo fails loudly, never renders empty."""
    folder = tmp_path / "templates"
    folder.mkdir()
    (folder / "t.j2").write_text("{{ missing }}")
    for kind in ("html", "md"):
        env = environment(kind, (folder.resolve(),))
        with pytest.raises(jinja2.UndefinedError):
            env.get_template("t.j2").render()


def test_safe_href_and_tojson_filters() -> None:
    """URL attributes get scheme-checked values; data in <script> cannot close the tag."""
    env = environment("html", tuple(template_dirs(None)))
    href = env.filters["safe_href"]
    assert href("javascript:alert(1)") == "#" and href(" data:x") == "#"
    assert href("https://example.org/") == "https://example.org/"
    js = str(env.filters["tojson"]({"a": "</script><script>alert(1)</script>&\u2028"}))
    assert "</script" not in js and "<" not in js and "&" not in js and "\u2028" not in js


def test_templates_print_urls_only_through_safe_href() -> None:
    """Every href/src in the HTML templates is a constant, an anchor or passes safe_href."""
    loose = []
    paths = sorted((REPO / "briefgen" / "templates" / "html").rglob("*.j2"))
    assert len(paths) > 10  # the shipped templates, wherever the tests run from
    for path in paths:
        for m in re.finditer(r'\b(?:href|src)="([^"]*\{\{[^"]*)"', path.read_text()):
            value = m.group(1)
            if "safe_href" in value or value.startswith(("#", "{{ p }}")):
                continue
            if re.fullmatch(r"\{\{ (?:row|c|e)\.href \}\}|\{\{ related_href\(r\) \}\}", value):
                continue  # built by the code from slugs: '#<id>--row-<id>' or '<id>.html'
            if "css_href" in value or value in ("{{ img.data_url }}", "{{ brand.logo }}"):
                continue  # set by the code: the CSS; a checked figure or logo as a data: URL
            loose.append(f"{path}: {value}")
    assert loose == []


def test_yaml_values_reach_css_only_through_enumerations() -> None:
    """Class names from data use schema enums (gap, confidence, status...), never free text."""
    import json

    enums: set[str] = set()
    for schema in Path("briefgen/schemas").glob("*.json"):
        enums |= set(re.findall(r'"enum": \[([^\]]*)\]', schema.read_text(), re.S))
    allowed = {
        "row.gap",
        "c.gap",
        "level",
        "doc.status",
        "status",
        "doc.kind",
        "s.kind",
        "s.likelihood",
        "s.reliability",
        "cols|length",
        "key",
        "e.direction",
    }
    seen = set()
    for path in sorted(Path("templates/html").rglob("*.j2")):
        for m in re.finditer(r'class="[^"]*\{\{ ([^}]*?) \}\}', path.read_text()):
            if not re.fullmatch(r"'[a-z -]*' if [^']* else ''", m.group(1)):  # constants
                seen.add(m.group(1))
    assert seen <= allowed, seen - allowed
    assert "style=" not in "".join(p.read_text() for p in Path("templates/html").rglob("*.j2"))
    assert json.loads('"x"') == "x" and enums  # the schemas do declare enumerations


def test_yaml_string_is_never_compiled_as_a_template(project: Path) -> None:
    """`{{ 7*7 }}` and `{% ... %}` in YAML render literally in .md and .html."""
    data = issue_data(project)
    data["title"] = "T {{ 7*7 }} {% for x in range(3) %}X{% endfor %} {{ config }}"
    data["bluf"] = "B {{ 7*7 }} {% include 'html/base.html.j2' %}"
    write_json(project, GOOD, data)
    res = run("-C", project, "build", "--format", "md,html", "-q")
    assert res.code == 0, res.err
    for rel in ("md/institutions.md", "html/institutions.html"):
        text = (project / "build" / rel).read_text()
        assert "{{ 7*7 }}" in text and "49" not in text.split("{{ 7*7 }}")[0][-3:]
        assert "{% for x in range(3) %}X{% endfor %}" in text and "XXX" not in text


def test_css_injection_through_yaml_values(project: Path) -> None:
    """A value that tries to close <style> or add one is text in every output."""
    data = issue_data(project)
    data["title"] = "</style><style>*{background:url(http://127.0.0.1:9/x)}</style>"
    data["key_judgments"][0]["confidence"] = "high; background:red"
    write_json(project, GOOD, data)
    res = run("-C", project, "validate")
    assert res.code == 1 and "expected one of: low, moderate, high" in res.err
    data["key_judgments"][0]["confidence"] = "high"
    write_json(project, GOOD, data)
    assert run("-C", project, "build", "--format", "md,html", "-q").code == 0
    html = (project / "build/html/institutions.html").read_text()
    assert html.count("<style>") == 1 and "&lt;/style&gt;&lt;style&gt;" in html


def test_hostile_content_builds_to_inert_outputs(project: Path) -> None:
    """Every Markdown field hostile at once: HTML pages pass the audit, .md reads back clean."""
    data = issue_data(project)
    data["bluf"] = HOSTILE_MARKDOWN
    data["subtitle"] = "[x](javascript:alert(1)) ![i](http://127.0.0.1:9/p) <b>bold</b>"
    for kj in data["key_judgments"]:
        kj["text"] = HOSTILE_MARKDOWN
    for row in data["positions"]:
        row["note"] = HOSTILE_MARKDOWN
        row["topic"] = "<img src=x onerror=alert(1)> [t](javascript:alert(1))"
    write_json(project, GOOD, data)
    res = run("-C", project, "build", "--format", "md,html", "-q")
    assert res.code == 0, res.err
    for page in (project / "build/html").glob("*.html"):
        text = page.read_text()
        assert audit_html(text).problems == [], (page, audit_html(text).problems)
        assert text.count("<style>") <= 1
    for page in (project / "build/md").glob("*.md"):
        assert markup.md_document_problem(page.read_text()) is None, page


def test_value_beside_template_link_syntax_is_escaped(project: Path) -> None:
    """A title that tries to close a template's own `[...]` (related-issue links) stays text."""
    data = issue_data(project)
    data["title"] = "x](javascript:alert(1)) [y"
    write_json(project, GOOD, data)
    res = run("-C", project, "build", "--format", "md", "-q", "-j", "1")
    assert res.code == 0, res.err
    for md in sorted((project / "build" / "md").glob("*.md")):
        text = md.read_text("utf-8")
        assert markup.md_document_problem(text) is None, md.name
    related = (project / "build" / "md" / "nato.md").read_text("utf-8")
    assert "[x\\](javascript:alert(1)) \\[y](institutions.md)" in related
