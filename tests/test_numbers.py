"""lab.numbers: how numbers are printed (3 decimals, or a mantissa and a power of ten from
10⁶ on), and the one strict reading of typed numbers, shared by the dataset CSV and the
"Your turn" answers: an independent oracle says which texts are numbers, and both readers
are held to it, and to each other, on any text."""

import csv
import io
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab import io as lio
from lab.equations import latex_width_em, mat, num
from lab.figures.network import node_text
from lab.numbers import EXAMPLES, how_to_write, parts, plain, shown_error, strict_float
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


# ---------------------------------------------------------------- printing
@pytest.mark.parametrize("v, tex, text", [
    (0.15985, "0.160", "0.160"), (-0.0001, "0.000", "0.000"), (-12.5, "-12.500", "-12.500"),
    (999999.9994, "999999.999", "999999.999"),
    # from 10⁶ on (also when 3 decimals would round up to it): a mantissa and a power of ten
    (999999.9996, r"1.000\times 10^{6}", "1.000×10⁶"),
    (1234567.0, r"1.235\times 10^{6}", "1.235×10⁶"),
    (-1e155, r"-1.000\times 10^{155}", "-1.000×10¹⁵⁵"),
    (1.7976931348623157e308, r"1.798\times 10^{308}", "1.798×10³⁰⁸")])
def test_numbers_print_with_3_decimals_or_as_a_power_of_ten(v, tex, text):
    assert num(v) == tex and plain(v) == text
    assert not re.search(r"\d{7}", num(v))


@pytest.mark.parametrize("v", [0.0, 0.15985, -999999.9, 1234567.0, -3.3e13, 8.55e213, 1e-300])
def test_shown_error_bounds_what_the_printed_number_is_off_by(v):
    m, e = parts(v)
    shown = float(m) * 10.0 ** (e or 0)
    assert abs(shown - v) <= shown_error(v)
    assert shown_error(v) == (0.0005 if e is None else 0.0005 * 10.0 ** e)


def test_a_large_number_is_as_wide_as_it_prints():
    # KaTeX sets 1.235×10¹⁵⁵ about 5.7 em wide, not as its 21 characters of LaTeX
    assert 5 < latex_width_em(num(1.234e155)) < 7
    assert latex_width_em(mat([[1e155, 2.0]])) < latex_width_em(mat([[1e6 - 1, 2.0]])) + 2


@pytest.mark.parametrize("v, shown", [(0.123, "0.12"), (-999.994, "-999.99"),
                                      (9999.994, "9999.99"), (-1000.0, "-1.0e+03"),
                                      (12345.678, "1.2e+04"), (-3.3e13, "-3.3e+13")])
def test_a_node_shows_2_decimals_or_a_power_of_ten(v, shown):
    assert node_text(v) == shown


def test_a_matrix_wider_than_six_columns_leaves_out_its_middle():
    from lab.equations_base import MAX_COLS, shown_columns

    M = np.arange(16.0).reshape(2, 8) / 4
    tex = mat(M)
    assert tex.count(r"\cdots") == 2  # one per row
    for row in M:
        for c in (0, 1, 2, 6, 7):
            assert num(row[c]) in tex
        for c in (3, 4, 5):
            assert num(row[c]) not in tex
    assert r"\cdots" not in mat(M[:, :MAX_COLS])  # six columns: all of them
    assert shown_columns(7) == [0, 1, 2, None, 5, 6]
