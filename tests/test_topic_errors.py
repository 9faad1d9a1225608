"""Issue 21: bad input in the new fields is a located error (or, for a Markdown image in
prose, a located warning), checked on a copy of the Arctic example."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO, run

ISSUE = "briefs/issues/arctic-sea-routes.yaml"


@pytest.fixture
def arctic(tmp_path: Path) -> Path:
    """A private copy of the Arctic example project."""
    root = tmp_path / "arctic"
    shutil.copytree(REPO / "tests" / "data" / "arctic", root)
    return root


def edit(root: Path, old: str, new: str, rel: str = ISSUE) -> int:
    """Replace text once in a file; the 1-based line where the new text starts."""
    path = root / rel
    text = path.read_text("utf-8")
    assert text.count(old) == 1, old
    path.write_text(text.replace(old, new), "utf-8")
    return text[: text.index(old)].count("\n") + 1


def problems(root: Path) -> tuple[int, list[str]]:
    res = run("-C", root, "validate", "--today", "2025-07-01")
    return res.code, [x for x in res.err.splitlines() if ": error: " in x or ": warning: " in x]


def test_the_example_is_valid(arctic: Path) -> None:
    assert problems(arctic) == (0, [])


def test_between_an_unknown_actor(arctic: Path) -> None:
    line = edit(arctic, "between: [united-states, canada]", "between: [united-states, canda]")
    code, errs = problems(arctic)
    assert code == 1
    assert errs == [f"{ISSUE}:{line}:30: error: unknown actor 'canda' (did you mean 'canada'?)"]


def test_between_the_same_actor_twice(arctic: Path) -> None:
    line = edit(arctic, "between: [united-states, canada]", "between: [canada, canada]")
    code, errs = problems(arctic)
    assert code == 1
    assert (
        f"{ISSUE}:{line}:23: error: between names 'canada' twice; "
        "a gap is measured between two different actors"
    ) in errs


def test_only_the_pair_needs_a_stance(arctic: Path) -> None:
    """The Greenland row needs no Russian stance; a stance of its pair may not be missing."""
    edit(arctic, "      denmark: Hosts US forces", "      canada: Hosts US forces")
    code, errs = problems(arctic)
    assert code == 1
    assert len(errs) == 1
    assert "error: row 'greenland-defence' has no stance for actor of its pair 'denmark'" in errs[0]


def test_a_figure_outside_the_figures_folder(arctic: Path) -> None:
    line = edit(arctic, "file: arctic-routes.png", "file: ../issues/x.png")
    code, errs = problems(arctic)
    assert code == 1
    assert errs == [
        f"{ISSUE}:{line}:11: error: figure file '../issues/x.png' is outside briefs/figures/; "
        "put images there"
    ]


def test_a_missing_figure(arctic: Path) -> None:
    line = edit(arctic, "file: arctic-routes.png", "file: nsr-map.png")
    assert problems(arctic) == (
        1,
        [f"{ISSUE}:{line}:11: error: figure file 'briefs/figures/nsr-map.png' does not exist"],
    )


def test_an_oversized_figure(arctic: Path) -> None:
    from PIL import Image

    Image.new("L", (6001, 2)).save(arctic / "briefs" / "figures" / "wide.png")
    line = edit(arctic, "file: arctic-routes.png", "file: wide.png")
    assert problems(arctic) == (
        1,
        [
            f"{ISSUE}:{line}:11: error: figure 'wide.png' is 6001x2 pixels; "
            "at most 6000 a side are allowed"
        ],
    )
    (arctic / "briefs" / "figures" / "big.png").write_bytes(b"\x89PNG" + b"\0" * (5 << 20))
    edit(arctic, "file: wide.png", "file: big.png")
    code, errs = problems(arctic)
    assert code == 1 and errs[0].endswith(
        f"is {(5 << 20) + 4} bytes; at most 5242880 bytes (5 MB) are allowed"
    )


def test_a_file_that_is_not_what_its_name_says(arctic: Path) -> None:
    (arctic / "briefs" / "figures" / "fake.png").write_text("<svg/>", "utf-8")
    line = edit(arctic, "file: arctic-routes.png", "file: fake.png")
    assert problems(arctic) == (
        1,
        [f"{ISSUE}:{line}:11: error: figure 'fake.png' is not a readable PNG image"],
    )


@pytest.mark.parametrize(
    ("svg", "message"),
    [
        ("<script>alert(1)</script>", "holds a <script> element; SVG figures may not"),
        ('<rect onload="alert(1)"/>', "has an event handler (onload) on <rect>"),
        (
            '<image href="https://example.org/x.png"/>',
            "refers to 'https://example.org/x.png' from <image>; only #fragments are allowed",
        ),
        ('<rect style="fill:url(http://x/y)"/>', "refers to an external resource from <rect>"),
        (
            '<foreignObject><p xmlns="http://www.w3.org/1999/xhtml">x</p></foreignObject>',
            "holds a <foreignObject> element; SVG figures may not",
        ),
    ],
)
def test_an_unsafe_svg_is_refused(arctic: Path, svg: str, message: str) -> None:
    path = arctic / "briefs" / "figures" / "arctic-allies.svg"
    text = path.read_text("utf-8").replace("</svg>", svg + "</svg>")
    path.write_text(text, "utf-8")
    line = edit(arctic, "file: arctic-allies.svg", "file: arctic-allies.svg")
    assert problems(arctic) == (
        1,
        [f"{ISSUE}:{line}:11: error: figure 'arctic-allies.svg' {message}"],
    )


def test_an_svg_with_a_dtd_is_refused(arctic: Path) -> None:
    path = arctic / "briefs" / "figures" / "arctic-allies.svg"
    path.write_text('<!DOCTYPE svg [<!ENTITY a "b">]><svg xmlns="http://www.w3.org/2000/svg"/>')
    code, errs = problems(arctic)
    assert code == 1
    assert errs[0].endswith(
        "error: figure 'arctic-allies.svg' is not a well-formed SVG without a DTD"
    )


def test_a_pinpoint_on_an_unknown_source_or_part(arctic: Path) -> None:
    line = edit(arctic, '{id: unclos, at: "Arts. 37–38"}', '{id: unclso, at: "Arts. 37–38"}')
    line2 = edit(arctic, '"nato-enlargement#fi"', '"nato-enlargement#dk"')
    code, errs = problems(arctic)
    assert code == 1
    assert errs == [
        f"{ISSUE}:{line}:14: error: unknown source 'unclso' (did you mean 'unclos'?)",
        f"{ISSUE}:{line2}:15: error: source 'nato-enlargement' has no part 'dk' (see its `parts:`)",
    ]


def test_a_markdown_image_in_prose_is_a_warning_at_its_line(arctic: Path) -> None:
    line = edit(
        arctic,
        "  disputes among allies are managed, not settled.\n",
        "  disputes among allies are managed, not settled.\n\n  ![Map](nsr-map.png)\n",
    )
    code, errs = problems(arctic)
    assert code == 0
    assert errs == [
        f"{ISSUE}:{line + 2}:1: warning: Markdown image '![Map](nsr-map.png)' prints as text; "
        "add the image to briefs/figures/ and list it under `figures` "
        "(file, caption, alt, source)"
    ]


def test_an_edited_figure_rebuilds_the_briefs_that_show_it(arctic: Path) -> None:
    """Figure files are inputs: the next build embeds the new bytes."""
    import base64
    import re

    def embedded_svg() -> bytes:
        html = (arctic / "build" / "html" / "arctic-sea-routes.html").read_text("utf-8")
        (data,) = re.findall(r"data:image/svg\+xml;base64,([A-Za-z0-9+/=]+)", html)
        return base64.b64decode(data)

    assert run("-C", arctic, "build", "--format", "html", "--quiet").code == 0
    assert b"Before April 2023" in embedded_svg()
    edit(arctic, "Before April 2023", "Before 4 April 2023", "briefs/figures/arctic-allies.svg")
    res = run("-C", arctic, "build", "--format", "html")
    assert res.code == 0, res.err
    assert "wrote build/html/arctic-sea-routes.html" in res.out + res.err
    assert b"Before 4 April 2023" in embedded_svg()
