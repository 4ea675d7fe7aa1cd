"""Reading JSON values of an uploaded file strictly: numbers beyond float64 kept as their
text (never converted), duplicate keys refused, nesting measured before parsing, and every
value described for a message without a wall of digits. Used by lab/io/weights.py."""

from __future__ import annotations

import math
import re

from .text import UploadError, cut, quoted

LONG_INT = 309  # more digits than any float64 has: such an integer is kept as text, not read


def _no_constants(name: str):
    raise UploadError(f"The file contains {name}: every number must be finite "
                      "(JSON has no NaN or Infinity).")


class _TooLarge:
    """A JSON number beyond float64 (1e400, or an integer of more than LONG_INT digits),
    kept as its text: whichever check meets it names its place in the file, and no
    integer of thousands of digits is ever converted."""

    __slots__ = ("text",)

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return _magnitude(self)


def _json_float(s: str) -> float | _TooLarge:
    v = float(s)
    return v if math.isfinite(v) else _TooLarge(s)


def _json_int(s: str) -> int | _TooLarge:
    return _TooLarge(s) if len(s.lstrip("-")) > LONG_INT else int(s)


def _magnitude(x) -> str:
    """A number for a message, as the file wrote it (a float by repr), except an integer
    of more than 20 digits, named by its length: no wall of digits."""
    text = x.text if isinstance(x, _TooLarge) else repr(x) if isinstance(x, float) else str(x)
    digits = text.lstrip("-")
    if digits.isdigit() and len(digits) > 20:
        return f"an integer of {len(digits):,} digits"
    return cut(text)


_KINDS = {dict: "an object", list: "a list", str: "a string", int: "a number", float: "a number"}


def kind_of(v) -> str:
    """The kind of a JSON value, for "got a list": true, false and null are their own kind."""
    if v is None or isinstance(v, bool):
        return quoted(v)
    if isinstance(v, _TooLarge):
        return "a number"
    return _KINDS.get(type(v), type(v).__name__)


def described(v) -> str:
    """A user-provided JSON value for "…, got <this>.": its kind, then the value itself
    (cut to SHOW characters): the string "abc", the number 3, a list [1, 2]; true, false
    and null say it all alone."""
    if v is None or isinstance(v, bool):
        return quoted(v)
    if isinstance(v, (int, float, _TooLarge)):
        size = _magnitude(v)
        return size if size.startswith("an integer") else f"the number {size}"
    kind = {str: "the string"}.get(type(v), kind_of(v))
    return f"{kind} {quoted(v)}"


def _object(pairs):
    obj = {}
    for k, v in pairs:
        if k in obj:
            raise UploadError(f"The key {quoted(k)} appears twice in one object.")
        obj[k] = v
    return obj


def _depth(text: str) -> int:
    """The deepest nesting of [ and { outside strings."""
    depth = deepest = 0
    for ch in re.sub(r'"(?:[^"\\]|\\.)*"', '""', text):
        if ch in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif ch in "]}":
            depth -= 1
    return deepest


def _is_num(v) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)
