"""What the lesson says that depends on the network's shape, inputs, task and penalty:
the words and formulas :func:`lab.lesson.facts` merges with the pass's numbers (2-3-4-2's
by default). Pure: no Streamlit."""

from __future__ import annotations

import itertools

from nncore.features import LATEX

from ..equations import num
from ..passdata import PassData

_WORDS = ("no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine")


def _count(n: int, noun: str) -> str:
    """"three neurons", "one neuron" (a word up to nine)."""
    return f"{_WORDS[n] if n < len(_WORDS) else n} {noun}{'' if n == 1 else 's'}"


def vec(values, fmt=None) -> str:
    """A column of numbers inline: (a, b)ᵀ, or (a) for one."""
    fmt = fmt or num
    return "(" + ", ".join(fmt(v) for v in values) + (r")^\top" if len(values) > 1 else ")")


def fed_features(p: PassData) -> bool:
    """Whether the network's inputs are features other than the point (x₁, x₂) itself."""
    return tuple(p.inputs or ("x1", "x2")) != ("x1", "x2")


def _shape(rows: int, inner: int) -> str:
    """The shapes of W a + b: (r×i)(i×1) + (r×1) = r×1."""
    return rf"({rows}\times{inner})({inner}\times1) + ({rows}\times1) = {rows}\times1"


def network_facts(p: PassData) -> dict[str, str]:
    """What the lesson says about the network's shape, inputs, task and penalty: the
    words and formulas that change with the sidebar's network (2-3-4-2's by default)."""
    L, n = p.L, [p.W[0].shape[1]] + [w.shape[0] for w in p.W]
    H, hidden = L - 1, n[1:-1]
    regression = n[L] == 1
    feats = p.inputs or ("x1", "x2")
    if not hidden:
        hidden_text = " (no hidden layer)"
    else:
        names = [f"$n_{q} = {k}$" for q, k in enumerate(hidden, 1)]
        joined = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
        hidden_text = f", {joined} hidden neuron{'s' if sum(hidden) > 1 else ''}"
    sizes_text = (f"$n_0 = {n[0]}$ input{'s' if n[0] > 1 else ''}{hidden_text}, "
                  f"$n_{L} = {n[L]}$ output{'s' if n[L] > 1 else ''}")
    weights = [a * b for a, b in itertools.pairwise(n)]
    q_all = ", ".join(map(str, range(L + 1))) if L <= 4 else rf"0, 1, \dots, {L}"
    q_par = ", ".join(map(str, range(1, L + 1))) if L <= 4 else rf"1, 2, \dots, {L}"
    feature_tex = ", ".join(LATEX[f] for f in feats)
    if not fed_features(p):
        linear = ("which could then only fit a tilted plane to the targets" if regression
                  else "which could then only split the plane with a straight line")
        bend = ("The bend of $\\sigma$ is what lets the network learn curved "
                + ("surfaces." if regression else "boundaries."))
    else:
        linear = (f"which would then be only a weighted sum of its inputs ${feature_tex}$ "
                  "plus a constant")
        bend = ("The bend of $\\sigma$ is what lets the network build more from these inputs "
                "than one such sum.")
    f = {
        "L": str(L), "H": str(H), "n0": str(n[0]), "nL": str(n[L]), "nH": str(n[H]),
        "n_layers": _WORDS[L + 1], "q_all": q_all, "q_par": q_par,
        "sizes_text": sizes_text,
        "weights_sum": " + ".join(rf"{a}\cdot{b}" for a, b in itertools.pairwise(n))
        + (f" = {sum(weights)}" if L > 1 else ""),
        "biases_sum": " + ".join(map(str, n[1:])) + (f" = {sum(n[1:])}" if L > 1 else ""),
        "bias_layers": f"layers 1 to {L}" if L > 1 else "layer 1",
        "n_params": str(sum(weights) + sum(n[1:])),
        "shape1": _shape(n[1], n[0]), "shape2": _shape(n[2], n[1]) if L >= 2 else "",
        "shapeL": _shape(n[L], n[H]),
        "why_linear": linear + ". " + bend,
        "outputs": "outputs" if n[L] > 1 else "outputs (here the one output)",
        "either": "either output" if n[L] > 1 else "the output",
        "all_H": f"all {_count(n[H], 'neuron')}" if n[H] > 1 else "its one neuron",
        "H_numbers": f"{n[H]} number{'s' if n[H] > 1 else ''}",
        "back_shape": rf"({n[H]}\times{n[L]})({n[L]}\times1) = {n[H]}\times1",
        "back1_shape": rf"({n[1]}\times{n[2]})({n[2]}\times1) = {n[1]}\times1" if L >= 3 else "",
        "every_output": (rf"**every** output $z^{{({L})}}_l$" if n[L] > 1 else
                         rf"the output $z^{{({L})}}_1$ (here the only one)"),
        "paths": {3: "a double sum over every path through layers 2 and 3",
                  4: "a triple sum over every path through layers 2 to 4"}.get(
                      L, f"a {L - 1}-fold sum over every path through layers 2 to {L}"),
        "a_prev": rf"a^{{({H})}}" if H else "x",
        "mix": (rf"updating $\mathbf{{W}}^{{({L})}}$ before computing "
                rf"$\boldsymbol{{\delta}}^{{({H})}}$, which uses it, would mix two different "
                "networks" if L > 1 else
                "changing one before computing another would mix two different networks"),
        "others_same": " (the other layers change the same way)" if L > 1 else "",
    }
    f["middle"] = ""
    if L >= 3:
        f["middle"] = (r"Layer 2 repeats the same two moves with $\mathbf{a}^{(1)}$ as its input: "
                       r"$\mathbf{z}^{(2)} = \mathbf{W}^{(2)}\mathbf{a}^{(1)} + \mathbf{b}^{(2)}$, "
                       rf"shapes ${f['shape2']}$, then "
                       r"$\mathbf{a}^{(2)} = \sigma(\mathbf{z}^{(2)})$. ")
        if L >= 4:
            f["middle"] += ("Layer 3 does the same with the activations of layer 2. " if H == 3
                            else f"Layers 3 to {H} do the same, each with the activations of "
                            "the layer below as its input. ")
    f["further"] = ("One layer further down nothing new happens." if L <= 3 else
                    "Further down nothing new happens: each of layers "
                    f"{'2 and 1' if H == 3 else f'{H - 1} to 1'} gets its "
                    "error signal from the layer above it as layer "
                    f"{H} got its own (the picture's stages show each in turn). For layer 1:")
    f["down_rows"] = "" if L == 1 else (
        r"Going down, transpose the per-sample rule, using "
        r"$(\mathbf{W}^\top\boldsymbol{\delta})^\top = \boldsymbol{\delta}^\top\mathbf{W}$:"
        "\n\n"
        r"$$\boldsymbol{\Delta}^{(q)} = \left(\boldsymbol{\Delta}^{(q+1)}\mathbf{W}^{(q+1)}\right)"
        r"\odot\sigma'\left(\mathbf{Z}^{(q)}\right), \qquad (N\times n_{q+1})(n_{q+1}\times n_q) ="
        r" N\times n_q .$$"
        "\n\n"
        r"$\mathbf{W}$, not $\mathbf{W}^\top$: the error signals are rows now, and a row is "
        "multiplied from the right. It is the same matrix on the same edges. Each step down is "
        r"linear in $\boldsymbol{\Delta}$, so the $\frac1N$ that entered at the output is "
        "carried into every layer.")
    return f


