"""The derivation's update θ ← θ − γ∇L, and what is said when training blows up.

* :func:`sgd_update` applies given gradients to a network (one plain SGD step);
* :func:`divergence_message` names the likely cause of a loss that blew up, the learning
  rate, and the fix.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._checks import as_float_array, check_float, check_values, show
from .mlp import MLP, Gradients


def divergence_message(loss: float, *, lr: float, batch_size: int, momentum: float,
                       where: str, outcome: str = "") -> str:
    """The message shown when training blows up.

    loss : the loss that was too large (NaN or inf allowed); where : which step, e.g.
    ``"after step 3 (in epoch 1)"`` or ``"in the single SGD step on sample 7"``;
    outcome : what happened to the weights, appended as it is. Names the likely cause
    (learning rate γ for this batch size and momentum) and the fix.
    """
    _check_message_args(loss=loss, lr=lr, batch_size=batch_size, momentum=momentum,
                        where=where, outcome=outcome)
    loss, lr, momentum = real_or_inf(loss), real_or_inf(lr), real_or_inf(momentum)
    shown = f"{loss:.3g}" if np.isfinite(loss) else "not a number"
    cause = (f"The likely cause is the learning rate γ = {lr:g}, which is too large for "
             f"batch size {batch_size}" + (f" and momentum {momentum:g}" if momentum else ""))
    text = (f"Training diverged: the loss became {shown} {where}. {cause}. "
            "Lower the learning rate (or raise the batch size) and reset.")
    return f"{text} {outcome}" if outcome else text


def real_or_inf(v) -> float:
    """float(v) for a real number; an int beyond float range becomes ±inf."""
    try:
        return float(v)
    except OverflowError:
        return math.inf if v > 0 else -math.inf


def _check_message_args(**kw) -> None:
    for name in ("loss", "lr", "momentum"):
        v = kw[name]
        if not isinstance(v, numbers.Real) or isinstance(v, (bool, np.bool_)):
            raise ValueError(f"{name} must be a number, got {show(v)}")  # noqa: TRY004
    if (not isinstance(kw["batch_size"], numbers.Integral)
            or isinstance(kw["batch_size"], (bool, np.bool_))):
        raise ValueError(f"batch_size must be an integer, got {show(kw['batch_size'])}")  # noqa: TRY004
    for name in ("where", "outcome"):
        if not isinstance(kw[name], str):
            raise ValueError(f"{name} must be a str, got {show(kw[name])}")  # noqa: TRY004


def sgd_update(net: MLP, grads: Gradients, lr: float) -> None:
    """W^(q) ← W^(q) − γ ∂L/∂W^(q) and b^(q) ← b^(q) − γ ∂L/∂b^(q), in place.

    ``grads`` must be shaped like the network's parameters and finite, and the updated
    weights must be finite: an update that would overflow (a huge γ or gradient) raises
    ValueError and leaves the network unchanged, rather than writing inf or NaN.
    """
    check_net("net", net)
    lr = check_float("lr", lr, 0.0, low_open=True)
    dW, db = getattr(grads, "dW", None), getattr(grads, "db", None)
    if not isinstance(dW, (list, tuple)) or not isinstance(db, (list, tuple)):
        raise ValueError(  # noqa: TRY004
            "grads must be the Gradients of net.backward or net.gradients (lists dW, db), "
            f"got {type(grads).__name__}"
        )
    if not all(np.all(np.isfinite(p)) for p in net.W + net.b):
        raise ValueError("net's weights are not finite (NaN or inf): reset the network")
    new_W, new_b = [], []
    with np.errstate(over="ignore", invalid="ignore"):  # checked just below
        for name, Ps, Gs, out in (("dW", net.W, dW, new_W), ("db", net.b, db, new_b)):
            if len(Gs) != net.L:
                raise ValueError(
                    f"grads.{name} must hold {net.L} arrays, one per layer, got {len(Gs)}"
                )
            for q, (P, g) in enumerate(zip(Ps, Gs)):
                g = as_float_array(f"grads.{name}[{q}]", g)
                if g.shape != P.shape:
                    raise ValueError(
                        f"grads.{name}[{q}] must have shape {P.shape} like the network's "
                        f"parameter, got {g.shape}"
                    )
                check_values(f"grads.{name}[{q}]", g, max_abs=None)
                out.append(P - lr * g)
    if not all(np.all(np.isfinite(p)) for p in new_W + new_b):
        raise ValueError(
            f"lr = {lr:g} times these gradients overflows: the updated weights would not "
            "be finite (the network was left unchanged); use a smaller learning rate"
        )
    for q in range(net.L):
        net.W[q][...] = new_W[q]
        net.b[q][...] = new_b[q]


def check_net(name: str, net) -> None:
    if not isinstance(net, MLP):
        raise ValueError(f"{name} must be an nncore.MLP, got {type(net).__name__}")  # noqa: TRY004


def plural(n: int, word: str) -> str:
    """"1 step", "3 steps"."""
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
