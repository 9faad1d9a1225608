"""Speed for unchanged inputs: a cache of validated documents, and a compiled schema check.

A one-file-changed build should parse and schema-check one file, not five hundred. Documents
that passed the schema are kept as JSON in `.briefgen-cache/` keyed by the SHA-256 of their
bytes; a full validation still runs the cross-file checks over every document (a build where
only issue files changed checks only those: validate.revalidate_changed). The cache is never
trusted: it is JSON (never pickle), every entry must carry the content hash of the file it
stands for and this tool's salt, every entry must carry an HMAC made with a key that lives
outside the project (so a cache committed in a pull request is ignored), and each entry is
schema-checked again on the way in. Anything that fails is ignored and the file is parsed.

Entries hold data and the positions of the top-level keys only (`validate` warns about a
stale brief at its `last_reviewed`, which would otherwise mean parsing every file again); a
cached document re-reads its own bytes with position tracking the first time a message needs
any other line and column, so positions stay exact.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import __version__

if TYPE_CHECKING:
    from .load import Document

CACHE_DIR = ".briefgen-cache"
DOCS_DIR = "documents"
FORMAT = 2  # 2: entries carry the top-level positions
NO_CACHE_ENV = "BRIEFGEN_NO_CACHE"
KINDS = ("issue", "book", "actors", "sources", "config")
KEY_DIR_ENV = "BRIEFGEN_CACHE_KEY_DIR"


# --- the compiled schema check -------------------------------------------------------------


@cache
def _fast_validator(kind: str) -> Any:
    """jsonschema-rs compiled once per kind, or None where it is not installed."""
    try:
        import jsonschema_rs
    except ImportError:  # pragma: no cover - depends on the installation
        return None
    return jsonschema_rs.validator_for(json.loads(_schema_bytes(kind)))


def _schema_bytes(kind: str) -> bytes:
    """The shipped schema file (read directly: importing jsonschema is not needed here)."""
    return (Path(__file__).with_name("schemas") / f"{kind}.schema.json").read_bytes()


def fast_valid(kind: str, data: Any) -> bool:
    """True when the compiled validator passes `data`; False means "ask jsonschema".

    The Python validator (schema.check) stays the authority for messages; this only spares
    it the valid files, which are nearly all of them and cost it ~6 ms each.
    """
    v = _fast_validator(kind)
    if v is None:
        return False
    try:
        return bool(v.is_valid(data))
    except Exception:  # an exotic value the compiled validator cannot take
        return False


# --- the document cache --------------------------------------------------------------------


@cache
def tool_salt() -> str:
    """What parsed data depends on besides the file: version, loader code and the schemas."""
    h = hashlib.sha256(f"{__version__}:{FORMAT}".encode())
    h.update(Path(__file__).with_name("load.py").read_bytes())
    for kind in KINDS:
        h.update(_schema_bytes(kind))
    return h.hexdigest()


def user_cache_dir() -> Path:
    """This user's briefgen folder outside every project (signing key, compiled templates)."""
    return _key_dir()


def _key_dir() -> Path:
    env = os.environ.get(KEY_DIR_ENV)
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "briefgen"


@cache
def _mac_key() -> bytes | None:
    """This user's secret for signing caches; created once, outside every project."""
    path = _key_dir() / "cache-key"
    try:
        return bytes.fromhex(path.read_text("ascii").strip())
    except (OSError, ValueError):
        pass
    try:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(secrets.token_hex(32))
        return bytes.fromhex(path.read_text("ascii").strip())
    except (OSError, ValueError):
        return None  # no writable home: run without a cache


def sign(payload: bytes) -> str | None:
    """HMAC of cache bytes with this user's key, or None when there is no key."""
    key = _mac_key()
    return hmac.new(key, payload, hashlib.sha256).hexdigest() if key else None


def signed_dump(data: Any) -> bytes | None:
    """JSON with a first line carrying its HMAC, or None when signing is impossible."""
    # Never sort keys: mapping order is content (it orders table columns, for one).
    body = json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()
    mac = sign(body)
    return None if mac is None else mac.encode() + b"\n" + body


def signed_load(raw: bytes) -> Any:
    """The JSON value of signed_dump's bytes, or None when the signature does not verify."""
    mac, _, body = raw.partition(b"\n")
    want = sign(body)
    if want is None or not hmac.compare_digest(mac, want.encode()):
        return None
    try:
        return json.loads(body)
    except ValueError:
        return None


@cache
def _cached_document_class() -> type[Document]:
    """CachedDocument, defined on first use: the loader is not imported by a no-op build."""
    from .diagnostics import Diagnostic
    from .load import Document, PathKey, Position, load_bytes

    class CachedDocument(Document):
        """A document whose data came from the cache; positions are read only when asked."""

        def __init__(self, rel: str, data: Any, digest: str, raw: bytes, top: Any = None) -> None:
            super().__init__(rel=rel, data=data, digest=digest)
            self._raw: bytes | None = raw
            self._top: dict[str, list[int]] | None = None
            self._root: tuple[int, int] = (1, 1)
            if _top_shape_ok(top, data):
                self._top, self._root = top["keys"], (top["root"][0], top["root"][1])

        def locate(self, path: PathKey, *, key: bool = False) -> Position:
            """Exact position, re-reading the file's own bytes with position tracking once
            (not for the document or a top-level key: their positions came with the data)."""
            if self._top is not None and self._raw is not None and len(path) <= 1:
                p = self._top.get(str(path[0])) if path else None
                if p is None:
                    return self._root
                return (p[2], p[3]) if key else (p[0], p[1])
            if self._raw is not None:
                raw, self._raw = self._raw, None
                try:
                    full = load_bytes(raw, self.rel)
                except Exception:  # cannot happen for bytes that loaded before
                    full = None
                if full is not None:
                    self.positions = full.positions
                    self.key_positions = full.key_positions
                    self.plain_text = full.plain_text
            return super().locate(path, key=key)

        def diag(self, path: PathKey, message: str, *, key: bool = False) -> Diagnostic:
            """A diagnostic located at a node of this document."""
            line, col = self.locate(path, key=key)
            return Diagnostic(self.rel, line, col, message)

    return CachedDocument


