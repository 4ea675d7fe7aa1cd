"""The session's state: one :class:`Lab` object, created once per browser session.

Pure Python + nncore (no Streamlit), so it is unit-testable; the panels keep it in
``st.session_state["lab"]`` and change it only through the functions here.
Changing the data or the network's shape resets training (with a notice). The training
settings (learning rate, batch size, momentum) live in ``Lab.settings`` (from the
widgets); the trainer is handed them before it trains (:func:`hand_settings`), and the
run's journal notes the settings the steps before a change were trained with.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field, replace

import numpy as np

from nncore import DEFAULTS, MLP, Trainer, datasets, divergence_message, sgd_update
from nncore.features import DEFAULT as DEFAULT_FEATURES
from nncore.features import expand

from .journal import Edit, Journal, OneStep
from .lock import SessionLock
from .passdata import PassData, compute_pass
from .player.stream import PlayerState
from .quiz import QuizState, new_quiz

SIZES = (2, 3, 4, 2)  # the default network, the derivation's
HIDDEN = SIZES[1:-1]
LAYERS = (0, 4)  # hidden layers a network may have, fewest and most
WIDTH = (1, 8)  # neurons a hidden layer may have
DATA_FIELDS = ("dataset", "n", "noise", "test_fraction", "data_seed")
NET_FIELDS = ("activation", "seed", "hidden", "features", "regularization", "reg_rate")


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
    hidden: tuple[int, ...] = HIDDEN  # the hidden layers' widths, input to output
    features: tuple[str, ...] = DEFAULT_FEATURES  # what the input layer is fed
    regularization: str = "none"  # the weight penalty: none, L1, L2 (nncore.penalty)
    reg_rate: float = 0.0  # its rate λ (0 with none)
    lr: float = DEFAULTS.lr
    batch_size: int = DEFAULTS.batch_size
    momentum: float = DEFAULTS.momentum
    epochs_limit: int = 10_000


@dataclass
class Data:
    """The toy set, split: X* (n, 2) points and Y* (n, 2) one-hot targets. The network is
    fed the points' features (:meth:`inputs`)."""

    X_train: np.ndarray
    Y_train: np.ndarray
    X_test: np.ndarray
    Y_test: np.ndarray
    _inputs: dict = field(default_factory=dict, repr=False, compare=False)

    def inputs(self, names: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        """The network's input for the training and the test points: the features
        ``names`` of each (nncore.features.expand), computed once, read-only (the data is
        shared by every session with these settings)."""
        got = self._inputs.get(names)
        if got is None:
            got = (expand(self.X_train, names), expand(self.X_test, names))
            for a in got:
                a.setflags(write=False)
            self._inputs[names] = got
        return got

    @property
    def n_outputs(self) -> int:
        return self.Y_train.shape[1]

    @property
    def y_train(self) -> np.ndarray:
        return np.argmax(self.Y_train, axis=1)

    @property
    def y_test(self) -> np.ndarray:
        return np.argmax(self.Y_test, axis=1)

    @property
    def extent(self) -> float:
        """The half-width e of the square [−e, e]² every map and scatter of the data
        draws: the largest |x| with an 8 % margin, rounded up to 0.1, at least 1.3 (the
        built-in sets' plane)."""
        top = float(np.max(np.abs(np.concatenate([self.X_train.ravel(), self.X_test.ravel()]))))
        return max(1.3, math.ceil(10 * 1.08 * top - 1e-9) / 10)


def sizes_of(s: Settings, d: Data) -> tuple[int, ...]:
    """The network the settings describe for the data: features → hidden → outputs."""
    return (len(s.features), *s.hidden, d.n_outputs)


def new_net(s: Settings, d: Data) -> MLP:
    """The initial network of these settings (the seed's weights, bit for bit)."""
    return MLP(sizes_of(s, d), s.activation, seed=s.seed, regularization=s.regularization,
               reg_rate=s.reg_rate)


def inputs(lab: Lab) -> tuple[np.ndarray, np.ndarray]:
    """What the session's network is fed: its training and test points' features."""
    return lab.data.inputs(lab.settings.features)


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
    # what the run did that its settings cannot replay (for links): lab/journal.py
    journal: Journal = field(default_factory=Journal)
    # the last uploaded dataset (safe file name, checked file), kept when a data setting
    # brings a built-in set back, so that one click can bring it back in turn
    uploaded: tuple | None = None
    # the uploaded data is the training data now
    using_upload: bool = False
    # "Your turn": the current question, the reply and the session's score
    quiz: QuizState = field(default_factory=new_quiz)
    # the live-training player's stream: snapshots sent, the ring buffer, the speed
    player: PlayerState = field(default_factory=PlayerState)
    # one thread at a time changes the session (SessionLock); ``guarded`` (an app's
    # session) makes changing it without the lock an error, so a callback that forgot to
    # take it fails its test
    lock: SessionLock = field(default_factory=SessionLock, repr=False, compare=False)
    guarded: bool = False


def guard(lab: Lab) -> None:
    """Raise when an app's session is changed by a thread that does not hold its lock."""
    if lab.guarded and not lab.lock.held():
        raise RuntimeError("the session was changed without its lock (lab.lock)")


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
    net = new_net(s, d)
    return Lab(settings=s, data=d, net=net, trainer=new_trainer(net, d, s), quiz=new_quiz(s.seed))


def new_trainer(net: MLP, d: Data, s: Settings) -> Trainer:
    """A trainer for ``net`` on the data ``d`` with the settings ``s`` (seeded shuffling)."""
    X_train, X_test = d.inputs(s.features)
    return Trainer(net, X_train, d.Y_train, X_test, d.Y_test, lr=s.lr,
                   batch_size=s.batch_size, momentum=s.momentum, seed=s.seed)


def reset(lab: Lab) -> None:
    """Back to the initial weights of this random seed (bit for bit) and epoch 0."""
    _new_run(lab, new_net(lab.settings, lab.data), Journal())


def start_from(lab: Lab, W: list[np.ndarray], b: list[np.ndarray]) -> None:
    """A new run from the given weights (W[q-1] (n_q, n_{q-1}), b[q-1] (n_q,)) at epoch 0,
    with the current settings; links carry the weights (the journal's start)."""
    s = lab.settings
    net = MLP.from_params(W, b, s.activation, regularization=s.regularization,
                          reg_rate=s.reg_rate)
    _new_run(lab, net, Journal(start=net.get_flat()))


def _new_run(lab: Lab, net: MLP, journal: Journal) -> None:
    guard(lab)
    lab.net = net
    lab.trainer = new_trainer(net, lab.data, lab.settings)
    lab.journal = journal
    lab.running = False
    lab.last_step = None
    lab.generation += 1


def hand_settings(lab: Lab) -> None:
    """Give the trainer the training settings in force before it trains. When they differ
    from those it trained with, the journal first notes those for the steps since its
    last entry (a link replays them)."""
    guard(lab)
    s, t = lab.settings, lab.trainer
    if (t.lr, t.batch_size, t.momentum) != (s.lr, s.batch_size, s.momentum):
        lab.journal.close_span(t.steps, t.lr, t.batch_size, t.momentum)
        t.lr, t.batch_size, t.momentum = s.lr, s.batch_size, s.momentum


def use_data(lab: Lab, data: Data, upload: bool) -> None:
    """Train on ``data`` from now on (the uploaded set when ``upload``): a new run."""
    lab.data = data
    lab.using_upload = upload
    reset(lab)


def change(lab: Lab, data: Data | None = None, **changes) -> str:
    """Apply new settings; returns the notice to show ('' if none).

    Data or network changes reset training (never mixing old weights with new
    data); lr, batch size and momentum go straight to the trainer. ``data`` may
    pass in already generated (cached) data for the new settings.
    """
    guard(lab)
    old = lab.settings
    new = replace(old, **changes)  # unknown names raise TypeError: a programming error
    changed = {k for k in changes if getattr(old, k) != getattr(new, k)}
    lab.settings = new
    if not changed:
        return ""
    what = ", ".join(sorted(changed))
    if changed & set(DATA_FIELDS):
        replaced, trained = lab.using_upload, lab.trainer.steps > 0
        use_data(lab, data if data is not None else make_data(new), upload=False)
        if replaced:  # never silent: the upload is kept, one click brings it back
            lab.notice = (f"Changed {what}: the built-in {new.dataset} data replaced your "
                          f"uploaded {lab.uploaded[0]}, and training was reset. "
                          "\"Use the uploaded data again\" in the sidebar brings it back.")
        else:
            lab.notice = (f"Changed {what}: training was reset to the initial weights of "
                          f"seed {new.seed}." if trained else "")
        return lab.notice
    if changed & set(NET_FIELDS):
        trained = lab.trainer.steps > 0
        reset(lab)
        lab.notice = (f"Changed {what}: training was reset to the initial weights of seed "
                      f"{new.seed}." if trained else "")
        return lab.notice
    if lab.running:  # the player restarts from its frame, where the new settings begin
        lab.player.new_stream(keep_marks=True)
    else:
        hand_settings(lab)
    return ""


def set_weight(lab: Lab, q: int, i: int, j: int, value: float) -> None:
    """W^(q)[i, j] ← value (0-based i, j), by hand, while paused: the run goes on from these
    weights (the trainer takes them as its new start) and its journal notes the edit."""
    guard(lab)
    t = lab.trainer
    lab.journal.close_span(t.steps, t.lr, t.batch_size, t.momentum)
    lab.journal.entries.append(Edit(t.steps, int(q), int(i), int(j), float(value)))
    lab.net.W[q - 1][i, j] = value
    lab.last_step = None


def current_pass(lab: Lab, view: View) -> PassData:
    return compute_pass(lab.net, inputs(lab)[0], lab.data.Y_train, view.indices,
                        lab.settings.lr, view.form, lab.settings.features)


def apply_one_step(lab: Lab, view: View, lr: float | None = None) -> dict:
    """θ ← θ − γ∇L on the viewed rows (γ: ``lr``, by default the setting in force);
    records before → after, and the step in the run's journal.

    Guarded by the trainer's divergence rule: if the loss after the step is not finite
    or above ``trainer.loss_limit``, the step is undone (the weights stay exactly as they
    were) and ``lab.last_step["message"]`` says why.
    """
    lr = lab.settings.lr if lr is None else lr
    idx = view.indices
    X, Y = inputs(lab)[0][idx], lab.data.Y_train[idx]
    net = lab.net
    before = net.copy()
    g = net.gradients(X, Y)
    sgd_update(net, g, lr)
    after = net.loss(X, Y)
    message = ""
    # the limit is the trainer's, set from a data loss: held against the data term
    if not (net.data_loss(X, Y) if net.reg_rate else after) <= lab.trainer.loss_limit:
        for q in range(net.L):
            net.W[q][...] = before.W[q]
            net.b[q][...] = before.b[q]
        t = lab.trainer
        message = divergence_message(after, lr=t.lr, batch_size=idx.size, momentum=0.0,
                                     where=f"in the single SGD step on {view.what}")
    else:
        t = lab.trainer
        lab.journal.close_span(t.steps, t.lr, t.batch_size, t.momentum)
        lab.journal.entries.append(OneStep(t.steps, float(lr), tuple(int(i) for i in idx)))
    lab.last_step = {
        "indices": idx, "lr": lr, "loss_before": g.loss,
        "loss_after": after, "W_before": before.W, "b_before": before.b,
        "W_after": [w.copy() for w in net.W], "b_after": [b.copy() for b in net.b],
        "dW": g.dW, "db": g.db, "undone": bool(message), "message": message,
    }
    return lab.last_step
