"""Load stage: turn untrusted YAML bytes into plain data plus a map of source positions.

We walk parser *events* ourselves instead of using a constructor so that nothing but
mappings, sequences and YAML 1.2 core scalars can ever be built: no tags, no anchors or
aliases (so no alias bombs), bounded depth, size and node count, and every value keeps its
line and column for error messages. The events come from PyYAML's public loader API: LibYAML's
C parser (CSafeLoader, in PyYAML's wheels), or where that is missing the pure-Python
SafeLoader, which gives the same events about 5x slower. Scalars are resolved here by the
YAML 1.2 core schema, never by the parser's YAML 1.1 resolver.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import yaml
from yaml.events import (
    AliasEvent,
    DocumentStartEvent,
    MappingEndEvent,
    MappingStartEvent,
    ScalarEvent,
    SequenceEndEvent,
    SequenceStartEvent,
    StreamEndEvent,
)

from .chars import BIDI as _BIDI
from .chars import FORBIDDEN as _FORBIDDEN
from .diagnostics import Diagnostic

MAX_BYTES = 1024 * 1024
MAX_DEPTH = 24
MAX_NODES = 200_000
MAX_SCALAR_CHARS = 100_000
MAX_INT_DIGITS = 18
MAX_KEY_CHARS = 128  # field names and actor ids; a longer key is never valid and bloats messages

PathKey = tuple[str | int, ...]
Position = tuple[int, int]

# PyYAML's public loader classes; CSafeLoader is LibYAML's C parser (in PyYAML's wheels), the
# pure-Python SafeLoader gives the same events where LibYAML is missing. Only their parser
# half runs (`get_event`): nothing is composed or constructed.
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

_INT_RE = re.compile(r"[-+]?[0-9]+\Z")
_OCT_RE = re.compile(r"0o[0-7]+\Z")
_HEX_RE = re.compile(r"0x[0-9a-fA-F]+\Z")
_FLOAT_RE = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?\Z")
_INF_RE = re.compile(r"[-+]?\.(?:inf|Inf|INF)\Z")
_NAN_RE = re.compile(r"\.(?:nan|NaN|NAN)\Z")
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_DUPLICATE = "\x00duplicate"  # a key no YAML text can contain (NUL is rejected on input)


class LoadError(Exception):
    """A located problem that stops the loading of one file."""

    def __init__(self, line: int, col: int, message: str, excerpt: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.line = line
        self.col = col
        self.message = message
        self.excerpt = excerpt  # the lines around it, for a syntax error a person must find


@dataclass
class Document:
    """A parsed YAML file: plain data plus where every value and key came from."""

    rel: str
    data: Any
    digest: str
    positions: dict[PathKey, Position] = field(default_factory=dict)
    key_positions: dict[PathKey, Position] = field(default_factory=dict)
    plain_text: dict[PathKey, str] = field(default_factory=dict)
    problems: list[Diagnostic] = field(default_factory=list)
    warnings: list[Diagnostic] = field(default_factory=list)  # authoring.warnings: no failure

    def locate(self, path: PathKey, *, key: bool = False) -> Position:
        """Best position for a JSON path: the exact node, else its nearest known ancestor."""
        p = tuple(path)
        while True:
            if key and p in self.key_positions:
                return self.key_positions[p]
            if p in self.positions:
                return self.positions[p]
            if not p:
                return (1, 1)
            p = p[:-1]

    def diag(self, path: PathKey, message: str, *, key: bool = False) -> Diagnostic:
        """A diagnostic located at a node of this document."""
        line, col = self.locate(path, key=key)
        return Diagnostic(self.rel, line, col, message)


def resolve_plain(text: str) -> Any:
    """Resolve an unquoted scalar by the YAML 1.2 core schema (dates and `NO` stay strings)."""
    if text in _NULLS:
        return None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    if text[0].isalpha():  # prose, names and ids: no number or special float starts so
        return text
    if _INT_RE.match(text):
        digits = text.lstrip("+-")
        if len(digits) > MAX_INT_DIGITS:
            raise ValueError(f"integer {text[:24]}... has more than {MAX_INT_DIGITS} digits")
        return int(text)
    if _OCT_RE.match(text) or _HEX_RE.match(text):
        if len(text) > MAX_INT_DIGITS + 2:
            raise ValueError(f"integer {text[:24]}... is too large")
        return int(text[2:], 8 if text[1] == "o" else 16)
    if _FLOAT_RE.match(text) and any(ch.isdigit() for ch in text):
        if len(text) > 64:
            raise ValueError(f"number {text[:24]}... is too long")
        return float(text)
    if _INF_RE.match(text):
        return -math.inf if text.startswith("-") else math.inf
    if _NAN_RE.match(text):
        return math.nan
    return text


def _one_line(text: str) -> str:
    """Text for a message: escapes instead of line breaks, so it cannot forge a log line."""
    return text if text.isprintable() else repr(text)[1:-1]


def _offset_to_pos(text: str, offset: int) -> Position:
    """1-based line and column of a character offset."""
    offset = max(0, min(offset, len(text)))
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return (line, col)


def _describe(ch: str) -> str:
    """Name the kind of forbidden character for an error message."""
    o = ord(ch)
    if ch in _BIDI:
        return f"the bidirectional control U+{o:04X}, which can hide text"
    if 0xD800 <= o <= 0xDFFF:
        return f"a lone surrogate U+{o:04X}"
    if 0xE0000 <= o <= 0xE007F:
        return f"the invisible tag character U+{o:04X}, which can hide text"
    if o in (0xFFFE, 0xFFFF):
        return f"the non-character U+{o:04X}"
    return f"the control character U+{o:04X}"


def _check_chars(value: str, line: int, col: int, what: str) -> None:
    """Reject characters that hide text or corrupt output: controls, surrogates, bidi."""
    m = _FORBIDDEN.search(value)
    if m:
        raise LoadError(line, col, f"{what} contains {_describe(m.group())}")


def _events(text: str) -> Callable[[], Any]:
    """The parser's next-event function (the stream ends with a StreamEndEvent)."""
    get: Callable[[], Any] = _Loader(text).get_event
    return get


