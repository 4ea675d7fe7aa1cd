"""The guided lesson: the derivation (docs/backprop.md) walked step by step, as pure data.

The steps are written once for every network (:class:`Template`, in ``first.py`` and
``second.py``); :func:`lesson_steps` gives those of a network with L layers of parameters
(a network without a hidden layer has no activation step and nothing to send back through
σ′). Each :class:`LessonStep` names the stage of the network picture it shows (a key of
:func:`lab.stages.build_stages`), the form of the pass ("sample": one sample as columns,
"batch": a mini-batch as rows), which of that stage's equations to show (indices into
:func:`lab.equations.stage_equations`, ``None`` for all), its text and an optional
"try this" line pointing at a control of the app.

The texts are Markdown with ``$…$`` / ``$$…$$`` math. They never hard-code a number of the
live network, nor its shape: a number they quote, and every word that depends on the
layers, the input features, the task (classes or a regression) and the penalty, is a
``<<name>>`` placeholder that :func:`render` fills from :func:`facts` of the step's own
pass, so the text always agrees with the picture and the equations next to it. Nor do they hard-code the hidden activation: what σ and σ' are,
and what they do to the signal, come from :data:`WORDS` for the activation of the pass.
No Streamlit here; the panel is ``lab.panels.lesson``. The steps themselves, the prose,
are in ``first.py`` (notation, forward pass, loss, the output error) and ``second.py``
(the error signal back, gradients, the mini-batch form, the update, momentum).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from inspect import cleandoc

import numpy as np

from nncore.features import LATEX
from nncore.penalty import penalty_grad

from ..equations import num
from ..numbers import plain
from ..passdata import PassData, loss_after
from ..stages import sup
from .shape import fed_features, network_facts, penalty_facts, vec

BATCH_N = 4  # rows of the mini-batch the batch-form steps show
PLACEHOLDER = re.compile(r"<<(\w+)>>")
DISPLAY = re.compile(r"\$\$(.+?)\$\$", re.DOTALL)


@dataclass(frozen=True)
class LessonStep:
    """title: short heading; stage: a stage key ("input", "z1", …, "update"); form:
    "sample" or "batch"; text: Markdown with <<name>> placeholders (see :func:`facts`);
    equations: indices into the stage's equations, None for all; try_this: Markdown."""

    title: str
    stage: str
    form: str
    text: str
    equations: tuple[int, ...] | None = None
    try_this: str = ""


@dataclass(frozen=True)
class Template:
    """A step as written, for every network: ``title`` and ``stage`` are format strings
    of L (the layers with parameters), H = L − 1, Ls and Hs (their superscripts), or
    functions of L; ``equations`` a function of L (None: all); ``when`` says for which L
    the step exists (a network without a hidden layer has no activation step)."""

    title: str | Callable[[int], str]
    stage: str | Callable[[int], str]
    form: str
    text: str
    equations: Callable[[int], tuple[int, ...]] | None = None
    try_this: str = ""
    when: Callable[[int], bool] = lambda L: True

    def step(self, L: int) -> LessonStep:
        fields = {"L": L, "H": L - 1, "Ls": sup(L), "Hs": sup(L - 1)}
        title = self.title(L) if callable(self.title) else self.title.format(**fields)
        stage = self.stage(L) if callable(self.stage) else self.stage.format(**fields)
        eqs = None if self.equations is None else self.equations(L)
        return LessonStep(title, stage, self.form, self.text, eqs, self.try_this)


def written(title, stage, form, text, equations=None, try_this="", when=lambda L: True):
    """A :class:`Template` from prose as written in first.py and second.py (dedented)."""
    return Template(title, stage, form, cleandoc(text), equations, cleandoc(try_this), when)


def first_forward(L: int) -> str:
    """The stage of layer 1's sum: z1, or ŷ when layer 1 is the output (no hidden layer)."""
    return "z1" if L > 1 else "yhat"


@dataclass(frozen=True)
class Words:
    """What the lesson says about one hidden activation σ: Markdown, math in $…$.

    sigma, dsigma: σ(z) and σ'(z) in LaTeX; call: σ applied to a number, a format string
    (the number, in parentheses when negative, goes in {}); shape: how σ bends; stored:
    why σ' needs only what the forward pass keeps; backward: what σ' does to the signal
    going back; fade: how the factors σ' scale it, layer after layer; train: what
    training does to them (a "try this"); other, other_effect: the activation the
    "try this" of the activation step suggests instead, and what that changes.
    """

    sigma: str
    dsigma: str
    call: str
    shape: str
    stored: str
    backward: str
    fade: str
    train: str
    other: str
    other_effect: str