def penalty_facts(p: PassData) -> dict[str, str]:
    """The penalty's sentences (empty without one): the loss's extra term and the weight
    gradients' extra term, with the pass's numbers."""
    if not p.reg_rate:
        return {"penalty_loss": "", "penalty_grad": ""}
    kind, lam = p.regularization, num(p.reg_rate)
    R = r"\sum w^2" if kind == "L2" else r"\sum |w|"
    term = r"2\lambda w" if kind == "L2" else r"\lambda \operatorname{sign} w"
    loss = (f"The sidebar adds an **{kind} penalty** with $\\lambda = {lam}$, so training "
            f"minimizes $L = L_{{\\mathrm{{data}}}} + \\lambda R$ with $R = {R}$ over every "
            "weight (the biases are not penalized: they only shift a neuron's sum, they do "
            "not make the network more complicated). The squared error above is "
            f"$L_{{\\mathrm{{data}}}}$; here $\\lambda R = {num(p.penalty)}$ and "
            f"$L = {num(p.loss)}$. The penalty does not depend on any $z$, so the error "
            "signals $\\delta$ below are those of $L_{\\mathrm{data}}$; it adds one term to "
            "each weight's gradient, at the gradients step.")
    grad = (f"With the {kind} penalty each weight's gradient gains the penalty's own "
            f"derivative, ${term}$ (the equations below write it with the matrix"
            + ("" if kind == "L2" else r"; at $w = 0$, where $|w|$ has a kink, "
               r"$\operatorname{sign} 0 = 0$") + "); the bias gradients do not change.")
    return {"penalty_loss": loss, "penalty_grad": grad}
