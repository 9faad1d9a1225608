"""JSON Schemas for each file kind; schema errors become located, plain-language messages.

jsonschema is imported only when a document needs checking here: the compiled fast path
(cache.fast_valid) passes nearly every file, and importing jsonschema costs ~65 ms a run.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterator
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from .diagnostics import Diagnostic
from .load import Document

if TYPE_CHECKING:
    from jsonschema.exceptions import ValidationError

KINDS = ("issue", "book", "actors", "sources", "config")
MAX_ERRORS = 50  # per file: enough to act on, and a hostile file cannot flood the CI log


def schema_text(kind: str) -> str:
    """The shipped schema of one file kind, as JSON text."""
    if kind not in KINDS:
        raise KeyError(kind)
    return (resources.files("briefgen") / "schemas" / f"{kind}.schema.json").read_text("utf-8")


@cache
def schema(kind: str) -> dict[str, Any]:
    """The parsed schema of one file kind."""
    result: dict[str, Any] = json.loads(schema_text(kind))
    return result


def _canonical(value: Any) -> Any:
    """A hashable stand-in with JSON equality (1 == 1.0, true != 1), for duplicate checks."""
    if isinstance(value, bool) or value is None:
        return ("b", value)
    if isinstance(value, int | float):
        return ("n", value)
    if isinstance(value, str):
        return ("s", value)
    if isinstance(value, list):
        return ("l", tuple(_canonical(v) for v in value))
    if isinstance(value, dict):
        return ("d", tuple(sorted((k, _canonical(v)) for k, v in value.items())))
    return ("o", repr(value))


def _unique_items(
    v: Any, unique: bool, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """uniqueItems in linear time: jsonschema's own check is quadratic on lists of mappings."""
    from jsonschema.exceptions import ValidationError

    if not unique or not isinstance(instance, list):
        return
    seen: set[Any] = set()
    for item in instance:
        key = _canonical(item)
        if key in seen:
            yield ValidationError(f"{_short(item)} appears twice")
            return
        seen.add(key)


@lru_cache(maxsize=64)
def _regex(pattern: str) -> re.Pattern[str]:
    """A schema pattern as ECMA-262 reads it: a final `$` is the very end of the text."""
    if pattern.endswith("$") and not pattern.endswith("\\$"):
        pattern = pattern[:-1] + "\\Z"
    return re.compile(pattern)


def _pattern(
    v: Any, pattern: str, instance: Any, schema: dict[str, Any]
) -> Iterator[ValidationError]:
    """`pattern` without Python's `$`-before-a-final-newline: "russia\\n" is not a slug."""
    from jsonschema.exceptions import ValidationError

    if isinstance(instance, str) and not _regex(pattern).search(instance):
        yield ValidationError(f"{instance!r} does not match {pattern!r}")


@cache
def _validator_class() -> Any:
    """Draft 2020-12 with our uniqueItems and pattern, made on first use (imports jsonschema)."""
    from jsonschema import Draft202012Validator, validators

    return validators.extend(
        Draft202012Validator, {"uniqueItems": _unique_items, "pattern": _pattern}
    )


@cache
def validator(kind: str) -> Any:
    """A compiled validator, built once per process."""
    return _validator_class()(schema(kind))


