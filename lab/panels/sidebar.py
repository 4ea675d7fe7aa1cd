"""Panel: the sidebar of settings (data, network, training hyper-parameters) and Reset.

The widgets own their values: :func:`sidebar` reads them and returns the Settings they
describe; the app hands those to :func:`lab.state.change`, which resets training when
the data or the network changed.
"""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from nncore import ACTIVATIONS, FEATURES, REGULARIZATIONS, datasets
from nncore.features import TEXT

from ..io import md_escape, use_upload
from ..links import (
    BATCH_SIZES,
    EPOCHS_LIMIT,
    LAYERS,
    LEARNING_RATES,
    MOMENTUM,
    N_SAMPLES,
    NOISE,
    REG_RATE_DEFAULT,
    REG_RATES,
    SEED_MAX,
    TEST_FRACTION,
    WIDTH,
    WIDTH_DEFAULTS,
)
from ..state import DATA_FIELDS, Lab, Settings, change, reset, use_data
from .common import cached_data, locked

DEFAULT = Settings()
URL = "query-params"  # every setting lives in the page's address: links reproduce it


@locked
def _regenerate(lab: Lab) -> None:
    new = replace(lab.settings, data_seed=lab.settings.data_seed + 1)
    change(lab, data=cached_data(new), data_seed=new.data_seed)


@locked
def _built_in(lab: Lab) -> None:
    """Leave uploaded data: back to the built-in set the widgets describe."""
    use_data(lab, cached_data(lab.settings), upload=False)
    lab.notice = (f"Back to the built-in {lab.settings.dataset} data; training was reset. "
                  f"\"Use the uploaded data again\" brings {lab.uploaded[0]} back.")


@locked
def _uploaded(lab: Lab) -> None:
    use_upload(lab)


@locked
def _reset(lab: Lab) -> None:
    reset(lab)
    lab.notice = f"Reset: back to the initial weights of seed {lab.settings.seed}, epoch 0."


def _shape(s, lab: Lab) -> tuple[tuple[int, ...], tuple[str, ...], str]:
    """The hidden layers' widths and the input features the widgets hold, and a note
    when the features were all unchosen (the network then keeps its features)."""
    layers = int(s.number_input("Hidden layers", LAYERS[0], LAYERS[1], len(DEFAULT.hidden),
                                key="layers", bind=URL,
                                help="0 to 4 layers between the input and the output"))
    cols = s.columns(2)
    hidden = tuple(
        int(cols[i % 2].number_input(f"Neurons, layer {i + 1}", WIDTH[0], WIDTH[1],
                                     WIDTH_DEFAULTS[i], key=f"width{i + 1}", bind=URL))
        for i in range(layers))
    chosen = s.pills("Input features", FEATURES, selection_mode="multi",
                     default=list(DEFAULT.features), format_func=TEXT.get, key="features",
                     bind=URL, help="What the input layer is fed, computed from each point "
                                    "(x₁, x₂); the picture draws each as a small map")
    if not chosen:
        return hidden, lab.settings.features, (
            "Choose at least one input feature: the network keeps "
            + ", ".join(TEXT[f] for f in lab.settings.features) + ".")
    return hidden, tuple(f for f in FEATURES if f in chosen), ""


def _penalty(s) -> tuple[str, float]:
    """The weight penalty the widgets hold: its kind and λ (0 with none)."""
    kind = s.segmented_control("Regularization", REGULARIZATIONS, default="none",
                               key="regularization", bind=URL, required=True,
                               help="A penalty λR(W) on the weights added to the loss: "
                                    "L1 R = Σ|w|, L2 R = Σw² (biases are not penalized)")
    rate = s.select_slider("Regularization rate λ", REG_RATES, REG_RATE_DEFAULT, key="reg_rate",
                           bind=URL, format_func=lambda v: f"{v:g}",
                           disabled=kind in (None, "none"))
    if kind in (None, "none"):
        return "none", 0.0
    return kind, float(rate)