def decode(raw: bytes) -> str:
    """Strict UTF-8 decoding with a located error for the first bad byte."""
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = raw[: exc.start].decode("utf-8", errors="replace")
        line, col = _offset_to_pos(good, len(good))
        raise LoadError(
            line,
            col,
            f"file is not valid UTF-8 (byte 0x{raw[exc.start]:02X} at offset {exc.start})",
        ) from None


def parse_text(
    text: str, rel: str, digest: str = "", fits: Callable[[Any], bool] | None = None
) -> Document:
    """Parse one YAML document into plain data, or raise a LoadError with a position.

    `fits(data)`: whether data passes the file's schema; on a syntax error it tells apart
    two candidate fixes that both parse (syntax.explain)."""
    _check_text(text)  # so that only escapes in double-quoted values need checking again
    doc = Document(rel=rel, data=None, digest=digest)
    try:
        _build(text, doc)
    except LoadError:
        raise
    except Exception as exc:  # the YAML parsers' own errors
        if getattr(exc, "problem_mark", None) is None and getattr(exc, "position", None):
            line, col = _offset_to_pos(text, int(getattr(exc, "position", 0)))
            raise LoadError(line, col, f"invalid YAML: {str(exc).strip()[:200]}") from None
        from . import syntax  # only on a syntax error: valid files never pay for its import

        try:
            found = syntax.explain(text, exc, syntax.parse_problem_line(_drain), _fits(rel, fits))
        except Exception:  # the explanation is a nicety: never a traceback instead of an error
            found = syntax.plain(exc)
        shown = tuple(syntax.excerpt(text, found.line, found.col))
        raise LoadError(found.line, found.col, found.message, shown) from None
    return doc


def _fits(rel: str, fits: Callable[[Any], bool] | None) -> Callable[[str], bool] | None:
    """`fits` over a text: it parses into data that passes the schema."""
    if fits is None:
        return None
    check = fits

    def text_fits(text: str) -> bool:
        try:
            return check(parse_text(text, rel).data)
        except LoadError:
            return False

    return text_fits


def _drain(text: str) -> None:
    """Run the parser over the whole text (a trial parse: only its syntax errors matter)."""
    next_event = _events(text)
    while type(next_event()) is not StreamEndEvent:
        pass


def _build(text: str, doc: Document) -> None:
    """Walk the events with an explicit stack (no recursion, so no RecursionError)."""
    _Builder(doc).run(text)


