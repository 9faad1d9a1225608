"""Every character a PDF prints is drawn by a font of the stylesheet's stack, or the build fails."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from briefgen.render.glyphs import Coverage, coverage, missing, script_of, stack_families

from .conftest import run

needs_fontconfig = pytest.mark.skipif(shutil.which("fc-list") is None, reason="no fontconfig")


def test_stack_families_reads_the_font_variables() -> None:
    css = ':root { --serif: "PT Serif", Georgia, serif;'
    css += " --sans: \"PT Sans\", 'Noto Sans', sans-serif; }"
    assert stack_families(css) == ("PT Serif", "Georgia", "PT Sans", "Noto Sans")


def test_missing_skips_spaces_and_controls() -> None:
    cov = Coverage((0x20,), (0x7E,))
    assert missing("ab c\n\u00adé", cov) == ["é"]
    assert script_of("中") == "CJK" and script_of("भ") == "Devanagari"


@needs_fontconfig
def test_the_shipped_stack_draws_the_shipped_scripts() -> None:
    from briefgen.render import asset_text

    cov = coverage(stack_families(asset_text(None, "brief.css")))
    assert cov is not None
    assert not missing("中华人民共和国 भारत गणराज्य Україна Россия “quotes” — · …", cov)


@needs_fontconfig
def test_a_character_no_font_draws_fails_the_pdf_build_located(project: Path) -> None:
    path = project / "briefs" / "issues" / "nato.yaml"
    text = path.read_text("utf-8")
    lines = text.splitlines(keepends=True)
    k = next(i for i, line in enumerate(lines) if line.startswith("subtitle:"))
    lines[k] = "subtitle: Hieroglyphs \U00013000\U00013001 here\n"
    path.write_text("".join(lines), "utf-8")
    res = run("-C", project, "build", "--format", "pdf", "--quiet")
    assert res.code == 1
    line = next(x for x in res.err.splitlines() if "nato.yaml" in x and "error" in x)
    assert line.startswith(f"briefs/issues/nato.yaml:{k + 1}:11: error: subtitle: ")
    assert "Egyptian script" in line and "U+13000" in line
    assert not (project / "build" / "pdf" / "nato.pdf").exists()
    # Markdown needs no font: the same content builds there.
    assert run("-C", project, "build", "--format", "md", "--quiet").code == 0


@needs_fontconfig
def test_the_book_prints_chinese_and_hindi_names(built: Path) -> None:
    pdf = built / "build" / "pdf" / "us-russia-summit.pdf"
    fonts = subprocess.run(["pdffonts", str(pdf)], capture_output=True, text=True, check=True)
    assert "CJK" in fonts.stdout and "Devanagari" in fonts.stdout
    text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True).stdout
    assert "中华人民共和国" in text and "भारत" in text


def test_a_later_stack_replaces_the_default() -> None:
    """A project's theme sets --sans after brief.css: its stack is the one checked."""
    css = ':root { --sans: "PT Sans", "Noto Sans CJK SC", sans-serif; }\n'
    css += ':root {\n  --sans: "DejaVu Sans", sans-serif;\n}\n'
    assert stack_families(css) == ("DejaVu Sans",)
