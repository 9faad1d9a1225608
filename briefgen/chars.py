"""The characters no text briefgen prints may carry, whatever it comes from.

The YAML loader (load.py) refuses a file that holds one, at its line and column; text that
cannot be refused because it does not come from a brief file (git commit subjects,
history.py) is defused with `scrub` instead. Kept apart from load.py so that reading the git
history does not import the YAML parser (a no-op build parses nothing).
"""

from __future__ import annotations

import re

# Bidi controls can make a reviewer read text in another order than the tool does.
BIDI = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c")
# Unicode "tag" characters (U+E0000-E007F) are invisible: text a reviewer cannot see.
FORBIDDEN = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff"
    "\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\U000e0000-\U000e007f]"
)
REPLACEMENT = "\ufffd"


def scrub(text: str) -> str:
    """`text` with each forbidden character replaced by U+FFFD (the replacement character).

    Replaced rather than dropped: a reader sees that something was there, and two words an
    ESC stood between are not silently joined into one.
    """
    return FORBIDDEN.sub(REPLACEMENT, text)