_FROM_A = ("which can be computed from the activation alone, so the forward pass stores the "
           "activations for later.")
WORDS: dict[str, Words] = {
    "tanh": Words(
        r"\tanh z", r"1 - \tanh^2 z = 1 - a^2", r"\tanh({})",
        r"$\tanh$ is close to the identity near 0 and flattens out towards $-1$ and $1$ for "
        r"large $|z|$.", _FROM_A,
        r"a neuron with $|a|$ near 1 (**saturated**) passes almost nothing back.",
        r"factors $\sigma' \le 1$, so in deep networks it can fade away",
        r"as activations grow towards $\pm 1$ the factors $\sigma'$ shrink. The Train tab's "
        "gradient-flow chart counts the saturated units.",
        "relu", "negative sums become 0"),
    "sigmoid": Words(
        r"\frac{1}{1 + e^{-z}}", r"\sigma(z)\,(1 - \sigma(z)) = a(1 - a)",
        r"\frac{{1}}{{1 + e^{{-{}}}}}",
        r"The sigmoid rises from 0 to 1: it is $\frac12$ at $z = 0$ and flattens out towards "
        r"0 and 1 for large $|z|$.", _FROM_A,
        r"it is at most $\frac14$ (at $a = \frac12$), and a neuron with $a$ near 0 or 1 "
        "(**saturated**) passes almost nothing back.",
        r"factors $\sigma' \le \frac14$, so in deep networks it fades away fast",
        r"as activations move towards 0 or 1 the factors $\sigma'$ shrink. The Train tab's "
        "gradient-flow chart counts the saturated units.",
        "tanh", "every sum is squashed into $(-1, 1)$, centred on 0"),
    "relu": Words(
        r"\max(0, z)", r"1 \text{ for } z > 0,\ 0 \text{ otherwise}", r"\max(0, {})",
        "ReLU passes a positive sum on unchanged and replaces a negative one by 0: two "
        r"straight pieces with a bend at $z = 0$.",
        r"which can be read off the activation alone ($a > 0$ exactly when $z > 0$), so the "
        "forward pass stores the activations for later.",
        r"a neuron with $z > 0$ passes the signal back unchanged, and one with $z \le 0$ "
        r"(its $a$ is 0) passes nothing back for this sample.",
        r"factors $\sigma'$ that are 1 or 0: through each neuron the signal goes back "
        "undiminished, or not at all",
        "a neuron whose sum is negative for every sample outputs 0 and passes nothing back "
        r"(a **dead** unit), and no gradient brings it back. The Train tab's gradient-flow "
        r"chart counts the units with $\sigma' = 0$.",
        "tanh", "every sum is squashed smoothly into $(-1, 1)$"),
    "identity": Words(
        "z", "1", r"\sigma({})",
        "The identity passes every sum on unchanged, so this network is exactly the one just "
        "described: one matrix product plus a constant, however many layers it has.",
        "for every $z$: the backward pass needs nothing stored to apply it.",
        "every neuron passes the signal back unchanged, scaled by the weights alone.",
        r"factors $\sigma' = 1$: only the weights can make it fade",
        r"the factors $\sigma'$ are still all 1. With the identity, only the weights scale "
        "the signal on its way back.",
        "tanh", "the boundary can bend"),
}


def _signed(v: float) -> str:
    """A number with 3 decimals, in parentheses when negative (for products and sums)."""
    s = num(v)
    return f"({s})" if s.startswith("-") else s


def _sci(v: float) -> str:
    """A small number as LaTeX, e.g. $1.1\times 10^{-16}$ (or $0$)."""
    if v == 0:
        return "$0$"
    m, e = f"{v:.1e}".split("e")
    return f"${m}\\times 10^{{{int(e)}}}$"