def sidebar(lab: Lab) -> Settings:
    """Draw the settings; return the Settings the widgets now hold."""
    s = st.sidebar
    d = DEFAULT
    s.header("Data")
    names = datasets.NAMES + datasets.REGRESSION
    dataset = s.selectbox("Dataset", names, index=names.index(d.dataset),
                          key="dataset", bind=URL,
                          help="Toy 2-D sets. Two classes: xor … spiral (the spiral is too hard "
                               "for 2-3-4-2: a lesson in capacity; add neurons, layers or "
                               "features below). Regression: plane and gauss, one real target "
                               "a point and one linear output")
    regression_note = s.empty()  # filled below, once it is known whether an upload stays
    custom = s.container()  # filled below, once the new settings are known
    n = s.slider("Number of samples", N_SAMPLES[0], N_SAMPLES[1], d.n, step=N_SAMPLES[2],
                 key="n_samples", bind=URL)
    noise = s.slider("Noise (std of the jitter)", NOISE[0], NOISE[1], d.noise, step=NOISE[2],
                     key="noise", bind=URL)
    test_fraction = s.slider("Test fraction", TEST_FRACTION[0], TEST_FRACTION[1],
                             d.test_fraction, step=TEST_FRACTION[2], key="test_fraction",
                             bind=URL, help="Share of samples held out for testing")
    s.button("Regenerate data", key="regenerate", on_click=_regenerate, args=(lab,),
             help="Draw a new sample of the same dataset (resets training)")
    head = s.empty()  # the network's shape, once the widgets below have said it
    hidden, features, net_note = _shape(s, lab)
    activation = s.selectbox("Hidden activation σ", list(ACTIVATIONS),
                             index=list(ACTIVATIONS).index(d.activation), key="activation",
                             bind=URL,
                             help="The output layer is always linear")
    regularization, reg_rate = _penalty(s)
    seed = s.number_input("Seed (initial weights, shuffling)", 0, SEED_MAX, d.seed, step=1,
                          key="seed", bind=URL,
                          help="The random seed: the same seed gives the same initial "
                               "weights, bit for bit")
    if net_note:
        s.warning(net_note, icon=":material/warning:")
    s.header("Training (SGD)")
    lr = s.select_slider("Learning rate γ", LEARNING_RATES, d.lr, key="lr", bind=URL,
                         format_func=lambda v: f"{v:g}",
                         help="Log scale. Too large and training diverges")
    batch_size = s.select_slider("Batch size", BATCH_SIZES, d.batch_size, key="batch_size",
                                 bind=URL,
                                 help="Samples per SGD step; the last batch of an epoch may be "
                                      "smaller")
    momentum = s.slider("Momentum μ", MOMENTUM[0], MOMENTUM[1], d.momentum, step=MOMENTUM[2],
                        key="momentum", bind=URL,
                        help="v ← μv + ∇L, θ ← θ − γv; 0 is plain SGD")
    epochs_limit = s.number_input("Stop after epoch", EPOCHS_LIMIT[0], EPOCHS_LIMIT[1],
                                  d.epochs_limit, step=100, key="epochs_limit", bind=URL)
    s.button("Reset weights", key="reset", on_click=_reset, args=(lab,), type="primary",
             icon=":material/restart_alt:",
             help="Back to the initial weights of this seed and epoch 0")
    new = replace(lab.settings, dataset=dataset, n=int(n), noise=float(noise),
                  test_fraction=float(test_fraction), activation=activation, seed=int(seed),
                  hidden=hidden, features=features, regularization=regularization,
                  reg_rate=reg_rate,
                  lr=float(lr), batch_size=int(batch_size), momentum=float(momentum),
                  epochs_limit=int(epochs_limit))
    same_data = all(getattr(new, f) == getattr(lab.settings, f) for f in DATA_FIELDS)
    # the outputs of the data the widgets say (the settings are applied after this run's
    # sidebar): an upload in use stays while no data setting changed (lab.state.change)
    kept = lab.using_upload and same_data
    outputs = lab.data.n_outputs if kept else 1 if datasets.is_regression(dataset) else 2
    if outputs == 1:
        regression_note.caption("Regression: the network has one linear output ŷ, the loss "
                                "is (ŷ − y)² averaged, and the map shows ŷ itself.")
    head.header("Network " + "-".join(map(str, (len(features), *hidden, outputs))))
    if lab.uploaded is None:
        return new
    name = md_escape(lab.uploaded[0])
    if lab.using_upload and same_data:  # a changed data setting replaces it in this run
        custom.caption(f"Training on your uploaded **{name}** (under Save and load), not "
                       "the set above.")
        custom.button("Back to the built-in data", key="built_in_data", on_click=_built_in,
                      args=(lab,), width="stretch")
    else:
        custom.caption(f"Your uploaded **{name}** is kept.")
        custom.button("Use the uploaded data again", key="uploaded_data", on_click=_uploaded,
                      args=(lab,), width="stretch", icon=":material/upload_file:")
    return new
