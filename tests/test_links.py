"""Link parameters: every field round-trips, and hostile values are refused with a reason."""

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lab.journal import Journal, OneStep, Trained
from lab.links import (
    BATCH_SIZES,
    LEARNING_RATES,
    MAX_REPLAY_STEPS,
    MOMENTUM,
    NOISE,
    TABS,
    TEST_FRACTION,
    canonical,
    fields,
    grid,
    parse_link,
    shown_param_name,
    to_param,
)
from nncore import ACTIVATIONS, datasets

DOMAIN = {
    "dataset": list(datasets.NAMES + datasets.REGRESSION),
    "n_samples": list(range(50, 1001, 50)),
    "noise": list(grid(*NOISE)),
    "test_fraction": list(grid(*TEST_FRACTION)),
    "activation": list(ACTIVATIONS),
    "seed": [0, 1, 7, 2**31 - 1],
    "lr": list(LEARNING_RATES),
    "batch_size": list(BATCH_SIZES),
    "momentum": list(grid(*MOMENTUM)),
    "epochs_limit": [1, 50, 10_000, 1_000_000],
    "tab": list(TABS),
    "form": ["sample", "batch"],
    "stage": list(range(1, 19)),  # the deepest network's 18
    "sample_index": [0, 7, 999],
    "view_batch_size": list(range(2, 9)),
    "lesson": [1, 5, 9],
    "presenter": [True, False],
    "train_speed": [1, 300, 10000],
    "steps": [0, 1, 12_345, MAX_REPLAY_STEPS],
    "data_seed": [0, 3],
    "log": [[Trained(120, 0.1, 32, 0.9)], [Trained(9, 0.3, 1, 0.0), OneStep(9, 1.0, (3,)),
                                          OneStep(9, 0.01, (7, 8, 9, 10))]],
    "w0": [np.arange(35.0) / 7],
    "layers": [0, 1, 2, 4],
    "width1": [1, 3, 8], "width2": [4, 8], "width3": [1, 4], "width4": [2, 8],
    "features": [("x1", "x2"), ("x1sq",), ("x1", "x2", "x1sq", "x2sq", "x1x2", "sin1", "sin2")],
    "regularization": ["none", "L1", "L2"],
    "show_test": [True, False], "discretize": [True, False],
    "reg_rate": [0.0001, 0.01, 1.0],
}


def param_text(name, value) -> str:
    """A value as a link writes it (the journal's entries and start weights as the run's
    Journal writes them)."""
    if name == "log":
        return Journal(entries=value).params()["log"]
    if name == "w0":
        return Journal(start=value).params()["w0"]
    if fields()[name].text is not None:
        return fields()[name].text(value)
    return to_param(value)


def test_the_domain_table_covers_every_field():
    assert set(DOMAIN) == set(fields(9))


@pytest.mark.parametrize("name", sorted(DOMAIN))
def test_every_value_of_every_field_round_trips(name):
    for value in DOMAIN[name]:
        steps = {"steps": ["1000"]} if name == "log" else {}  # a log lies within the steps
        text = param_text(name, value)
        check = parse_link({name: text if isinstance(text, list) else [text], **steps},
                           n_lessons=9)
        assert not check.ignored and not check.unknown, (name, value, check)
        got = check.values[name]
        if name == "w0":
            assert np.array_equal(got, value) and got.dtype == np.float64
            continue
        assert got == value and type(got) is type(value), (name, value, got)


def test_grids_are_exact_like_the_slider_labels():
    assert grid(*NOISE)[4] == 0.2 and grid(*MOMENTUM)[90] == 0.9
    assert grid(*TEST_FRACTION)[0] == 0.1 and grid(*TEST_FRACTION)[-1] == 0.5


HOSTILE = [
    ("noise", "0.23"), ("noise", "abc"), ("noise", "nan"), ("noise", "inf"), ("noise", "-0.1"),
    ("noise", "1e-1"), ("noise", "0x1"), ("n_samples", "99999"), ("n_samples", "75"),
    ("n_samples", "400.0"), ("n_samples", "٤٠٠"), ("n_samples", "+400"), ("n_samples", " 400"),
    ("sample_index", "3.5"), ("sample_index", "-1"), ("seed", "1" * 30), ("seed", "2147483648"),
    ("lr", "0.3000001"), ("lr", "NaN"), ("lr", "10.5"), ("batch_size", "3"),
    ("momentum", "1"), ("dataset", "<script>alert(1)</script>"), ("dataset", "XOR"),
    ("activation", "softmax"), ("tab", "train"), ("form", "rows"), ("stage", "0"),
    ("stage", "19"), ("stage", "٣"), ("view_batch_size", "9"), ("presenter", "yes"),
    ("steps", "-5"), ("steps", "1e9"), ("epochs_limit", "0"), ("lesson", "99"),
    ("dataset", "x" * 5000),
]


