"""The guided lesson: the derivation (docs/backprop.md) walked step by step, as pure data.

Each :class:`LessonStep` names the stage of the network picture it shows (a key of
:func:`lab.stages.build_stages`), the form of the pass ("sample": one sample as columns,
"batch": a mini-batch as rows), which of that stage's equations to show (indices into
:func:`lab.equations.stage_equations`, ``None`` for all), its text and an optional
"try this" line pointing at a control of the app.

The texts are Markdown with ``$…$`` / ``$$…$$`` math. They never hard-code a number of the
live network: a number they quote is a ``<<name>>`` placeholder that :func:`render` fills
from :func:`facts` of the step's own pass, so the text always agrees with the picture and
the equations next to it. Nor do they hard-code the hidden activation: what σ and σ' are,
and what they do to the signal, come from :data:`WORDS` for the activation of the pass.
No Streamlit here; the panel is ``lab.panels.lesson``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from inspect import cleandoc

import numpy as np

from nncore import MLP

from .equations import num
from .numbers import plain
from .passdata import PassData

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
        "described: it can only split the plane with a straight line.",
        "for every $z$: the backward pass needs nothing stored to apply it.",
        "every neuron passes the signal back unchanged, scaled by the weights alone.",
        r"factors $\sigma' = 1$: only the weights can make it fade",
        r"the factors $\sigma'$ are still all 1. With the identity, only the weights scale "
        "the signal on its way back.",
        "tanh", "the boundary can bend"),
}


def _p(v: float) -> str:
    """A number with 3 decimals, in parentheses when negative (for products and sums)."""
    s = num(v)
    return f"({s})" if s.startswith("-") else s


def _sci(v: float) -> str:
    """A small number as LaTeX, e.g. $1.1\times 10^{-16}$ (or $0$)."""
    if v == 0:
        return "$0$"
    m, e = f"{v:.1e}".split("e")
    return f"${m}\\times 10^{{{int(e)}}}$"


def _loss_after(p: PassData) -> float:
    """The loss on the pass's rows after its plain SGD step (weights W_new, b_new)."""
    return MLP.from_params(p.W_new, p.b_new, p.activation).loss(p.X, p.Y)


