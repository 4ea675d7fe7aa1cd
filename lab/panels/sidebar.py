"""Panel: the sidebar of settings: data, network, training hyper-parameters, Reset."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from nncore import ACTIVATIONS, datasets

from ..state import Lab, change, reset
from .common import cached_data

LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128]
# widget key -> Settings field
KEYS = {"dataset": "dataset", "n_samples": "n", "noise": "noise",
        "test_fraction": "test_fraction", "activation": "activation", "seed": "seed",
        "lr": "lr", "batch_size": "batch_size", "momentum": "momentum",
        "epochs_limit": "epochs_limit"}


def _on_change(lab: Lab, key: str) -> None:
    field = KEYS[key]
    value = st.session_state[key]
    new = replace(lab.settings, **{field: value})
    change(lab, data=cached_data(new) if new != lab.settings else None, **{field: value})


def _regenerate(lab: Lab) -> None:
    new = replace(lab.settings, data_seed=lab.settings.data_seed + 1)
    change(lab, data=cached_data(new), data_seed=new.data_seed)


def _reset(lab: Lab) -> None:
    reset(lab)
    lab.notice = f"Reset: back to the initial weights of seed {lab.settings.seed}, epoch 0."


def sync_widgets(lab: Lab) -> None:
    """Give every settings widget its value from the Lab before it is drawn (first run,
    or after the settings were changed from elsewhere, e.g. a shared link)."""
    for key, field in KEYS.items():
        st.session_state.setdefault(key, getattr(lab.settings, field))


def sidebar(lab: Lab) -> None:
    sync_widgets(lab)
    s = st.sidebar
    args = {"on_change": _on_change}
    s.header("Data")
    s.selectbox("Dataset", datasets.NAMES, key="dataset", args=(lab, "dataset"), **args,
                help="Toy 2-D sets. The spiral is too hard for 2-3-4-2: a lesson in capacity")
    s.slider("Number of samples", 50, 1000, step=50, key="n_samples",
             args=(lab, "n_samples"), **args)
    s.slider("Noise (std of the jitter)", 0.0, 0.5, step=0.05, key="noise",
             args=(lab, "noise"), **args)
    s.slider("Test fraction", 0.1, 0.5, step=0.05, key="test_fraction",
             args=(lab, "test_fraction"), **args, help="Share of samples held out for testing")
    s.button("Regenerate data", key="regenerate", on_click=_regenerate, args=(lab,),
             help="Draw a new sample of the same dataset (resets training)")
    s.header("Network 2-3-4-2")
    s.selectbox("Hidden activation σ", list(ACTIVATIONS), key="activation",
                args=(lab, "activation"), **args, help="The output layer is always linear")
    s.number_input("Seed (initial weights, shuffling)", 0, 2**31 - 1, step=1, key="seed",
                   args=(lab, "seed"), **args,
                   help="The same seed gives the same initial weights, bit for bit")
    s.header("Training (SGD)")
    s.select_slider("Learning rate γ", LEARNING_RATES, key="lr", args=(lab, "lr"), **args,
                    format_func=lambda v: f"{v:g}", help="Log scale. Too large and training "
                                                         "diverges")
    s.select_slider("Batch size", BATCH_SIZES, key="batch_size", args=(lab, "batch_size"),
                    **args, help="Samples per SGD step; the last batch of an epoch may be "
                                 "smaller")
    s.slider("Momentum μ", 0.0, 0.99, step=0.01, key="momentum", args=(lab, "momentum"),
             **args, help="v ← μv + ∇L, θ ← θ − γv; 0 is plain SGD")
    s.number_input("Stop after epoch", 1, 100_000, step=50, key="epochs_limit",
                   args=(lab, "epochs_limit"), **args)
    s.button("Reset weights", key="reset", on_click=_reset, args=(lab,), type="primary",
             help="Back to the initial weights of this seed and epoch 0")