@pytest.mark.parametrize("name,raw", HOSTILE)
def test_hostile_values_are_ignored_with_a_reason(name, raw):
    check = parse_link({name: [raw]}, n_lessons=9)
    assert name not in check.values and name in check.ignored
    msg = check.message()
    assert name in msg and "expected" in msg
    assert raw not in msg or raw.isalnum()  # never echoes a value that could be markup
    assert "<" not in msg and len(msg) < 400


def test_repeated_and_unknown_names():
    check = parse_link({"seed": ["1", "2"], "<img src=x>": ["1"], "zzz": ["q"]})
    assert "seed" in check.ignored and "one value, got 2" in check.ignored["seed"]
    assert check.unknown == [shown_param_name("<img src=x>"), "zzz"]
    assert "<" not in check.message() and "unknown" in check.message()
    many = parse_link({f"u{i}": ["1"] for i in range(40)})
    assert "and 35 more" in many.message()


def test_steps_above_the_bound_are_cut_with_a_note():
    check = parse_link({"steps": [str(MAX_REPLAY_STEPS * 3)]})
    assert check.values["steps"] == MAX_REPLAY_STEPS
    assert f"{MAX_REPLAY_STEPS:,}" in check.message()


def test_a_clean_link_says_nothing():
    check = parse_link({"dataset": ["moons"], "lr": ["0.3"], "stage": ["5"]})
    assert check.message() == "" and check.values == {"dataset": "moons", "lr": 0.3, "stage": 5}
    assert math.isclose(check.values["lr"], 0.3)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(st.sampled_from(sorted(fields(14)) + ["x", "link_note"]),
                       st.lists(st.text(max_size=12) | st.sampled_from(
                           ["1", "0", "true", "0.1", "0.10", "7", "batch", "xor", "300",
                            "t5_0.1_32_0.9", "AAAA"]), min_size=1, max_size=2),
                       max_size=6))
def test_the_canonical_link_is_a_fixed_point(raw):
    """A link rewritten to canonical form is opened again only once: rewriting it again
    changes nothing (no redirect loop), and it asks for the same values."""
    once = canonical(parse_link(raw, 14))
    twice = canonical(parse_link({k: [v] for k, v in once.items()}, 14))
    assert once == twice


# ------------------------------------------------------------ the network's shape in links
@pytest.mark.parametrize("raws, why", [
    ([], "one or more of"), (["x₁", "x₁"], "each once"), (["x₃"], "one or more of"),
    (["x1"], "one or more of"), (["x₁"] * 9, "at most 7"), (["x₁", "a" * 50], "at most 7"),
])
def test_hostile_features_are_ignored_with_a_reason(raws, why):
    check = parse_link({"features": raws})
    assert "features" not in check.values and why in check.ignored["features"]


def test_features_in_any_order_mean_the_canonical_order():
    check = parse_link({"features": ["sin x₂", "x₁"]})
    assert check.values["features"] == ("x1", "sin2")
    assert canonical(check) == {"features": ["x₁", "sin x₂"]}


def test_start_weights_must_fit_the_links_network():
    w0 = Journal(start=np.arange(35.0)).params()["w0"]
    assert "w0" in parse_link({"w0": [w0]}).values  # the default 2-3-4-2 net: 35
    check = parse_link({"w0": [w0], "layers": ["1"], "width1": ["8"]})
    assert "w0" not in check.values and check.ignored["w0"].startswith("42 weights")
    big = Journal(start=np.ones(298)).params()["w0"]  # 7 features, 4 × 8 hidden, 2 outputs
    feats = ["x₁", "x₂", "x₁²", "x₂²", "x₁x₂", "sin x₁", "sin x₂"]
    check = parse_link({"w0": [big], "layers": ["4"], "width1": ["8"], "width2": ["8"],
                        "width3": ["8"], "width4": ["8"], "features": feats})
    assert check.values["w0"].size == 298 and not check.ignored
