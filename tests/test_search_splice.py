"""The search index is spliced from the last one: the result must equal a fresh assembly."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from briefgen.search import assemble_index, index_part, section_json

_TEXT = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_PAGE = st.tuples(_TEXT, st.lists(st.tuples(_TEXT, _TEXT, _TEXT), max_size=3))


def _part(i: int, title: str, sections: list[tuple[str, str, str]]) -> bytes:
    return index_part("Issue", title, f"p{i}.html", section_json(list(sections)))


def _fresh(pages: list[tuple[str, list[tuple[str, str, str]]]]) -> bytes:
    pieces, _ = assemble_index([_part(i, t, s) for i, (t, s) in enumerate(pages)])
    return b"".join(pieces)


@settings(max_examples=300, deadline=None)
@given(
    before=st.lists(_PAGE, max_size=8),
    changes=st.lists(st.tuples(st.integers(0, 7), _PAGE), max_size=4),
    keep=st.lists(st.booleans(), min_size=8, max_size=8),
)
def test_spliced_index_equals_a_fresh_one(
    before: list[tuple[str, list[tuple[str, str, str]]]],
    changes: list[tuple[int, tuple[str, list[tuple[str, str, str]]]]],
    keep: list[bool],
) -> None:
    old_pieces, old_spans = assemble_index([_part(i, t, s) for i, (t, s) in enumerate(before)])
    old = b"".join(old_pieces)
    assert [old[a:b] for a, b in old_spans] == [_part(i, t, s) for i, (t, s) in enumerate(before)]
    after = list(before)
    changed = set()
    for at, page in changes:  # some pages edited
        if at < len(after):
            after[at] = page
            changed.add(at)
    # pages dropped here and there: the survivors keep their old entries where unchanged
    survivors = [i for i in range(len(after)) if keep[i]]
    entries: list[bytes | tuple[int, int]] = [
        _part(i, *after[i]) if i in changed else old_spans[i] for i in survivors
    ]
    pieces, spans = assemble_index(entries, old)
    new = b"".join(pieces)
    want = b"".join(assemble_index([_part(i, *after[i]) for i in survivors])[0])
    assert new == want
    assert [new[a:b] for a, b in spans] == [_part(i, *after[i]) for i in survivors]
    data = json.loads(new)
    assert [p["u"] for p in data["pages"]] == [f"p{i}.html" for i in survivors]
    assert new.isascii()
