"""lab.numbers: the one strict reading of typed numbers, shared by the dataset CSV and the
"Your turn" answers. An independent oracle says which texts are numbers, and both readers
are held to it, and to each other, on any text."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab import io as lio
from lab.numbers import EXAMPLES, how_to_write, strict_float
from lab.quiz import MAX_LEN, parse_answer

NUMBER_CHARS = set("0123456789+-.eE")
# what a number is made of, what float() also reads, and look-alikes from other scripts
ALPHABET = "0123456789+-.eE \t_,xnaifINF\u0663\uff11\u2212\u00a0\u066b"
TRICKY = ["0_1", "1_000", "\u0663", "\u0661.\u0665", "\uff11", "\u22120.5", "\u00a00.5",
          "1,000", "0,5", ",5", "nan", "-inf", "Infinity", "1e999", "-1e-999", ".", "e3",
          "1e", "+-1", "1.2.3", "0x10", " 3 ", "\t.5", "2.5E+2", "-0.125", "3", ".5", "1e-3",
          "5", "-5", "5.0000001", "00.5", "+.5e-0"]
texts = st.one_of(st.sampled_from(TRICKY), st.text(ALPHABET, min_size=1, max_size=12))


def oracle(text: str) -> float | None:
    """Independently of lab.numbers: ASCII number characters only (spaces and tabs around
    them aside), in an order Python's float() can read; then float() reads them exactly
    as the strict grammar means them."""
    s = text.strip(" \t")
    if not s or not set(s) <= NUMBER_CHARS:
        return None
    try:
        return float(s)
    except ValueError:
        return None


def dataset_with(x1: str) -> bytes:
    """A valid dataset file whose first x1 is the text ``x1`` (quoted as CSV needs)."""
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["x1", "x2", "label"])
    w.writerow([x1, "0.1", "0"])
    for k in range(11):
        w.writerow(["0.1", "0.2", k % 2])
    return out.getvalue().encode()


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(text=texts)
def test_strict_float_reads_exactly_the_strict_spellings(text):
    assert strict_float(text) == oracle(text)


@settings(max_examples=200, deadline=None, derandomize=True, database=None)
@given(text=texts)
def test_the_dataset_and_the_answers_read_the_same_numbers(text):
    assert len(text) <= MAX_LEN  # an answer box takes it whole
    want = oracle(text)
    value, why = parse_answer(text)
    try:
        x = lio.parse_dataset(dataset_with(text)).X[0, 0]
    except lio.UploadError as e:
        x, message = None, str(e)
    if want is None:
        assert value is None and x is None
        if text.strip():  # not a blank answer: both say how to write a number
            assert how_to_write(text) in why and how_to_write(text) in message
    elif abs(want) <= lio.MAX_ABS_X:
        assert value == x == want
    else:  # a number, out of the dataset's range (or beyond float64): only the range differs
        assert x is None and (value == want or "too large" in why)


@pytest.mark.parametrize("text, advice", [
    ("\u22120.16", "write it as -0.16"), ("\u0661.\u0665", "write it as 1.5"),
    ("1,000", f"write it like {EXAMPLES}"), ("0_1", f"write it like {EXAMPLES}"),
    ("\u0663" * 40, f"write it like {EXAMPLES}")])  # too long to rewrite: the examples
def test_the_advice_shows_an_accepted_spelling(text, advice):
    assert how_to_write(text).startswith(advice)
    shown = how_to_write(text).split()[3].rstrip(",")  # the first spelling it offers
    assert strict_float(shown) is not None