class _Builder:
    """The state of one walk over a file's parser events, one small method per event class.

    Events are dispatched by their exact class through one dict lookup: the parse of a large
    corpus spends much of its time here, so no chain of isinstance tests per event.
    """

    __slots__ = ("doc", "documents", "nodes", "root_set", "stack")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        # Each frame: [container, path, pending_key, pending_key_pos, seen_keys]
        self.stack: list[list[Any]] = []
        self.documents = 0
        self.nodes = 0
        self.root_set = False

    def run(self, text: str) -> None:
        """Feed every event to its handler; stream start and document end need none."""
        handlers: dict[type, Callable[[Any], None]] = {
            ScalarEvent: self.scalar,
            MappingStartEvent: self.mapping_start,
            SequenceStartEvent: self.sequence_start,
            MappingEndEvent: self.end,
            SequenceEndEvent: self.end,
            DocumentStartEvent: self.document,
            AliasEvent: self.alias,
        }
        handler_for = handlers.get
        next_event = _events(text)
        while True:
            ev = next_event()
            handler = handler_for(type(ev))
            if handler is not None:
                handler(ev)
            elif type(ev) is StreamEndEvent:
                break
        if self.documents == 0 or not self.root_set:
            raise LoadError(1, 1, "file is empty; expected a YAML mapping")

    def document(self, ev: Any) -> None:
        """Allow one document, of YAML 1.2, without %TAG directives."""
        mark = ev.start_mark
        line, col = mark.line + 1, mark.column + 1
        self.documents += 1
        if self.documents > 1:
            raise LoadError(line, col, "only one YAML document is allowed per file")
        version = ev.version
        if version is not None and tuple(version) != (1, 2):
            raise LoadError(
                line, col, f"%YAML {version[0]}.{version[1]} directive: only YAML 1.2 is read"
            )
        if ev.tags:
            raise LoadError(line, col, "%TAG directives are not allowed")

    def node(self, ev: Any) -> Position:
        """The position of a node event, counted against MAX_NODES (ends count too)."""
        mark = ev.start_mark
        pos = (mark.line + 1, mark.column + 1)
        self.nodes += 1
        if self.nodes > MAX_NODES:
            raise LoadError(pos[0], pos[1], f"file has more than {MAX_NODES} YAML nodes")
        return pos

    def alias(self, ev: Any) -> None:
        """Refuse aliases: they are how alias bombs multiply a small file."""
        pos = self.node(ev)
        raise LoadError(pos[0], pos[1], "aliases (*name) are not allowed; repeat the value")

    def end(self, ev: Any) -> None:
        """Close the innermost mapping or sequence."""
        self.node(ev)
        self.stack.pop()

    def untagged(self, ev: Any) -> Position:
        """The position of a scalar or collection, refusing anchors and tags on it."""
        pos = self.node(ev)
        if ev.anchor:
            raise LoadError(pos[0], pos[1], f"anchors (&{ev.anchor}) are not allowed")
        tag = ev.tag
        if tag is not None:  # even the non-specific `!`: a tagged node is an error, not a string
            raise LoadError(pos[0], pos[1], f"tags ({tag}) are not allowed; remove the tag")
        return pos

    def scalar(self, ev: Any) -> None:
        """Place a scalar, resolving plain ones by the core schema and keeping their text."""
        pos = self.untagged(ev)
        value: str = ev.value
        if len(value) > MAX_SCALAR_CHARS:
            raise LoadError(pos[0], pos[1], f"value is longer than {MAX_SCALAR_CHARS} characters")
        style = ev.style
        if style == '"':  # only escapes can bring in what _check_text did not see
            _check_chars(value, pos[0], pos[1], "value")
        if not style:  # plain
            try:
                resolved = resolve_plain(value)
            except ValueError as exc:
                raise LoadError(pos[0], pos[1], str(exc)) from None
            self.place(resolved, pos, value if not isinstance(resolved, str) else None)
        else:
            self.place(value, pos, None)

    def mapping_start(self, ev: Any) -> None:
        """Open a mapping."""
        self.open(ev, {})

    def sequence_start(self, ev: Any) -> None:
        """Open a sequence."""
        self.open(ev, [])

    def open(self, ev: Any, container: dict[str, Any] | list[Any]) -> None:
        """Place a new collection and push its frame, within the depth limit."""
        pos = self.untagged(ev)
        stack = self.stack
        if len(stack) >= MAX_DEPTH:
            raise LoadError(pos[0], pos[1], f"nesting is deeper than {MAX_DEPTH} levels")
        if stack and stack[-1][2] is None and isinstance(stack[-1][0], dict):
            raise LoadError(pos[0], pos[1], "mapping keys must be plain strings")
        path = self.place(container, pos, None)
        stack.append([container, path, None, None, {}])

    def place(self, value: Any, pos: Position, plain: str | None) -> PathKey:
        """Put a value where the walk is (root, list item, mapping key or value); its path."""
        stack = self.stack
        if not stack:
            if self.root_set:
                raise LoadError(pos[0], pos[1], "only one YAML document is allowed per file")
            self.doc.data = value
            self.root_set = True
            path: PathKey = ()
        else:
            frame = stack[-1]
            container, parent = frame[0], frame[1]
            if isinstance(container, list):
                path = (*parent, len(container))
                container.append(value)
            else:
                key = frame[2]
                if key is None:
                    return self.key(frame, value, pos, plain)
                path = (*parent, key)
                frame[2] = None
                if key is _DUPLICATE:
                    return path
                container[key] = value
        doc = self.doc
        doc.positions[path] = pos
        if plain is not None:
            doc.plain_text[path] = plain
        return path

    def key(self, frame: list[Any], value: Any, pos: Position, plain: str | None) -> PathKey:
        """Take a mapping key; a duplicate is reported and its value read into nowhere."""
        parent = frame[1]
        if not isinstance(value, str) or (plain is not None and value != plain):
            raise LoadError(pos[0], pos[1], "mapping keys must be plain strings")
        if len(value) > MAX_KEY_CHARS:
            raise LoadError(pos[0], pos[1], f"a key is longer than {MAX_KEY_CHARS} characters")
        if value in frame[4]:
            # Reported, and the value is read into nowhere, so checking goes on and the
            # author sees every other problem of the file in the same run.
            self.duplicate(frame, value, pos)
            frame[2] = _DUPLICATE
            return (*parent, _DUPLICATE)
        frame[4][value] = pos[0]
        frame[2] = value
        frame[3] = pos
        self.doc.key_positions[(*parent, value)] = pos
        return (*parent, value)

    def duplicate(self, frame: list[Any], key: str, pos: Position) -> None:
        """Report a repeated key; later repeats in the same mapping are counted in the first
        report (one slip, such as a missing '- ', repeats every key of an item)."""
        problems = self.doc.problems
        first_key = next(iter(frame[4]))
        new_item = key == first_key and len(self.stack) > 1 and isinstance(self.stack[-2][0], list)
        if len(frame) == 5:  # the first repeat in this mapping: reported at its own line
            frame.append([len(problems), key, frame[4][key], new_item, 0])
            problems.append(
                Diagnostic(
                    self.doc.rel,
                    pos[0],
                    pos[1],
                    _duplicate_message(key, frame[4][key], new_item, 0),
                )
            )
            return
        index, first, line, item, more = frame[5]
        frame[5][4] = more + 1
        old = problems[index]
        problems[index] = Diagnostic(
            old.path, old.line, old.col, _duplicate_message(first, line, item, more + 1)
        )


