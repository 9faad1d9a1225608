"""Issue 19: editors show each field's description from the JSON Schemas, so every property
of every shipped schema has one, and every example a schema gives is valid by that schema."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest

SCHEMAS = sorted((Path(__file__).resolve().parent.parent / "briefgen" / "schemas").glob("*.json"))


def nodes(node: Any, path: str = "#") -> Iterator[tuple[str, Any]]:
    """Every schema object in the tree, with its JSON pointer."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            yield from nodes(value, f"{path}/{key}")
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from nodes(value, f"{path}/{i}")


def test_there_are_schemas_to_check() -> None:
    assert {p.name for p in SCHEMAS} >= {
        f"{k}.schema.json" for k in ("issue", "book", "actors", "sources", "config")
    }


@pytest.mark.parametrize("schema_file", SCHEMAS, ids=lambda p: p.name)
def test_every_property_has_a_description(schema_file: Path) -> None:
    schema = json.loads(schema_file.read_text("utf-8"))
    missing = [
        f"{path}/properties/{name}"
        for path, node in nodes(schema)
        if isinstance(node.get("properties"), dict)
        for name, sub in node["properties"].items()
        if not (isinstance(sub, dict) and str(sub.get("description", "")).strip())
    ]
    assert not missing, f"{schema_file.name}: properties without a description: {missing}"


@pytest.mark.parametrize("schema_file", SCHEMAS, ids=lambda p: p.name)
def test_every_example_is_valid(schema_file: Path) -> None:
    schema = json.loads(schema_file.read_text("utf-8"))
    checked = 0
    for path, node in nodes(schema):
        examples = node.get("examples")
        if not isinstance(examples, list) or path.endswith("/properties"):
            continue
        sub = {k: v for k, v in node.items() if k != "examples"}
        sub["$defs"] = schema.get("$defs", {})
        for example in examples:
            errors = list(jsonschema.Draft202012Validator(sub).iter_errors(example))
            assert not errors, (
                f"{schema_file.name} {path}: example {example!r}: {errors[0].message}"
            )
            checked += 1
    assert checked > 0, f"{schema_file.name} gives no examples"