def facts(p: PassData) -> dict[str, str]:
    """Every number (as text) the lesson quotes, computed from the pass ``p``, and the
    words that follow the network's shape (:func:`network_facts`).

    Row 0 of the pass is the lesson's sample in both forms; in the batch form the
    per-sample quantities of row 0 are rebuilt from the batch ones (δ = N · row of Δ).
    """
    L, N = p.L, p.N
    x, y, yhat = p.X[0], p.Y[0], p.A[L][0]
    regression = len(y) == 1
    d3 = 2 * (yhat - y)  # the sample's own δ⁽ᴸ⁾ in both forms
    w = WORDS[p.activation]
    f = network_facts(p) | penalty_facts(p)
    f |= {
        # the activation in use, its formulas and what they do
        "act": p.activation, "sigma": w.sigma, "dsigma": w.dsigma, "shape": w.shape,
        "stored": w.stored, "backward": w.backward, "fade": w.fade, "train": w.train,
        # (a number the call already puts in parentheses takes none of its own)
        "sigma_z11": w.call.format((num if w.call.endswith("{})") else _signed)(p.Z[0][0, 0])),
        "other": w.other,
        "other_sigma": WORDS[w.other].sigma, "other_effect": w.other_effect,
        "index": str(int(p.indices[0])), "N": str(N),
        "rows": ", ".join(str(int(i)) for i in p.indices),
        "x_vec": vec(x), "y1": num(y[0]) if regression else f"{y[0]:g}",
        "py1": _signed(y[0]) if regression else f"{y[0]:g}",
        "z11": num(p.Z[0][0, 0]), "a11": num(p.A[1][0, 0]),
        "yhat1": num(yhat[0]), "pyhat1": _signed(yhat[0]),
        "loss": num(p.data_loss), "d31": num(d3[0]),
        "d31_meaning": ("positive: a larger $\\hat y_1$ would make the loss larger, so "
                        "$\\hat y_1$ should come down" if d3[0] > 0 else
                        "negative: a larger $\\hat y_1$ would make the loss smaller, so "
                        "$\\hat y_1$ should go up" if d3[0] < 0 else
                        "zero: $\\hat y_1$ is already on target"),
        # (plain: these two are quoted in the text, not in math)
        "max_d3": plain(np.max(np.abs(p.delta[L - 1][0]))),
        "max_d1": plain(np.max(np.abs(p.delta[0][0]))),
        "two_over_N": num(2 / N), "D31": num(p.delta[L - 1][0, 0]), "pd31": _signed(d3[0]),
        "lr": f"{p.lr:g}",
    }
    # z of neuron 1 of layer 1, term by term; more than three inputs: a display of its own,
    # three terms a line
    terms = [rf"{_signed(p.W[0][0, j])}\cdot{_signed(x[j])}" for j in range(len(x))]
    terms.append(_signed(p.b[0][0]))
    if len(x) <= 3:
        f["z11_sum"] = f"${' + '.join(terms)} = {f['z11']}$"
    else:
        lines = [" + ".join(terms[i:i + 3]) for i in range(0, len(terms), 3)]
        f["z11_sum"] = ("\n\n" + r"$$\begin{aligned} z^{(1)}_1 &= " + r" \\ &\quad + ".join(lines)
                        + rf" \\ &= {f['z11']} \end{{aligned}}$$" + "\n\n")
    if regression:
        f["input_target"] = (
            f"its input is $\\mathbf{{x}} = {f['x_vec']}$ and its target is the number "
            f"$y = {f['y1']}$, the value the network should output at this point (a "
            "regression: one linear output, no classes)")
        f["prediction"] = (f"for the target $y = {f['y1']}$ the network predicts "
                           f"$\\hat y = {f['yhat1']}$; the map colours every point of the "
                           r"plane by its $\hat y$.")
        f["loss_sum"] = "the squared difference is"
    else:
        cls, pred = int(np.argmax(y)), int(np.argmax(yhat))
        target = vec(y, lambda v: f"{v:g}")
        f["input_target"] = (
            f"its input is $\\mathbf{{x}} = {f['x_vec']}$ and its target is "
            f"$\\mathbf{{y}} = {target}$: a 1 in the position of its "
            f"class (class {cls + 1}: class 1 is $(1, 0)$, orange circles; class 2 is "
            "$(0, 1)$, blue squares) and 0 in the other")
        f["prediction"] = (f"for the target ${target}$ the network "
                           f"predicts $\\hat{{\\mathbf{{y}}}} = {vec(yhat)}$. The larger output "
                           f"names the predicted class: here class {pred + 1}, "
                           + ("the right class." if pred == cls else "the wrong class."))
        f["loss_sum"] = "the two squared differences add up to"
        f["cls"], f["pred"] = str(cls + 1), str(pred + 1)  # class 1 and 2, as everywhere
    if fed_features(p):
        names = ", ".join(LATEX[k] for k in p.inputs)
        k = len(p.inputs)
        f["input_target"] = f["input_target"].replace(
            "its input is", f"its input, {f'the {k} features' if k > 1 else 'the one feature'} "
            f"$({names})$ "
            "chosen under **Input features** in the sidebar (so from here on $x_j$ is entry "
            "$j$ of this input), is", 1)
    act = (rf"**{p.activation}**, $\sigma(z) = {w.sigma}$, as chosen under **Activation** in "
           "the sidebar")
    f["sigma_intro"] = (
        rf"The hidden layers apply a function $\sigma$ to each entry separately; here it is "
        rf"{act}. $\sigma'$ is its derivative, and $\odot$ multiplies two vectors entry by "
        "entry." if L > 1 else
        rf"A hidden layer would apply a function $\sigma$ to each entry (here {act}); this "
        r"network has none, so no $\sigma$ enters its equations and its output is a weighted "
        "sum of its inputs.")
    f["only_layer"] = "" if L > 1 else (
        r" Here layer 1 is also the output layer: it applies no $\sigma$ (it is **linear**), "
        r"so the prediction is $\hat{\mathbf{y}} = \mathbf{z}^{(1)}$: " + f["prediction"])
    if L > 1:  # the smallest σ' of layer L − 1, the layer just below the output
        ds = p.dsigma[L - 2][0]
        k = int(np.argmin(ds))
        f |= {"k2": str(k + 1), "dsmin": num(ds[k]), "a2k": num(p.A[L - 1][0, k]),
              "pct2": f"{100 * ds[k]:.0f}"}
    # one entry of the output layer's weight gradient: the last output, column 3 at most
    i, j = p.W[L - 1].shape[0], min(3, p.W[L - 1].shape[1])
    dl, al = p.delta[L - 1][0, i - 1], p.A[L - 1][0, j - 1]
    g = f"{_signed(dl)}\\cdot{_signed(al)}"
    sym = rf"\delta^{{({L})}}_{i}\,{f['a_prev']}_{j}"
    if p.reg_rate:  # the penalty's term of that entry (nncore.penalty's own arithmetic)
        pen = penalty_grad(p.W[L - 1], p.regularization, p.reg_rate)[i - 1, j - 1]
        wij = rf"w^{{({L})}}_{{{i}{j}}}"
        ptex = (rf"2\lambda {wij}" if p.regularization == "L2" else
                rf"\lambda \operatorname{{sign}} {wij}")
        sym, g = f"{sym} + {ptex}", f"{g} + {_signed(pen)}"
    f["g_entry"] = (f"entry ({i}, {j}) of $\\partial L/\\partial \\mathbf{{W}}^{{({L})}}$ is "
                    f"${sym} = {g} = {num(p.dW[L - 1][i - 1, j - 1])}$")
    if p.sample_dW is not None:
        mean = np.mean([s[L - 1] for s in p.sample_dW], axis=0)
        f["maxdiff"] = _sci(float(np.max(np.abs(mean - p.dW[L - 1]))))
    after = loss_after(p)
    word = "falls" if after < p.loss else "rises"
    f["loss_change"] = (f"{word} from {plain(p.loss)} to {plain(after)}"
                        + ("" if after < p.loss else
                           ": this step was too large and overshot, so a smaller learning "
                           "rate is needed"))
    return f