def _duplicate_message(key: str, first: int, new_item: bool, more: int) -> str:
    """A duplicate key; the likely cause when the mapping is a list item that repeats its
    first key (a new item whose '- ' is missing), and how many keys after it repeat too."""
    text = f"duplicate key '{_one_line(key)}' (first defined at line {first})"
    if new_item:
        text += "; if this line starts the next item of the list, begin it with '- '"
    if more:
        text += f" (and {more} more repeated key{'s' if more > 1 else ''} below it)"
    return text


def load_bytes(raw: bytes, rel: str, fits: Callable[[Any], bool] | None = None) -> Document:
    """Decode, size-check and parse one file's bytes (`fits`: see parse_text)."""
    if len(raw) > MAX_BYTES:
        raise LoadError(1, 1, f"file is {len(raw)} bytes; the limit is {MAX_BYTES} bytes (1 MiB)")
    digest = hashlib.sha256(raw).hexdigest()
    return parse_text(decode(raw), rel, digest, fits)


def _check_text(text: str) -> None:
    """Reject forbidden characters anywhere (comments included) before the parser sees them."""
    m = _FORBIDDEN.search(text)
    if m:
        line, col = _offset_to_pos(text, m.start())
        raise LoadError(line, col, f"file contains {_describe(m.group())}")


def load_file(
    raw: bytes, rel: str, fits: Callable[[Any], bool] | None = None
) -> tuple[Document | None, Diagnostic | None]:
    """Load one file; problems come back as a diagnostic value, never an exception."""
    try:
        return load_bytes(raw, rel, fits), None
    except LoadError as exc:
        return None, Diagnostic(rel, exc.line, exc.col, exc.message, excerpt=exc.excerpt)
