"""Numbers as text: how the app prints them, and the one strict reading of typed ones.

Printing. Numbers are shown with a fixed number of decimals (the equations: 3) while that
takes at most 6 digits before the point; from :data:`SCI_AT` on, in scientific notation
with as many decimals on the mantissa (1.235×10⁹), so that a weight of 10¹⁵⁰ reads as
such instead of running off the screen as 150 digits. :func:`parts` decides, for the
LaTeX of :func:`lab.equations.num` and the plain text of :func:`plain` alike, and
:func:`shown_error` says how far the printed number can be from the true one (what
"Your turn" allows for).

Reading. A dataset CSV's x1 and x2 (:mod:`lab.io`) and a "Your turn" answer
(:mod:`lab.quiz`) are read by :func:`strict_float`, so both accept exactly the same
spellings: plain decimal or scientific notation in ASCII, such as ``-0.125``, ``3``,
``.5``, ``1e-3`` or ``2.5E+2`` (spaces and tabs around the number are ignored). Python's ``float`` reads more, and what
it reads is not always what the writer meant: ``0_1`` is 1.0 to it, ``٣`` (an
Arabic-Indic digit) is 3.0, a no-break space is ignored, and a decimal comma is ambiguous
(``1,000``: one thousand, or 1.000?). All of these are refused, never guessed;
:func:`how_to_write` says how to write the number instead.

No imports from ``lab``: both readers import this module without an import cycle.
"""

from __future__ import annotations

import math
import re
import unicodedata

# ---------------------------------------------------------------- printing
DECIMALS = 3  # the equations' decimals
SCI_AT = 1e6  # from here on a printed number is a mantissa and a power of ten
_SUP = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def parts(v: float, decimals: int = DECIMALS) -> tuple[str, int | None]:
    """``v`` as printed: (fixed-point text, None) below :data:`SCI_AT` in size (−0.000 is
    written 0.000), else (mantissa text, exponent), 1234567 → ("1.235", 6). NaN and inf
    print as themselves (the views never show them)."""
    v = float(v)
    s = f"{v:.{decimals}f}"
    if not math.isfinite(v) or abs(float(s)) < SCI_AT:
        return (s[1:] if s.startswith("-") and float(s) == 0.0 else s), None
    m, e = f"{v:.{decimals}e}".split("e")
    return m, int(e)


def plain(v: float, decimals: int = DECIMALS) -> str:
    """``v`` for plain text and Markdown: 0.160, -12.500, or 1.235×10⁹."""
    m, e = parts(v, decimals)
    return m if e is None else f"{m}×10{str(e).translate(_SUP)}"


def shown_error(v: float, decimals: int = DECIMALS) -> float:
    """The most the printed ``v`` can differ from ``v``: half a unit of its last digit
    (0.0005 with 3 decimals; 0.0005 × 10ᵉ for a mantissa times 10ᵉ)."""
    _, e = parts(v, decimals)
    return 0.5 * 10.0 ** -decimals * (1.0 if e is None else 10.0 ** e)


# ---------------------------------------------------------------- reading
STRICT = re.compile(r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")
SPACES = " \t"  # the only characters ignored around a number
EXAMPLES = "-0.125, 3, .5 or 1e-3"  # accepted spellings, for messages
DASHES = "\u2212\u2012\u2013\ufe63\uff0d"  # minus sign, figure and en dash, small and wide minus
SUGGEST_MAX = 30  # longer text gets the examples, not a rewrite of itself


def strict_float(text: str) -> float | None:
    """The number ``text`` spells in plain decimal or scientific notation in ASCII, or None.

    The value is ±inf when the number is beyond float64 (``1e999``): callers say "too
    large" rather than "not a number", which would be wrong.
    """
    s = text.strip(SPACES)
    return float(s) if STRICT.fullmatch(s) else None


def _ascii(text: str) -> str | None:
    """``text`` with look-alike characters made ASCII (other scripts' digits, a Unicode
    minus or dash, Unicode spaces around it), if that makes it a strict number; else None.
    Never for a comma or an underscore: those would be guesses."""
    out = []
    for ch in text.strip():  # str.strip: Unicode spaces too
        if ch.isascii():
            out.append(ch)
        elif ch in DASHES:
            out.append("-")
        elif unicodedata.decimal(ch, None) is not None:
            out.append(str(unicodedata.decimal(ch)))
        else:
            return None
    s = "".join(out)
    return s if STRICT.fullmatch(s) else None


def how_to_write(text: str) -> str:
    """The end of a refusal of ``text``: the same number written in ASCII when look-alike
    characters are all that is wrong ("write it as -0.16"), else accepted spellings."""
    s = _ascii(text) if len(text) <= SUGGEST_MAX else None
    return (f"write it as {s} (ASCII digits, '.', '-', 'e')" if s is not None else
            f"write it like {EXAMPLES}")
