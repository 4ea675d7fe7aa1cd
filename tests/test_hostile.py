"""Hostile input everywhere: fuzzed links and uploads never raise anything but their own
clear errors, never put markup or a non-finite number on the page, and a refused upload
changes nothing. Plus a grep for the dangerous calls this code base never makes."""

import re
import subprocess
from pathlib import Path

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lab.io import UploadError, parse_dataset, parse_weights
from lab.links import fields, parse_link

ROOT = Path(__file__).resolve().parents[1]
FAST = settings(max_examples=300, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow])

NAMES = sorted(fields(14)) + ["", "x", "<script>", "tab]", "stage\n", "ß", "a" * 200]
VALUES = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["nan", "NaN", "inf", "-inf", "1e309", "0.23", "3.5", "٣", "+1", " 1",
                     "1 ", "0x10", "true", "1", "0", "-0", "1" * 40, "<b>x</b>", "$x$",
                     "**b**", ":red[x]", "[a](javascript:alert(1))"]),
    st.integers(-10**12, 10**12).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)


@FAST
@given(st.dictionaries(st.sampled_from(NAMES), st.lists(VALUES, min_size=1, max_size=3),
                       max_size=8))
def test_any_link_parses_to_safe_values_and_a_safe_message(params):
    check = parse_link(params, n_lessons=14)
    known = fields(14)
    for name, value in check.values.items():
        assert name in known
        if isinstance(value, float):
            assert np.isfinite(value)
    for name in params:  # every name is either used, ignored with a reason, or unknown
        assert (name in check.values) or (name in check.ignored) or (name not in known)
    assert len(check.unknown) == sum(name not in known for name in params)
    assert all(check.unknown)
    msg = check.message()
    assert "<" not in msg and ">" not in msg and len(msg) < 2000
    assert "javascript" not in msg and "$" not in msg and "`" not in msg


@FAST
@given(st.binary(max_size=3000))
def test_any_bytes_as_weights_are_accepted_or_refused_with_an_upload_error(raw):
    try:
        wf = parse_weights(raw)
    except UploadError as e:
        assert str(e) and len(str(e)) < 400 and "<" not in str(e)
        return
    assert all(np.isfinite(w).all() for w in wf.W + wf.b)


JSONISH = st.recursive(
    st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=8)),
    lambda kids: st.one_of(st.lists(kids, max_size=5),
                           st.dictionaries(st.text(max_size=8), kids, max_size=5)),
    max_leaves=40)


@FAST
@given(JSONISH)
def test_any_json_document_as_weights_is_refused_cleanly(doc):
    import json
    raw = json.dumps(doc).encode()
    try:
        parse_weights(raw)
    except UploadError as e:
        assert str(e)


@FAST
@given(st.lists(st.tuples(VALUES, VALUES, VALUES), max_size=30), st.booleans())
def test_any_csv_rows_as_data_are_accepted_or_refused_cleanly(rows, header):
    text = ("x1,x2,label\n" if header else "") + "\n".join(",".join(r) for r in rows)
    try:
        df = parse_dataset(text.encode("utf-8", "surrogatepass"))
    except (UploadError, UnicodeEncodeError) as e:
        assert str(e)
        return
    assert np.isfinite(df.X).all() and set(np.unique(df.labels)) <= {0, 1}


DANGEROUS = {
    r"\beval\(": "eval",
    r"\bexec\(": "exec",
    r"\bpickle\b": "pickle",
    r"allow_pickle\s*=\s*True": "allow_pickle=True",
    r"unsafe_allow_html\s*=\s*True": "unsafe_allow_html",
    r"\binnerHTML\s*=": "innerHTML assignment (use textContent)",
    r"\bnew Function\(": "new Function",
}


def test_no_dangerous_calls_in_the_code():
    files = subprocess.run(["git", "ls-files", "*.py", "*.js"], cwd=ROOT, capture_output=True,
                           text=True, check=True).stdout.split()
    files = [f for f in files if not f.startswith("tests/")]
    assert len(files) > 20
    found = []
    for f in files:
        text = (ROOT / f).read_text(encoding="utf-8")
        for pattern, what in DANGEROUS.items():
            for m in re.finditer(pattern, text):
                line = text[:m.start()].count("\n") + 1
                found.append(f"{f}:{line}: {what}")
    assert not found, "\n".join(found)


def test_st_html_only_carries_our_own_style_sheets():
    """st.html renders raw HTML: only constant style sheets (and numbers) may go there."""
    for f in sorted((ROOT / "lab").rglob("*.py")) + [ROOT / "app.py"]:
        for line in f.read_text(encoding="utf-8").splitlines():
            if "st.html(" in line:
                assert "<style>" in line or "STYLE" in line, f"{f.name}: {line.strip()}"