def facts(p: PassData) -> dict[str, str]:
    """Every number (as text) the lesson quotes, computed from the pass ``p``.

    Row 0 of the pass is the lesson's sample in both forms; in the batch form the
    per-sample quantities of row 0 are rebuilt from the batch ones (δ = N · row of Δ).
    """
    L, N = p.L, p.N
    x, y, yhat = p.X[0], p.Y[0], p.A[L][0]
    cls, pred = int(np.argmax(y)), int(np.argmax(yhat))
    d3 = 2 * (yhat - y)  # the sample's own δ⁽³⁾ in both forms
    ds = p.dsigma[L - 2][0]  # σ'(z⁽²⁾) of row 0
    k = int(np.argmin(ds))
    w = WORDS[p.activation]
    f = {
        # the activation in use, its formulas and what they do
        "act": p.activation, "sigma": w.sigma, "dsigma": w.dsigma, "shape": w.shape,
        "stored": w.stored, "backward": w.backward, "fade": w.fade, "train": w.train,
        "sigma_z11": w.call.format(_p(p.Z[0][0, 0])), "other": w.other,
        "other_sigma": WORDS[w.other].sigma, "other_effect": w.other_effect,
        "index": str(int(p.indices[0])), "N": str(N),
        "rows": ", ".join(str(int(i)) for i in p.indices),
        "x1": num(x[0]), "x2": num(x[1]), "y1": f"{y[0]:g}", "y2": f"{y[1]:g}",
        "cls": str(cls + 1), "pred": str(pred + 1),  # class 1 and class 2, as everywhere
        "verdict": "the right class" if pred == cls else "the wrong class",
        "w11": _p(p.W[0][0, 0]), "w12": _p(p.W[0][0, 1]), "b11": _p(p.b[0][0]),
        "px1": _p(x[0]), "px2": _p(x[1]), "z11": num(p.Z[0][0, 0]), "a11": num(p.A[1][0, 0]),
        "yhat1": num(yhat[0]), "yhat2": num(yhat[1]), "pyhat1": _p(yhat[0]),
        "loss": num(p.loss), "d31": num(d3[0]),
        "d31_meaning": ("positive: a larger $\\hat y_1$ would make the loss larger, so "
                        "$\\hat y_1$ should come down" if d3[0] > 0 else
                        "negative: a larger $\\hat y_1$ would make the loss smaller, so "
                        "$\\hat y_1$ should go up" if d3[0] < 0 else
                        "zero: $\\hat y_1$ is already on target"),
        "k2": str(k + 1), "dsmin": num(ds[k]), "a2k": num(p.A[L - 1][0, k]),
        "pct2": f"{100 * ds[k]:.0f}",
        # (plain: these two are quoted in the text, not in math)
        "max_d3": plain(np.max(np.abs(p.delta[L - 1][0]))),
        "max_d1": plain(np.max(np.abs(p.delta[0][0]))),
        "d32": _p(p.delta[L - 1][0, 1]), "a23": _p(p.A[L - 1][0, 2]),
        "g23": num(p.delta[L - 1][0, 1] * p.A[L - 1][0, 2]),
        "two_over_N": num(2 / N), "D31": num(p.delta[L - 1][0, 0]), "pd31": _p(d3[0]),
        "lr": f"{p.lr:g}",
    }
    if p.sample_dW is not None:
        mean = np.mean([s[L - 1] for s in p.sample_dW], axis=0)
        f["maxdiff"] = _sci(float(np.max(np.abs(mean - p.dW[L - 1]))))
    after = _loss_after(p)
    word = "falls" if after < p.loss else "rises"
    f["loss_change"] = (f"{word} from {plain(p.loss)} to {plain(after)}"
                        + ("" if after < p.loss else
                           ": this step was too large and overshot, so a smaller learning "
                           "rate is needed"))
    return f


def render(step: LessonStep, p: PassData) -> str:
    """The step's text with its placeholders filled from the pass (KeyError if unknown).

    A displayed equation ``$$…$$`` may span lines in the source; Markdown only takes it
    as a block when ``$$`` stand on lines of their own, so each becomes one such block."""
    values = facts(p)
    text = PLACEHOLDER.sub(lambda m: values[m.group(1)], step.text)
    return DISPLAY.sub(lambda m: "$$\n" + " ".join(m.group(1).split()) + "\n$$", text)


def render_try(step: LessonStep, p: PassData) -> str:
    values = facts(p)
    return PLACEHOLDER.sub(lambda m: values[m.group(1)], step.try_this)


def _step(title, stage, form, text, equations=None, try_this=""):
    return LessonStep(title, stage, form, cleandoc(text), equations, cleandoc(try_this))



