"""The session's state: one :class:`Lab` object, created once per browser session.

Pure Python + nncore (no Streamlit), so it is unit-testable; the panels keep it in
``st.session_state["lab"]`` and change it only through the functions here.
Changing the data or the network's shape resets training (with a notice);
learning rate, batch size and momentum apply to the running training as they are.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from nncore import DEFAULTS, MLP, Trainer, datasets, divergence_message, sgd_update

from .passdata import PassData, compute_pass
from .player.protocol import PlayerState
from .quiz import QuizState, new_quiz

SIZES = (2, 3, 4, 2)
DATA_FIELDS = ("dataset", "n", "noise", "test_fraction", "data_seed")
NET_FIELDS = ("activation", "seed")


@dataclass(frozen=True)
class Settings:
    """Everything a user sets; the defaults are nncore's (the ≥ 95 % defaults)."""

    dataset: str = "xor"
    n: int = 400
    noise: float = 0.1
    test_fraction: float = 0.3
    data_seed: int = 0
    activation: str = "tanh"
    seed: int = DEFAULTS.seed
    lr: float = DEFAULTS.lr
    batch_size: int = DEFAULTS.batch_size
    momentum: float = DEFAULTS.momentum
    epochs_limit: int = 10_000


@dataclass
class Data:
    """The toy set, split: X* (n, 2) inputs and Y* (n, 2) one-hot targets."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray

    @property
    def y_train(self) -> np.ndarray:
        return np.argmax(self.Y_train, axis=1)

    @property
    def y_test(self) -> np.ndarray:
        return np.argmax(self.Y_test, axis=1)


def make_data(s: Settings) -> Data:
    """Generate and split the dataset the settings describe (deterministic)."""
    X, Y = datasets.make(s.dataset, n=s.n, noise=s.noise, seed=s.data_seed)
    (Xtr, Ytr), (Xte, Yte) = datasets.split(X, Y, test_fraction=s.test_fraction,
                                            seed=s.data_seed)
    for a in (Xtr, Ytr, Xte, Yte):
        # Data is cached and shared by every session with these settings: read-only, so
        # no session can change another's data.
        a.setflags(write=False)
    return Data(Xtr, Ytr, Xte, Yte)


@dataclass
class Lab:
    """One session: settings, data, the network, its trainer, and the last single step.

    What the views show (stage, form, sample, batch size) is owned by their widgets,
    not mirrored here: the panels read it from the widgets and pass it on.
    """

    settings: Settings
    data: Data
    net: MLP
    trainer: Trainer
    running: bool = False
    notice: str = ""
    last_step: dict | None = None
    # bumped by every reset: a new training run (live views restart their streams)
    generation: int = 0
    # set while uploaded data replaces the built-in set ("custom: file.csv"); a change of
    # any data setting brings a built-in set back
    custom_data_name: str = ""
    # "Your turn": the current question, the reply and the session's score
    quiz: QuizState = field(default_factory=new_quiz)
    # the live-training player's stream: snapshots sent, the ring buffer, the speed
    player: PlayerState = field(default_factory=PlayerState)


@dataclass(frozen=True)
class View:
    """What flows through the step-by-step view: the form of the equations ("sample" or
    "batch") and the training rows, (1,) for a sample or (N,) for a mini-batch."""

    form: str
    indices: np.ndarray

    @property
    def what(self) -> str:
        i = self.indices
        return f"sample {i[0]}" if i.size == 1 else f"the mini-batch of {i.size} (rows " \
            + ", ".join(str(k) for k in i) + ")"


def view_indices(n: int, form: str, sample: int, batch: int) -> np.ndarray:
    """Training rows shown by the network view: the picked sample (clipped to 0 … n−1),
    or in the batch form ``batch`` consecutive rows starting at it (wrapping around)."""
    i = int(np.clip(sample, 0, n - 1))
    if form == "sample":
        return np.array([i])
    return (i + np.arange(min(int(batch), n))) % n


def new_lab(settings: Settings | None = None, data: Data | None = None) -> Lab:
    s = settings or Settings()
    d = data if data is not None else make_data(s)
    net = MLP(SIZES, s.activation, seed=s.seed)
    return Lab(settings=s, data=d, net=net, trainer=new_trainer(net, d, s), quiz=new_quiz(s.seed))


def new_trainer(net: MLP, d: Data, s: Settings) -> Trainer:
    """A trainer for ``net`` on the data ``d`` with the settings ``s`` (seeded shuffling)."""
    return Trainer(net, d.X_train, d.Y_train, d.X_test, d.Y_test, lr=s.lr,
                   batch_size=s.batch_size, momentum=s.momentum, seed=s.seed)


def reset(lab: Lab) -> None:
    """Back to the initial weights of this random seed (bit for bit) and epoch 0."""
    s = lab.settings
    lab.net = MLP(SIZES, s.activation, seed=s.seed)
    lab.trainer = new_trainer(lab.net, lab.data, s)
    lab.running = False
    lab.last_step = None
    lab.generation += 1


def change(lab: Lab, data: Data | None = None, **changes) -> str:
    """Apply new settings; returns the notice to show ('' if none).

    Data or network changes reset training (never mixing old weights with new
    data); lr, batch size and momentum go straight to the trainer. ``data`` may
    pass in already generated (cached) data for the new settings.
    """
    old = lab.settings
    new = replace(old, **changes)  # unknown names raise TypeError: a programming error
    changed = {k for k in changes if getattr(old, k) != getattr(new, k)}
    lab.settings = new
    if not changed:
        return ""
    if changed & set(DATA_FIELDS):
        lab.data = data if data is not None else make_data(new)
        lab.custom_data_name = ""
    if changed & (set(DATA_FIELDS) | set(NET_FIELDS)):
        trained = lab.trainer.steps > 0
        reset(lab)
        what = ", ".join(sorted(changed))
        lab.notice = (f"Changed {what}: training was reset to the initial weights of seed "
                      f"{new.seed}." if trained else "")
        return lab.notice
    t = lab.trainer
    t.lr, t.batch_size, t.momentum = new.lr, new.batch_size, new.momentum
    return ""


def current_pass(lab: Lab, view: View) -> PassData:
    return compute_pass(lab.net, lab.data.X_train, lab.data.Y_train, view.indices,
                        lab.settings.lr, view.form)


def apply_one_step(lab: Lab, view: View) -> dict:
    """θ ← θ − γ∇L on the viewed rows; records before → after.

    Guarded by the trainer's divergence rule: if the loss after the step is not finite
    or above ``trainer.loss_limit``, the step is undone (the weights stay exactly as they
    were) and ``lab.last_step["message"]`` says why.
    """
    idx = view.indices
    X, Y = lab.data.X_train[idx], lab.data.Y_train[idx]
    net = lab.net
    before = net.copy()
    g = net.gradients(X, Y)
    sgd_update(net, g, lab.settings.lr)
    after = net.loss(X, Y)
    message = ""
    if not after <= lab.trainer.loss_limit:  # also true for NaN
        for q in range(net.L):
            net.W[q][...] = before.W[q]
            net.b[q][...] = before.b[q]
        t = lab.trainer
        message = divergence_message(after, lr=t.lr, batch_size=idx.size, momentum=0.0,
                                     where=f"in the single SGD step on {view.what}")
    lab.last_step = {
        "indices": idx, "lr": lab.settings.lr, "loss_before": g.loss,
        "loss_after": after, "W_before": before.W, "b_before": before.b,
        "W_after": [w.copy() for w in net.W], "b_after": [b.copy() for b in net.b],
        "dW": g.dW, "db": g.db, "undone": bool(message), "message": message,
    }
    return lab.last_step