def suggest(word: str, choices: list[str] | tuple[str, ...], cutoff: float = 0.6) -> str:
    """A ' (did you mean ...?)' hint for a misspelt name, or ''."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_TYPE_WORDS = {
    "string": "text",
    "object": "a mapping (key: value lines)",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
    "null": "nothing (null)",
    "boolean": "true or false",
}


def _type_name(value: Any) -> str:
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if value is None:
        return "nothing (null)"
    return "text"


def _message(err: ValidationError, doc: Document) -> tuple[tuple[str | int, ...], str, bool]:
    """Plain-language message for one schema error, with the path and whether to point at a key."""
    path = tuple(err.absolute_path)
    v = err.validator
    inst = err.instance
    where = f"'{path[-1]}'" if path and isinstance(path[-1], str) else "this item"
    if v == "required":
        missing = err.message.split("'")[1] if "'" in err.message else err.message
        return path, f"missing required field '{missing}'", False
    if v == "additionalProperties" and isinstance(inst, dict):
        allowed = list((err.schema.get("properties") or {}).keys())
        extra = [k for k in inst if k not in allowed]
        key = extra[0] if extra else ""
        shown = key if key.isprintable() else repr(key)[1:-1]  # one line, whatever the key
        hint = suggest(key, allowed) or f"; the fields allowed here are: {', '.join(allowed)}"
        return (*path, key), f"unknown field '{shown}'{hint}", True
    if v == "enum":
        options = [str(o) for o in err.validator_value]
        hint = suggest(str(inst), options) if isinstance(inst, str) else ""
        return (
            path,
            f"{where} is {_short(inst)}; expected one of: {', '.join(options)}{hint}",
            False,
        )
    if v == "type":
        want = err.validator_value
        wanted: list[str] = [str(w) for w in (want if isinstance(want, list) else [want])]
        wants = " or ".join(_TYPE_WORDS.get(w, w) for w in wanted)
        raw = doc.plain_text.get(path)
        if raw is not None and "string" in (want if isinstance(want, list) else [want]):
            return (
                path,
                f"{where} must be text, but `{raw}` is read as {_type_name(inst)}; "
                f'put it in quotes: "{raw}"',
                False,
            )
        return path, f"{where} must be {wants}, not {_type_name(inst)}", False
    if v == "pattern":
        pat = str(err.validator_value)
        if "a-z0-9" in pat:
            return (
                path,
                f"{_short(inst)} is not a valid id: use lower-case ASCII letters, digits and "
                "single hyphens (for example 'new-start')",
                False,
            )
        if "[0-9]{4}" in pat:
            return (
                path,
                f"{_short(inst)} is not a date: write YYYY-MM-DD (or YYYY / YYYY-MM)",
                False,
            )
        if "https?" in pat:
            return path, _url_problem(inst), False
        return path, f"{_short(inst)} does not match the expected form {pat}", False
    if v == "propertyNames":
        return path, f"{err.message}", True
    if v in ("minItems", "maxItems", "minLength", "maxLength", "minProperties", "maxProperties"):
        limit = err.validator_value
        unit = "items" if "Items" in v or "Properties" in v else "characters"
        bound = "at least" if v.startswith("min") else "at most"
        return path, f"{where} must have {bound} {limit} {unit}", False
    if v == "uniqueItems":
        return path, f"{where} lists the same entry twice", False
    if v in ("anyOf", "oneOf") and err.context:
        return _branch_message(err, doc)
    if v in ("minimum", "maximum"):
        bound = "at least" if v == "minimum" else "at most"
        return path, f"{where} is {_short(inst)}; it must be {bound} {err.validator_value}", False
    return path, err.message if len(err.message) < 200 else err.message[:197] + "...", False


def _branch_message(err: ValidationError, doc: Document) -> tuple[tuple[str | int, ...], str, bool]:
    """The message of the alternative the value was meant for: a mapping given for `text or
    mapping` (a graded citation, an indicator) is judged as a mapping, not as wrong text."""
    from jsonschema.exceptions import best_match

    shaped = [e for e in err.context or () if e.validator != "type"]
    return _message(best_match(shaped or err.context or ()), doc)


def check(doc: Document, kind: str) -> list[Diagnostic]:
    """Validate a document against its kind's schema; every error, located."""
    out: list[Diagnostic] = []
    if not isinstance(doc.data, dict):
        return [doc.diag((), f"the file must be a YAML mapping, not {_type_name(doc.data)}")]
    for n, err in enumerate(validator(kind).iter_errors(doc.data)):
        if n == MAX_ERRORS:
            out.append(doc.diag((), f"more than {MAX_ERRORS} problems; fix these and run again"))
            break
        path, message, key = _message(err, doc)
        out.append(doc.diag(path, message, key=key))
    return out


def _url_problem(inst: Any) -> str:
    """Why a source URL was refused: a character that would cut its link, or its form."""
    bad = sorted({c for c in str(inst) if c in '<>"`' or c.isspace()})
    if bad and str(inst).startswith(("http://", "https://")):
        shown = ", ".join(repr(c) for c in bad)
        return (
            f"{_short(inst)} holds {shown}, which would end the link early in the outputs; "
            "percent-encode it (%3C, %3E, %22, %60, %20)"
        )
    return f"{_short(inst)} is not an http(s) URL"
