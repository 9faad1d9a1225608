"""The command line helps: it says what was probably meant, and every option explains itself."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from briefgen.cli import _parser
from tests.conftest import run


def test_a_mistyped_command_or_option_gets_a_suggestion() -> None:
    res = run("buidl")
    assert res.code == 2 and "invalid choice: 'buidl'" in res.err
    assert "(did you mean 'build'?)" in res.err and "Traceback" not in res.err
    res = run("build", "--fromat", "md")
    assert res.code == 2 and "(did you mean '--format'?)" in res.err
    res = run("frobnicate")
    assert res.code == 2 and "did you mean" not in res.err  # nothing close: no guess


def test_page_size_is_read_in_any_case(project: Path) -> None:
    res = run("-C", project, "build", "--format", "html", "--page-size", "letter", "-q")
    assert res.code == 0, res.err
    html = (project / "build" / "html" / "nato.html").read_text("utf-8")
    assert "size: Letter" in html or "size: letter" in html.lower()
    assert run("-C", project, "build", "--page-size", "A3").code == 2


def test_validate_speaks_json_for_editors_and_bots(project: Path) -> None:
    nato = project / "briefs" / "issues" / "nato.yaml"
    nato.write_text(nato.read_text("utf-8").replace("status: draft", "status: sketchy"), "utf-8")
    res = run("-C", project, "validate", "--format", "json", "--today", "2025-09-01")
    assert res.code == 1 and res.err == ""
    found = json.loads(res.out)
    ours = [d for d in found if d["path"] == "briefs/issues/nato.yaml"]
    assert len(ours) == 1 and ours[0]["severity"] == "error" and "sketchy" in ours[0]["message"]
    assert set(ours[0]) == {"path", "line", "col", "severity", "message"}
    line = nato.read_text("utf-8").splitlines().index("status: sketchy") + 1
    assert (ours[0]["line"], ours[0]["col"]) == (line, 9)


def test_every_option_and_argument_says_what_it_is_for() -> None:
    missing = []

    def walk(parser: argparse.ArgumentParser, name: str) -> None:
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for sub_name, sub in action.choices.items():
                    walk(sub, f"{name} {sub_name}")
            elif not isinstance(action, argparse._HelpAction | argparse._VersionAction) and (
                not action.help
            ):
                missing.append(f"{name} {action.dest}")

    walk(_parser(), "briefgen")
    assert missing == []