def render(step: LessonStep, p: PassData, values: dict[str, str] | None = None) -> str:
    """The step's text with its placeholders filled from the pass (KeyError if unknown).

    A displayed equation ``$$…$$`` may span lines in the source; Markdown only takes it
    as a block when ``$$`` stand on lines of their own, so each becomes one such block."""
    values = values or facts(p)
    text = PLACEHOLDER.sub(lambda m: values[m.group(1)], step.text)
    text = re.sub(r"\n{3,}", "\n\n", text).strip()  # a paragraph that is empty here
    return DISPLAY.sub(lambda m: "$$\n" + " ".join(m.group(1).split()) + "\n$$", text)


def render_try(step: LessonStep, p: PassData, values: dict[str, str] | None = None) -> str:
    """The step's "try this" with its placeholders filled (``values``: facts(p), if the
    caller has them already)."""
    values = values or facts(p)
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], step.try_this)


from .first import FIRST
from .second import SECOND


@cache
def lesson_steps(L: int) -> tuple[LessonStep, ...]:
    """The lesson for a network with ``L`` layers of parameters (3 for 2-3-4-2: 14 steps;
    10 without a hidden layer, 13 with one)."""
    return tuple(t.step(L) for t in FIRST + SECOND if t.when(L))


STEPS: tuple[LessonStep, ...] = lesson_steps(3)  # the derivation's 2-3-4-2, the longest