def cached_document(rel: str, data: Any, digest: str, raw: bytes, top: Any = None) -> Document:
    """A document whose data came from the cache; positions are read only when asked for
    (`top`, from top_positions, answers for the document and its top-level keys)."""
    cls: Any = _cached_document_class()
    doc: Document = cls(rel, data, digest, raw, top)
    return doc


def top_positions(doc: Document) -> dict[str, Any]:
    """Where a valid document and each of its top-level keys and values start, as JSON:
    `{"root": [line, col], "keys": {key: [value line, value col, key line, key col]}}`."""
    keys = {}
    for key in doc.data:
        vl, vc = doc.locate((key,))
        kl, kc = doc.locate((key,), key=True)
        keys[key] = [vl, vc, kl, kc]
    line, col = doc.locate(())
    return {"root": [line, col], "keys": keys}


def _top_shape_ok(top: Any, data: Any) -> bool:
    """Whether `top` is top_positions' shape for `data` (anything else is ignored)."""
    if not isinstance(top, dict) or not isinstance(data, dict):
        return False
    root, keys = top.get("root"), top.get("keys")

    def pos(v: Any, n: int) -> bool:
        return (
            isinstance(v, list)
            and len(v) == n
            and all(type(x) is int and x >= 1 for x in v)  # bool is no position
        )

    return (
        pos(root, 2)
        and isinstance(keys, dict)
        and keys.keys() == data.keys()
        and all(pos(v, 4) for v in keys.values())
    )


class DocCache:
    """Validated documents, one signed JSON file per (kind, content hash), so a one-file
    change writes one small file instead of rewriting the whole cache."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.used: set[str] = set()
        self.added = False

    @classmethod
    def open(cls, root: Path) -> DocCache | None:
        """The project's cache; None when disabled or when there is no key to sign with."""
        if os.environ.get(NO_CACHE_ENV) or _mac_key() is None:
            return None
        return cls(root / CACHE_DIR / DOCS_DIR)

    @staticmethod
    def _name(kind: str, digest: str) -> str:
        return f"{kind}-{digest}.json"

    def lookup(self, rel: str, kind: str, raw: bytes) -> Document | None:
        """The cached document for these exact bytes, checked again; None on any doubt."""
        digest = hashlib.sha256(raw).hexdigest()
        name = self._name(kind, digest)
        try:
            blob = (self.folder / name).read_bytes()
        except OSError:
            return None
        entry = signed_load(blob)
        if (
            not isinstance(entry, dict)
            or entry.get("salt") != tool_salt()
            or entry.get("kind") != kind
            or entry.get("digest") != digest
        ):
            return None
        data = entry.get("data")
        if not isinstance(data, dict) or not fast_valid(kind, data):
            return None
        self.used.add(name)
        return cached_document(rel, data, digest, raw, entry.get("top"))

    def holds(self, kind: str, raw: bytes) -> bool:
        """True when an entry for these bytes exists (lookup still checks it)."""
        return (self.folder / self._name(kind, hashlib.sha256(raw).hexdigest())).is_file()

    def note_stored(self, kind: str, digest: str) -> None:
        """Count an entry another process stored for this run (so save() keeps it)."""
        self.used.add(self._name(kind, digest))
        self.added = True

    def store(self, rel: str, kind: str, doc: Document, top: dict[str, Any] | None = None) -> None:
        """Remember a document that passed the schema with no problems (`top`: its
        top_positions, when the caller has them already)."""
        name = self._name(kind, doc.digest)
        entry = {
            "salt": tool_salt(),
            "kind": kind,
            "digest": doc.digest,
            "data": doc.data,
            "top": top if top is not None else top_positions(doc),
        }
        payload = signed_dump(entry)
        if payload is None:
            return
        from .write import atomic_write

        try:
            atomic_write(self.folder / name, payload)
            self.used.add(name)
            self.added = True
        except OSError:
            pass  # a read-only checkout still validates, just without the speed-up

    def save(self) -> None:
        """Drop entries no file needs any more, once they outnumber the live ones."""
        if not self.added:
            return
        try:
            gitignore = self.folder.parent / ".gitignore"
            if not gitignore.exists():
                gitignore.write_text("*\n")
            names = [n for n in os.listdir(self.folder) if n.endswith(".json")]
            if len(names) > 2 * len(self.used) + 16:
                for n in names:
                    if n not in self.used:
                        (self.folder / n).unlink(missing_ok=True)
        except OSError:
            pass
