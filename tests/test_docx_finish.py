"""The finishing step on its own (no pandoc): markings, page size, stable zips, the inert check."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import pytest
from docx import Document
from docx.shared import Mm

from briefgen.project import BUILTIN_TEMPLATES
from briefgen.render.docx_finish import Finish, finish, inert_problem, normalise_zip
from briefgen.tools import DocxError

REFERENCE = (BUILTIN_TEMPLATES / "docx" / "reference.docx").read_bytes()
HOW = Finish(
    title="A <Title> & more",
    marking="SECRET//REL",
    page_size="Letter",
    author="Desk",
    date=dt.date(2025, 8, 10),
    subject="s",
    keywords="k",
)


def rewrite(data: bytes, name: str, edit: object) -> bytes:
    """The package with one part changed by `edit` (bytes -> bytes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            body = src.read(info)
            dst.writestr(info, edit(body) if info.filename == name else body)  # type: ignore[operator]
    return out.getvalue()


def test_the_marking_and_title_fill_every_header_and_footer() -> None:
    doc = Document(io.BytesIO(finish(REFERENCE, HOW)))
    section = doc.sections[0]
    head = section.header.paragraphs[0].text
    assert head == "A <Title> & more\tSECRET//REL"
    assert section.footer.paragraphs[0].text.startswith("SECRET//REL\tPage ")
    assert abs(section.page_width - Mm(215.9)) < Mm(0.1)
    assert doc.core_properties.created == dt.datetime(2025, 8, 10, tzinfo=dt.UTC)


def test_even_page_headers_without_a_marking_are_refused() -> None:
    doc = Document(io.BytesIO(REFERENCE))
    doc.settings.odd_and_even_pages_header_footer = True
    doc.sections[0].even_page_header.paragraphs[0].text = "no marking here"
    buf = io.BytesIO()
    doc.save(buf)
    with pytest.raises(DocxError, match="even-page header has no BRIEFGEN-MARKING"):
        finish(buf.getvalue(), HOW)


def test_finishing_is_byte_identical_and_zip_entries_are_stable() -> None:
    one, two = finish(REFERENCE, HOW), finish(REFERENCE, HOW)
    assert one == two
    with zipfile.ZipFile(io.BytesIO(one)) as z:
        infos = z.infolist()
    assert infos[0].filename == "[Content_Types].xml"
    assert {i.date_time for i in infos} == {(1980, 1, 1, 0, 0, 0)}
    assert normalise_zip(one) == one


@pytest.mark.parametrize(
    ("part", "old", "new", "words"),
    [
        (
            "word/_rels/document.xml.rels",
            b"</Relationships>",
            b'<Relationship Id="rIdX" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/image" Target="https://evil.example/x.png" '
            b'TargetMode="External"/></Relationships>',
            "load 'https://evil.example/x.png' from outside",
        ),
        (
            "word/_rels/document.xml.rels",
            b"</Relationships>",
            b'<Relationship Id="rIdY" Type="http://schemas.openxmlformats.org/officeDocument/'
            b'2006/relationships/hyperlink" Target="file:///etc/passwd" '
            b'TargetMode="External"/></Relationships>',
            "load 'file:///etc/passwd' from outside",
        ),
        (
            "word/document.xml",
            b"</w:body>",
            b'<w:p><w:fldSimple w:instr=" INCLUDETEXT &quot;c:/x&quot; "/></w:p></w:body>',
            "carry a INCLUDETEXT field",
        ),
        (
            "word/settings.xml",
            b"</w:settings>",
            b'<w:attachedTemplate r:id="rId1"/></w:settings>',
            "pull in another document",
        ),
    ],
)
def test_anything_that_reaches_outside_is_refused(
    part: str, old: bytes, new: bytes, words: str
) -> None:
    clean = finish(REFERENCE, HOW)
    assert inert_problem(clean) is None
    bad = rewrite(clean, part, lambda b: b.replace(old, new))
    problem = inert_problem(bad)
    assert problem is not None and words in problem, problem
