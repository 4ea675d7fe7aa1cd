"""Panel: the sidebar of settings (data, network, training hyper-parameters) and Reset.

The widgets own their values: :func:`sidebar` reads them and returns the Settings they
describe; the app hands those to :func:`lab.state.change`, which resets training when
the data or the network changed.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from nncore import ACTIVATIONS, datasets

from ..state import Lab, Settings, change, reset
from .common import cached_data

LEARNING_RATES = [0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0, 3.0, 10.0]
BATCH_SIZES = [1, 2, 4, 8, 16, 32, 64, 128]
DEFAULT = Settings()


def _regenerate(lab: Lab) -> None:
    new = replace(lab.settings, data_seed=lab.settings.data_seed + 1)
    change(lab, data=cached_data(new), data_seed=new.data_seed)


def _reset(lab: Lab) -> None:
    reset(lab)
    lab.notice = f"Reset: back to the initial weights of seed {lab.settings.seed}, epoch 0."


def sidebar(lab: Lab) -> Settings:
    """Draw the settings; return the Settings the widgets now hold."""
    s = st.sidebar
    d = DEFAULT
    s.header("Data")
    dataset = s.selectbox("Dataset", datasets.NAMES, index=datasets.NAMES.index(d.dataset),
                          key="dataset",
                          help="Toy 2-D sets. The spiral is too hard for 2-3-4-2: a lesson in "
                               "capacity")
    n = s.slider("Number of samples", 50, 1000, d.n, step=50, key="n_samples")
    noise = s.slider("Noise (std of the jitter)", 0.0, 0.5, d.noise, step=0.05, key="noise")
    test_fraction = s.slider("Test fraction", 0.1, 0.5, d.test_fraction, step=0.05,
                             key="test_fraction", help="Share of samples held out for testing")
    s.button("Regenerate data", key="regenerate", on_click=_regenerate, args=(lab,),
             help="Draw a new sample of the same dataset (resets training)")
    s.header("Network 2-3-4-2")
    activation = s.selectbox("Hidden activation σ", list(ACTIVATIONS),
                             index=list(ACTIVATIONS).index(d.activation), key="activation",
                             help="The output layer is always linear")
    seed = s.number_input("Seed (initial weights, shuffling)", 0, 2**31 - 1, d.seed, step=1,
                          key="seed",
                          help="The random seed: the same seed gives the same initial "
                               "weights, bit for bit")
    s.header("Training (SGD)")
    lr = s.select_slider("Learning rate γ", LEARNING_RATES, d.lr, key="lr",
                         format_func=lambda v: f"{v:g}",
                         help="Log scale. Too large and training diverges")
    batch_size = s.select_slider("Batch size", BATCH_SIZES, d.batch_size, key="batch_size",
                                 help="Samples per SGD step; the last batch of an epoch may be "
                                      "smaller")
    momentum = s.slider("Momentum μ", 0.0, 0.99, d.momentum, step=0.01, key="momentum",
                        help="v ← μv + ∇L, θ ← θ − γv; 0 is plain SGD")
    epochs_limit = s.number_input("Stop after epoch", 1, 1_000_000, d.epochs_limit, step=100,
                                  key="epochs_limit")
    s.button("Reset weights", key="reset", on_click=_reset, args=(lab,), type="primary",
             icon=":material/restart_alt:",
             help="Back to the initial weights of this seed and epoch 0")
    return replace(lab.settings, dataset=dataset, n=int(n), noise=float(noise),
                   test_fraction=float(test_fraction), activation=activation, seed=int(seed),
                   lr=float(lr), batch_size=int(batch_size), momentum=float(momentum),
                   epochs_limit=int(epochs_limit))
