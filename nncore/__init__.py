"""nncore: the derivation's small fully connected network, exact and fast, numpy only.

>>> from nncore import MLP, datasets, train
>>> X, Y = datasets.make("xor", n=400, noise=0.1, seed=0)
>>> net = MLP(sizes=(2, 3, 4, 2), activation="tanh", seed=0)
>>> hist = train(net, X, Y)
"""

from . import datasets, features
from ._lockstep import trace_many
from .activations import ACTIVATIONS, Activation, get_activation
from .features import FEATURES
from .gradcheck import GradientCheck, GradRow, gradient_check, relative_error
from .mlp import MLP, Forward, Gradients, SampleForward, SampleGradients
from .penalty import REGULARIZATIONS
from .train import (
    DEFAULTS,
    Checkpoint,
    Defaults,
    History,
    Trace,
    Trainer,
    divergence_message,
    sgd_update,
    train,
)

__all__ = [
    "ACTIVATIONS",
    "DEFAULTS",
    "FEATURES",
    "MLP",
    "REGULARIZATIONS",
    "Activation",
    "Checkpoint",
    "Defaults",
    "Forward",
    "GradRow",
    "GradientCheck",
    "Gradients",
    "History",
    "SampleForward",
    "SampleGradients",
    "Trace",
    "Trainer",
    "datasets",
    "divergence_message",
    "features",
    "get_activation",
    "gradient_check",
    "relative_error",
    "sgd_update",
    "trace_many",
    "train",
]
