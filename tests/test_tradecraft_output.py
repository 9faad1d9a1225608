"""Issue 22: how tradecraft reads in the outputs (likelihood with its range and confidence
apart, the watch list, they-say/we-say pairs, graded citations, the legend at the back of
every brief, PDFs included) and in the semantic diff."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from briefgen.model import Corpus
from briefgen.render import Target, render_html, render_markdown
from briefgen.validate import load_project
from tests.conftest import REPO, run
from tests.gitrepo import commit, init
from tests.test_tradecraft import project


@pytest.fixture(scope="module")
def corpus() -> Corpus:
    loaded = load_project(REPO)
    assert loaded.corpus is not None
    return loaded.corpus


def _text(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


def test_a_judgment_shows_likelihood_with_its_range_and_confidence_apart(corpus: Corpus) -> None:
    html = render_html(corpus, Target("issue", "new-start"), root=None)
    item = html[html.index('id="new-start--kj-expires-without-successor"') :]
    item = item[: item.index("</li>")]
    assert (
        '<span class="likelihood likelihood-very-likely">Very likely '
        '<span class="range">(80–95%)</span></span>'
    ) in item
    assert '<span class="confidence confidence-high">High</span>' in item
    assert (
        'Resolves by</span> <span class="horizon"><time datetime="2026-02-05">5 February 2026'
        in item
    )
    assert "Basis</span> The expiry date is fixed by the treaty" in item
    md = render_markdown(corpus, Target("issue", "new-start"), root=None)
    assert (
        "Likelihood: **Very likely** (80–95%) · Confidence: **High** · Resolves by 5 February 2026"
    ) in md


def test_indicators_are_a_watch_list_table(corpus: Corpus) -> None:
    html = render_html(corpus, Target("issue", "new-start"), root=None)
    table = html[html.index('<table class="watch-table">') :]
    table = _text(table[: table.index("</table>")])
    assert "Indicator What it would mean By Judgment" in table
    assert (
        "Washington and Moscow open formal talks on a successor treaty A successor becomes "
        "possible, though not by the expiry date — 1"
    ) in table
    md = render_markdown(corpus, Target("issue", "new-start"), root=None)
    assert "## Indicators to watch\n\n| Indicator | What it would mean | By | Judgment |" in md


def test_talking_points_may_be_they_say_we_say_pairs(corpus: Corpus) -> None:
    html = render_html(corpus, Target("issue", "ukraine"), root=None)
    assert (
        '<li class="pair"><p class="they-say"><span class="pair-label">If they say</span>' in html
    )
    assert '<p class="we-say"><span class="pair-label">We say</span> Who leads Ukraine' in html
    md = render_markdown(corpus, Target("issue", "ukraine"), root=None)
    assert "- *If they say:* Zelenskyy's term has run out" in md
    assert "  *We say:* Who leads Ukraine is for Ukrainians" in md


def test_citations_carry_grade_and_credibility_and_sources_their_grade(corpus: Corpus) -> None:
    html = render_html(corpus, Target("issue", "ukraine"), root=None)
    assert re.search(
        r'class="cred" title="Source reliability F; information credibility 1: '
        r'Confirmed by other sources">F1</span>',
        html,
    )
    assert "Reliability: high; graded A (completely reliable)." in html
    md = render_markdown(corpus, Target("issue", "ukraine"), root=None)
    assert re.search(r"\[\^\d+\] \(F1\)", md)


@pytest.mark.parametrize(
    "target", [Target("issue", "sanctions"), Target("book", "us-russia-summit")]
)
def test_every_brief_ends_with_the_legend_of_the_scales(corpus: Corpus, target: Target) -> None:
    text = _text(render_html(corpus, target, root=None))
    legend = text[text.index("How to read the estimates Likelihood says") :]
    for row in (
        "Almost no chance 1–5%",
        "Almost certain 95–99%",
        "A Completely reliable",
        "F Reliability cannot be judged",
        "1 Confirmed by other sources",
        "6 Truth cannot be judged",
        "Likely false Judged untrue",
    ):
        assert row in legend, row
    assert text.index("How to read the estimates Likelihood") > text.index("Sources")
    md = render_markdown(corpus, target, root=None)
    assert "## How to read the estimates" in md and "| Very likely | 80–95% |" in md


def test_the_legend_is_at_the_back_of_each_pdf(built: Path) -> None:
    for pdf in sorted((built / "build" / "pdf").glob("*.pdf")):
        pages = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True)
        text = pages.stdout.split("\f")
        where = [i for i, page in enumerate(text) if "How to read the estimates" in page]
        assert where and where[-1] >= len([p for p in text if p.strip()]) - 3, pdf.name
        assert "Roughly even chance" in text[where[-1]]


def test_the_diff_reports_likelihood_status_grade_and_credibility(tmp_path: Path) -> None:
    root = project(init(tmp_path / "repo"))
    commit(root, "first")
    issue = root / "briefs" / "issues" / "alpha.yaml"
    text = issue.read_text("utf-8")
    text = text.replace("likelihood: likely", "likelihood: very-likely")
    text = text.replace(
        "    summary: Both sides signed.\n",
        "    status: disputed\n    reason: The parties differ on the date.\n"
        "    summary: Both sides signed.\n",
    )
    text = text.replace(
        "    sources: [treaty]\npositions", "    sources: [{id: treaty, credibility: 2}]\npositions"
    )
    issue.write_text(text, "utf-8")
    sources = root / "briefs" / "sources.yaml"
    sources.write_text(sources.read_text("utf-8").replace("grade: F", "grade: D"), "utf-8")
    res = run("-C", root, "diff", "HEAD")
    assert res.code == 0, res.err
    assert "- `kj-one`: likelihood Likely → Very likely (up)" in res.out
    assert (
        "**Claim status**\n\n- Precedent “Treaty signed”: stands → Disputed "
        "(The parties differ on the date.)" in res.out
    )
    assert (
        "**Citation credibility**\n\n"
        "- Key judgment `kj-one`, citing `treaty`: credibility ungraded → 2" in res.out
    )
    assert "- `blog`: grade F → D (raised)" in res.out
    data = json.loads(run("-C", root, "diff", "HEAD", "--format", "json").out)
    alpha = data["issues"][0]
    assert alpha["judgment_likelihoods"] == [
        {
            "id": "kj-one",
            "label": "kj-one",
            "old": "likely",
            "new": "very-likely",
            "direction": "up",
        }
    ]
    assert alpha["statuses"][0]["new"] == "disputed" and alpha["statuses"][0]["old"] is None
    assert alpha["credibility"] == [
        {"section": "key_judgments", "id": "kj-one", "source": "treaty", "old": None, "new": 2}
    ]
    assert data["sources_regraded"][0]["direction"] == "raised"