STEPS: tuple[LessonStep, ...] = (
    _step("The network and its notation", "input", "sample", r"""
    The network has four layers, numbered $q = 0, 1, 2, 3$. Layer $q$ has $n_q$ neurons:
    $n_0 = 2$ inputs, $n_1 = 3$ and $n_2 = 4$ hidden neurons, $n_3 = 2$ outputs. Each neuron
    is joined to every neuron of the next layer by an edge with a weight:
    $2\cdot3 + 3\cdot4 + 4\cdot2 = 26$ weights, plus one bias per neuron of layers 1 to 3
    ($3 + 4 + 2 = 9$), 35 parameters in all. Training means adjusting these 35 numbers.

    For each layer $q = 1, 2, 3$ we write:

    - $\mathbf{W}^{(q)} \in \mathbb{R}^{n_q\times n_{q-1}}$, the **weight matrix**. Its entry
      $w^{(q)}_{ij}$ (row $i$, column $j$) is the weight of the edge **from** neuron $j$ of
      layer $q-1$ **to** neuron $i$ of layer $q$, so row $i$ holds everything that flows into
      neuron $i$.
    - $\mathbf{b}^{(q)} \in \mathbb{R}^{n_q}$, the **biases**, one per neuron.
    - $\mathbf{z}^{(q)} \in \mathbb{R}^{n_q}$, what each neuron adds up (the
      **pre-activation**), and $\mathbf{a}^{(q)} \in \mathbb{R}^{n_q}$, what it passes on
      (the **activation**).

    The input $\mathbf{x}$ plays the part of layer 0's activations, $\mathbf{a}^{(0)} =
    \mathbf{x}$. The output $\hat{\mathbf{y}}$ ("y hat") is the network's prediction and
    $\mathbf{y}$ the target it should match. For one sample all of these are **column**
    vectors ($n_q\times 1$). The hidden layers apply a function $\sigma$ to each entry
    separately; here it is **<<act>>**, $\sigma(z) = <<sigma>>$, as chosen under
    **Activation** in the sidebar. $\sigma'$ is its derivative, and $\odot$ multiplies two
    vectors entry by entry.

    The lesson follows training sample <<index>>: look at the numbers below, its input is
    $\mathbf{x} = (<<x1>>, <<x2>>)^\top$ and its target is $\mathbf{y} = (<<y1>>,
    <<y2>>)^\top$: a 1 in the position of its class (class <<cls>>: class 1 is $(1, 0)$,
    orange circles; class 2 is $(0, 1)$, blue squares) and 0 in the other. The picture
    shows $\mathbf{x}$ on the input nodes; the nodes of the
    other layers stay grey until they are computed. The edges are the current weights: blue
    for $w > 0$, orange for $w < 0$, thicker for a larger $|w|$.
    """, try_this=r"""
    Pick another sample in the *Backprop, step by step* tab (the **Sample** button opens
    the plane: type a row or click a point): every number in this lesson follows it.
    """),

    _step("Forward pass, layer 1: one weighted sum per neuron", "z1", "sample", r"""
    Neuron $i$ of layer 1 multiplies each input by the weight of its edge, adds the products
    up and adds its bias:

    $$z^{(1)}_i = \sum_{j=1}^{2} w^{(1)}_{ij}\,x_j + b^{(1)}_i .$$

    The sum over $j$ is row $i$ of $\mathbf{W}^{(1)}$ times the column $\mathbf{x}$, so the
    three neurons together are one matrix product:

    $$\mathbf{z}^{(1)} = \mathbf{W}^{(1)}\mathbf{x} + \mathbf{b}^{(1)}, \qquad
    (3\times2)(2\times1) + (3\times1) = 3\times1 .$$

    Checking shapes like this catches most mistakes: in a product the inner sizes must agree
    (here 2) and the result has the outer ones.

    Look at the numbers below: the first entry of the result is row 1 of the matrix against
    $\mathbf{x}$, plus the first bias,
    $<<w11>>\cdot<<px1>> + <<w12>>\cdot<<px2>> + <<b11>> = <<z11>>$ (redoing it from the
    rounded numbers can miss the last digit). In the picture the edges of $\mathbf{W}^{(1)}$
    are lit and the layer-1 nodes show $\mathbf{z}^{(1)}$.
    """, try_this=r"""
    Hover over an edge of the picture to read its weight, and over a node to read its $z$
    and its bias.
    """),

    _step("Forward pass, layer 1: the activation", "a1", "sample", r"""
    Each neuron then passes its sum through $\sigma$, entry by entry:

    $$\mathbf{a}^{(1)} = \sigma\left(\mathbf{z}^{(1)}\right), \qquad \sigma(z) = <<sigma>> .$$

    Why not pass $\mathbf{z}^{(1)}$ on as it is? Then every layer would compute a matrix
    product plus a constant vector, and so would the whole network, which could then only
    split the plane with a straight line. The bend of $\sigma$ is what lets the network
    learn curved boundaries.

    <<shape>> Look at the numbers below: $z^{(1)}_1 = <<z11>>$ becomes
    $a^{(1)}_1 = <<sigma_z11>> = <<a11>>$. Keep the slope of $\sigma$ in mind for the
    backward pass: $\sigma'(z) = <<dsigma>>$, <<stored>>
    """, try_this=r"""
    Set **Activation** in the sidebar to <<other>> ($\sigma(z) = <<other_sigma>>$):
    <<other_effect>>. Only $\sigma$ and $\sigma'$ change in every equation of this lesson.
    """),

    _step("Forward pass: layer 2 and the output", "yhat", "sample", r"""
    Layer 2 repeats the same two moves with $\mathbf{a}^{(1)}$ as its input:
    $\mathbf{z}^{(2)} = \mathbf{W}^{(2)}\mathbf{a}^{(1)} + \mathbf{b}^{(2)}$, shapes
    $(4\times3)(3\times1) + (4\times1) = 4\times1$, then
    $\mathbf{a}^{(2)} = \sigma(\mathbf{z}^{(2)})$. The output layer makes the same product
    but applies no $\sigma$ (it is **linear**), so the prediction is its pre-activation:

    $$\hat{\mathbf{y}} = \mathbf{z}^{(3)} = \mathbf{W}^{(3)}\mathbf{a}^{(2)} + \mathbf{b}^{(3)},
    \qquad (2\times4)(4\times1) + (2\times1) = 2\times1 .$$

    In one line, the whole forward pass is, for $q = 1, 2, 3$:

    $$\mathbf{z}^{(q)} = \mathbf{W}^{(q)}\mathbf{a}^{(q-1)} + \mathbf{b}^{(q)}, \qquad
    \mathbf{a}^{(q)} = \sigma\left(\mathbf{z}^{(q)}\right)\ (q < 3), \qquad
    \hat{\mathbf{y}} = \mathbf{z}^{(3)} .$$

    Look at the numbers below: for the target $(<<y1>>, <<y2>>)^\top$ the network predicts
    $\hat{\mathbf{y}} = (<<yhat1>>, <<yhat2>>)^\top$. The larger output names the predicted
    class: here class <<pred>>, <<verdict>>. The picture now shows every activation, and the
    edges of $\mathbf{W}^{(3)}$ are lit.
    """, try_this=r"""
    In the **Train** tab press **Step epoch** a few times, then come back: $\hat{\mathbf{y}}$
    is usually much closer to $\mathbf{y}$.
    """),

    _step("The loss, and why there is no ½", "loss", "sample", r"""
    To improve the prediction we need one number that says how wrong it is, the **loss**.
    We use the squared error, summed over the two outputs:

    $$L = \sum_{l=1}^{2}\left(\hat{y}_l - y_l\right)^2 .$$

    It is 0 only when $\hat{\mathbf{y}} = \mathbf{y}$, it grows as either output moves away
    from its target, and it is smooth, so it has a derivative with respect to each of the 35
    parameters. Look at the numbers below: the two squared differences add up to
    $L = <<loss>>$.

    Many textbooks put a factor $\frac12$ in front, so that it cancels the 2 that appears when
    a square is differentiated. We do **not**, so

    $$\frac{\partial L}{\partial \hat{y}_l} = 2\left(\hat{y}_l - y_l\right),$$

    and this factor 2 travels into every gradient that follows. It does not move the minimum
    of the loss; it doubles every gradient, which has the same effect as doubling the
    learning rate. The rest of the lesson computes these derivatives, the **gradient** of
    $L$, because it says in which direction to change each parameter.
    """),

    _step("The output error signal δ⁽³⁾", "delta3", "sample", r"""
    Backpropagation first computes, layer by layer from the top, the derivative of the loss
    with respect to the layer's pre-activations,

    $$\boldsymbol{\delta}^{(q)} = \frac{\partial L}{\partial \mathbf{z}^{(q)}} \in
    \mathbb{R}^{n_q},$$

    the **error signal** of layer $q$: entry $i$ says how fast $L$ changes when $z^{(q)}_i$
    changes. Every parameter's gradient will follow from it in one line.

    At the top this is easy. The output is linear, $\hat{\mathbf{y}} = \mathbf{z}^{(3)}$, so
    $\boldsymbol{\delta}^{(3)}$ is the derivative of the loss from the previous step:

    $$\boldsymbol{\delta}^{(3)} = 2\left(\hat{\mathbf{y}} - \mathbf{y}\right) .$$

    Its signs say which way each output should move. Look at the numbers below:
    $\delta^{(3)}_1 = 2(<<pyhat1>> - <<y1>>) = <<d31>>$ is <<d31_meaning>>. The picture
    shows $\boldsymbol{\delta}^{(3)}$ on the output nodes.
    """),

    _step("Backward to layer 2: through Wᵀ and σ′", "delta2", "sample", r"""
    How does $L$ depend on $z^{(2)}_m$? Follow the paths upward. $z^{(2)}_m$ only enters
    $a^{(2)}_m = \sigma(z^{(2)}_m)$, with local derivative $\sigma'(z^{(2)}_m)$, and
    $a^{(2)}_m$ reaches **every** output $z^{(3)}_l$ through the weight $w^{(3)}_{lm}$, with
    local derivative $w^{(3)}_{lm}$. The chain rule multiplies the local derivatives along
    each path and adds over the paths, here over the outputs $l$; the part above
    $z^{(3)}_l$ is $\delta^{(3)}_l$:

    $$\delta^{(2)}_m = \sum_{l=1}^{2} \delta^{(3)}_l\, w^{(3)}_{lm}\, \sigma'\left(z^{(2)}_m\right)
    = \sigma'\left(z^{(2)}_m\right)\sum_{l=1}^{2} w^{(3)}_{lm}\,\delta^{(3)}_l$$

    ($\sigma'(z^{(2)}_m)$ does not depend on $l$, so it comes out of the sum). That sum runs
    down **column** $m$ of $\mathbf{W}^{(3)}$, which is row $m$ of its transpose, so for all
    four neurons at once

    $$\boldsymbol{\delta}^{(2)} = \sigma'\left(\mathbf{z}^{(2)}\right) \odot
    \left(\left(\mathbf{W}^{(3)}\right)^\top\boldsymbol{\delta}^{(3)}\right), \qquad
    (4\times2)(2\times1) = 4\times1 .$$

    The transpose sends the signal back along the edges that carried the activations
    forward: $\mathbf{W}^{(3)}$ mapped 4 numbers to 2, $(\mathbf{W}^{(3)})^\top$ maps 2 back
    to 4. Here $\sigma'(z) = <<dsigma>>$: <<backward>> Look at the numbers below: in the
    first vector, neuron <<k2>>
    of layer 2 has the smallest factor, $\sigma'(z^{(2)}_{<<k2>>}) = <<dsmin>>$ (its $a = <<a2k>>$), so it
    passes on <<pct2>> % of the signal that reaches it.
    """, try_this=r"""
    Train for a while in the **Train** tab and come back: <<train>>
    """),

    _step("Backward to layer 1: the same rule again", "delta1", "sample", r"""
    One layer further down nothing new happens. $z^{(1)}_m$ affects the loss only through
    $a^{(1)}_m$, which feeds every $z^{(2)}_k$ through the weight $w^{(2)}_{km}$, and
    everything above $z^{(2)}_k$ is already summed up in $\delta^{(2)}_k$. So

    $$\boldsymbol{\delta}^{(1)} = \sigma'\left(\mathbf{z}^{(1)}\right) \odot
    \left(\left(\mathbf{W}^{(2)}\right)^\top\boldsymbol{\delta}^{(2)}\right), \qquad
    (3\times4)(4\times1) = 3\times1 .$$

    This reuse is the whole point of backpropagation. Written without the $\delta$'s,
    $\partial L/\partial z^{(1)}_m$ is a double sum over every path through layers 2 and 3;
    instead we computed $\boldsymbol{\delta}^{(2)}$ once and use it for all of layer 1. The
    general rule, for every layer below the output, is

    $$\boldsymbol{\delta}^{(q)} = \sigma'\left(\mathbf{z}^{(q)}\right) \odot
    \left(\left(\mathbf{W}^{(q+1)}\right)^\top\boldsymbol{\delta}^{(q+1)}\right);$$

    the output layer has no $\sigma'$ factor because it applies no $\sigma$. In the picture
    the edges of $\mathbf{W}^{(2)}$ are lit: they now carry $\boldsymbol{\delta}^{(2)}$ down.
    Look at the numbers below: the largest entry of $\boldsymbol{\delta}^{(1)}$ in size is
    <<max_d1>>, against <<max_d3>> at the output. Each layer multiplies the signal by
    weights and by <<fade>>.
    """),

    _step("Gradients from δ and the activations", "grads", "sample", r"""
    Now each parameter's gradient takes one line. A bias $b^{(q)}_i$ enters only
    $z^{(q)}_i$, with coefficient 1, so $\partial L/\partial b^{(q)}_i = \delta^{(q)}_i$. A
    weight $w^{(q)}_{ij}$ enters only $z^{(q)}_i$, multiplied by $a^{(q-1)}_j$, so
    $\partial L/\partial w^{(q)}_{ij} = \delta^{(q)}_i\,a^{(q-1)}_j$: the error signal at the
    neuron the edge points **to**, times the activation at the neuron it comes **from**. The
    matrix with entries $\delta_i a_j$ is the outer product of the two vectors:

    $$\frac{\partial L}{\partial \mathbf{W}^{(q)}} =
    \boldsymbol{\delta}^{(q)}\left(\mathbf{a}^{(q-1)}\right)^\top, \qquad
    \frac{\partial L}{\partial \mathbf{b}^{(q)}} = \boldsymbol{\delta}^{(q)},$$

    shapes $(n_q\times1)(1\times n_{q-1}) = n_q\times n_{q-1}$, the shape of
    $\mathbf{W}^{(q)}$, as it must be: one partial derivative per weight. For layer 1,
    $\mathbf{a}^{(0)} = \mathbf{x}$.

    Look at the numbers below: entry (2, 3) of $\partial L/\partial \mathbf{W}^{(3)}$ is
    $\delta^{(3)}_2\,a^{(2)}_3 = <<d32>>\cdot<<a23>> = <<g23>>$. An activation near 0 makes
    the gradients of its outgoing edges small however large the error: those edges hardly
    influenced this sample's loss. The picture's edges now show $\partial L/\partial w$.
    """, try_this=r"""
    Hover over an edge to read $w$ and $\partial L/\partial w$. The **Gradient check** tab
    compares all 35 of these derivatives with finite differences.
    """),

    _step("Many samples at once: the row form", "z1", "batch", r"""
    Training does not use one sample at a time but a **mini-batch** of $N$ samples, and
    stores each sample as a **row**: $\mathbf{X} \in \mathbb{R}^{N\times 2}$ has
    $\mathbf{x}_n^\top$ as its row $n$, and likewise
    $\mathbf{Z}^{(q)}, \mathbf{A}^{(q)} \in \mathbb{R}^{N\times n_q}$ with
    $\mathbf{A}^{(0)} = \mathbf{X}$; the targets and predictions are the rows of
    $\mathbf{Y}, \hat{\mathbf{Y}} \in \mathbb{R}^{N\times 2}$. Here $N = <<N>>$: the
    training rows <<rows>>, starting with the lesson's sample.

    Transposing $\mathbf{z} = \mathbf{W}\mathbf{a} + \mathbf{b}$ gives the row version
    $\mathbf{z}^\top = \mathbf{a}^\top\mathbf{W}^\top + \mathbf{b}^\top$, and stacking the
    $N$ rows gives

    $$\mathbf{Z}^{(q)} = \mathbf{A}^{(q-1)}\left(\mathbf{W}^{(q)}\right)^\top \oplus
    \left(\mathbf{b}^{(q)}\right)^\top, \qquad (N\times n_{q-1})(n_{q-1}\times n_q) =
    N\times n_q,$$

    where $\oplus$ adds the row $(\mathbf{b}^{(q)})^\top$ to **every** row (numpy calls this
    broadcasting). The weights are the same matrix, transposed and now multiplying from the
    right. Look at the numbers below: the first row of $\mathbf{Z}^{(1)}$ is the
    $\mathbf{z}^{(1)}$ of the one-sample steps, lying down. The picture cannot show
    $N$ values per node: it shows their mean over the batch.
    """, try_this=r"""
    In the *Backprop, step by step* tab choose the form **batch** and, under the **Batch**
    button, set **Mini-batch size N** to see every stage in this form.
    """),

    _step("Where the 2/N comes from", "delta3", "batch", r"""
    With $N$ samples, the loss is the **mean** of the per-sample losses $\ell_n$, each the
    squared error of one row as in the loss step:

    $$L = \frac1N\sum_{n=1}^{N}\ell_n = \frac1N\sum_{n=1}^{N}\sum_{l=1}^{2}
    \left(\hat{Y}_{nl} - Y_{nl}\right)^2 .$$

    The mean rather than the sum, so that the size of the loss and of its gradient does not
    depend on $N$. The error signal becomes a matrix of the same shape as $\mathbf{Z}^{(q)}$,
    $\boldsymbol{\Delta}^{(q)} = \partial L/\partial \mathbf{Z}^{(q)} \in
    \mathbb{R}^{N\times n_q}$. Entry $(n, l)$ of $\hat{\mathbf{Y}}$ appears only in the term
    $\ell_n$, which carries the factor $\frac1N$, and differentiating its square gives the 2:

    $$\boldsymbol{\Delta}^{(3)} = \frac{2}{N}\left(\hat{\mathbf{Y}} - \mathbf{Y}\right) .$$

    The 2 is the square's (no $\frac12$, as before), the $\frac1N$ is the mean's. So row $n$
    of $\boldsymbol{\Delta}^{(3)}$ is $\frac1N$ times sample $n$'s own
    $\boldsymbol{\delta}^{(3)}$, lying down. Look at the numbers below: $N = <<N>>$, so every
    entry is $\frac2N = <<two_over_N>>$ times a difference; the first entry is
    $<<pd31>>/<<N>> = <<D31>>$, where $<<d31>>$ is $\delta^{(3)}_1$ of the one-sample steps.

    Going down, transpose the per-sample rule, using
    $(\mathbf{W}^\top\boldsymbol{\delta})^\top = \boldsymbol{\delta}^\top\mathbf{W}$:

    $$\boldsymbol{\Delta}^{(q)} = \left(\boldsymbol{\Delta}^{(q+1)}\mathbf{W}^{(q+1)}\right)
    \odot\sigma'\left(\mathbf{Z}^{(q)}\right), \qquad (N\times n_{q+1})(n_{q+1}\times n_q) =
    N\times n_q .$$

    $\mathbf{W}$, not $\mathbf{W}^\top$: the error signals are rows now, and a row is
    multiplied from the right. It is the same matrix on the same edges. Each step down is
    linear in $\boldsymbol{\Delta}$, so the $\frac1N$ that entered at the output is carried
    into every layer.
    """),

    _step("The batch gradient is the mean of the samples' gradients", "grads", "batch", r"""
    The gradients follow from $\boldsymbol{\Delta}$ as before, turned into the row form:

    $$\frac{\partial L}{\partial \mathbf{W}^{(q)}} =
    \left(\boldsymbol{\Delta}^{(q)}\right)^\top\mathbf{A}^{(q-1)}, \qquad
    \frac{\partial L}{\partial \mathbf{b}^{(q)}} = \mathbf{1}_N^\top\boldsymbol{\Delta}^{(q)},$$

    shapes $(n_q\times N)(N\times n_{q-1}) = n_q\times n_{q-1}$ and
    $(1\times N)(N\times n_q) = 1\times n_q$. $\mathbf{1}_N$ is a column of $N$ ones, so
    $\mathbf{1}_N^\top$ adds up the rows, and the bias gradient comes out as a row.

    Why is this right? A product $\mathbf{P}^\top\mathbf{Q}$ is the sum over $n$ of the
    outer products of row $n$ of $\mathbf{P}$ with row $n$ of $\mathbf{Q}$, and row $n$ of
    $\boldsymbol{\Delta}^{(q)}$ is $\frac1N(\boldsymbol{\delta}^{(q)}_n)^\top$. So

    $$\left(\boldsymbol{\Delta}^{(q)}\right)^\top\mathbf{A}^{(q-1)} =
    \frac1N\sum_{n=1}^{N}\boldsymbol{\delta}^{(q)}_n\left(\mathbf{a}^{(q-1)}_n\right)^\top =
    \frac1N\sum_{n=1}^{N}\frac{\partial \ell_n}{\partial \mathbf{W}^{(q)}},$$

    the mean of the per-sample gradients, which is exactly what the derivative of a mean must
    be. Look at the numbers below, for the output layer: the batch formulas, then the same
    matrix as the mean of the <<N>> per-sample gradients. They differ by at most
    <<maxdiff>>, the rounding of floating-point arithmetic.
    """, equations=(4, 5, 6)),

    _step("One step of gradient descent", "update", "batch", r"""
    The gradient $\nabla L$, all 35 partial derivatives together, points in the direction in
    which the loss grows fastest. To make the loss smaller, step the other way, by a small
    multiple $\gamma > 0$ called the **learning rate**. One step of **stochastic gradient
    descent** (SGD) changes every parameter $\theta$ to

    $$\theta \leftarrow \theta - \gamma\,\frac{\partial L}{\partial \theta}, \qquad
    \text{for example}\qquad
    \mathbf{W}^{(3)} \leftarrow \mathbf{W}^{(3)} - \gamma\,\frac{\partial L}{\partial
    \mathbf{W}^{(3)}} .$$

    All gradients are computed at the current parameters first; only then does any parameter
    change (updating $\mathbf{W}^{(3)}$ before computing $\boldsymbol{\delta}^{(2)}$, which
    uses it, would mix two different networks). "Stochastic" because each step uses another
    small random batch, a noisy estimate of the gradient over the whole training set.

    Here $\gamma = <<lr>>$. Look at the numbers below, for the output layer (the other layers
    change the same way): the old matrix minus $\gamma$ times the gradient gives the new
    one. On these <<N>> samples the loss <<loss_change>>.
    """, equations=(4, 5), try_this=r"""
    Set **Learning rate γ** in the sidebar to 1 or 3 and read the loss after the step again:
    a step that is too large overshoots, and the loss goes up instead of down.
    """),

    _step("Training: many steps, with momentum", "update", "batch", r"""
    Training repeats this step on batch after batch. One pass over the whole training set
    is an **epoch**, and the samples are shuffled before each. The **Train** tab does this
    with one refinement, **momentum**: each parameter has a **velocity** $\mathbf{v}$,
    starting at zero, and every step does

    $$\mathbf{v} \leftarrow \mu\,\mathbf{v} + \nabla L, \qquad
    \boldsymbol{\theta} \leftarrow \boldsymbol{\theta} - \gamma\,\mathbf{v} .$$

    $\mathbf{v}$ is a running sum of the past gradients in which a gradient's weight shrinks
    by the factor $\mu$ with every later step. Where the gradients keep pointing the same way, the steps build up
    speed, up to $\frac{1}{1-\mu}$ times a plain step (10 times for the app's default
    $\mu = 0.9$); where they keep flipping sign, they cancel out. With $\mu = 0$ it is the
    plain SGD step. Look at the numbers below: on the very first step
    $\mathbf{v} = \nabla L$, so the update is the plain one shown here; on later steps,
    $\mathbf{v}$ takes the place of the gradient in this equation.

    That is the whole algorithm: forward pass, loss, error signals from the top down,
    gradients, update, repeated. The **Derivation** tab has all of it on one page.
    """, equations=(4,), try_this=r"""
    Press **Play** in the **Train** tab and watch the loss fall; then set **Momentum μ** in
    the sidebar to 0, press **Reset weights** and train again to compare.
    """),
)

LESSON = STEPS  # the name lab.panels.link counts the steps by (for ?lesson=1 … n)
