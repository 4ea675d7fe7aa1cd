"""The stages of one pass: every equation of the derivation, in the order it is computed.

For the 2-3-4-2 net: input → z⁽¹⁾ → a⁽¹⁾ → z⁽²⁾ → a⁽²⁾ → ŷ → loss L → δ⁽³⁾ → δ⁽²⁾ →
δ⁽¹⁾ → ∂L/∂W, ∂L/∂b → update θ ← θ − γ∇L (12 stages). Other sizes get the same
pattern. A stage says which layer it computes, which W^(q)'s edges carry the
signal (forward: the edges feeding the layer; backward: the edges of W^(q+1)
that carry δ^(q+1) back), and what each layer's nodes show.
"""

from __future__ import annotations

from dataclasses import dataclass

SUP = str.maketrans("0123456789()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾")
SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def sup(q: int) -> str:
    return f"({q})".translate(SUP)


@dataclass(frozen=True)
class Stage:
    """key: stable id ("z1", "delta2", …); title: plain-text heading; phase:
    "forward" | "loss" | "backward" | "gradients" | "update"; q: the layer computed
    (seed numbering); lit: the W^(q) whose edges are lit (0: none, -1: all);
    shows: per layer 0 … L the quantity on its nodes ("a", "z", "delta" or "");
    form: "sample" or "batch", the notation of the title and label."""

    key: str
    title: str
    phase: str
    q: int
    lit: int
    shows: tuple[str, ...]
    form: str = "sample"

    @property
    def formula(self) -> str:
        """The title without its "Forward:"-style prefix, for tight spaces."""
        return self.title.split(": ", 1)[-1]

    @property
    def label(self) -> str:
        """A short name for sliders: z⁽¹⁾, δ⁽²⁾, ŷ, L, ∇, update."""
        B = self.form == "batch"
        if self.key[0] in "za" and self.key[1:].isdigit():
            name = self.key[0].upper() if B else self.key[0]
            return f"{name}{sup(int(self.key[1:]))}"
        if self.key.startswith("delta"):
            return f"{'Δ' if B else 'δ'}{sup(int(self.key[5:]))}"
        return {"input": "X" if B else "x", "yhat": "Ŷ" if B else "ŷ", "loss": "L",
                "grads": "∇L"}.get(self.key, self.key)


def a_name(q: int, batch: bool = False) -> str:
    """a^(q) in plain text; a^(0) is the input x (capitals for a mini-batch: A, X)."""
    if batch:
        return "X" if q == 0 else f"A{sup(q)}"
    return "x" if q == 0 else f"a{sup(q)}"


def build_stages(L: int, form: str = "sample") -> list[Stage]:
    """The stage list for a network with L parameter layers (L = 3 for 2-3-4-2).

    form "sample" titles the stages in the per-sample column notation (x, z, a, δ);
    "batch" in the mini-batch row notation (X, Z, A, Δ, Ŷ with the 2/N). Keys, layers
    and what the picture shows are the same in both forms.
    """
    if form not in ("sample", "batch"):
        raise ValueError(f"form must be 'sample' or 'batch', got {form!r}")
    B = form == "batch"
    z, a, d = ("Z", "A", "Δ") if B else ("z", "a", "δ")
    yh, y = ("Ŷ", "Y") if B else ("ŷ", "y")
    none_yet = [""] * (L + 1)
    entry = "Input: the mini-batch X enters (one row per sample)" if B else \
        "Input: the sample x enters"
    stages = [Stage("input", entry, "forward", 0, 0, tuple(["a"] + none_yet[1:]), form)]

    def affine(q: int) -> str:
        if B:
            return f"{a_name(q - 1, B)} W{sup(q)}ᵀ ⊕ b{sup(q)}ᵀ"
        return f"W{sup(q)} {a_name(q - 1)} + b{sup(q)}"

    for q in range(1, L):
        before = ["a"] * q
        after = [""] * (L - q)
        stages.append(Stage(f"z{q}", f"Forward: {z}{sup(q)} = {affine(q)}", "forward", q, q,
                            tuple(before + ["z"] + after), form))
        stages.append(Stage(f"a{q}", f"Forward: {a}{sup(q)} = σ({z}{sup(q)})", "forward", q, 0,
                            tuple(before + ["a"] + after), form))
    all_a = tuple(["a"] * (L + 1))
    stages.append(Stage("yhat", f"Forward: {yh} = {affine(L)} (linear)", "forward", L, L,
                        all_a, form))
    loss = ("Loss: L = (1/N) Σ (Ŷ − Y)², the mean over the batch of each row's squared error"
            if B else "Loss: L = Σ (ŷ − y)², summed over the outputs")
    stages.append(Stage("loss", loss, "loss", L, 0, all_a, form))
    for q in range(L, 0, -1):
        shows = tuple(["a"] * q + ["delta"] * (L + 1 - q))
        if q == L:
            first = f"(2/N)({yh} − {y})" if B else f"2({yh} − {y})"
            title = f"Backward: {d}{sup(L)} = {first}, the output error signal"
            lit = 0
        elif B:
            title = f"Backward: Δ{sup(q)} = (Δ{sup(q + 1)} W{sup(q + 1)}) ⊙ σ'(Z{sup(q)})"
            lit = q + 1
        else:
            title = f"Backward: δ{sup(q)} = σ'(z{sup(q)}) ⊙ (W{sup(q + 1)}ᵀ δ{sup(q + 1)})"
            lit = q + 1
        stages.append(Stage(f"delta{q}", title, "backward", q, lit, shows, form))
    all_delta = tuple(["a"] + ["delta"] * L)
    grads = ("Gradients: ∂L/∂W = Δᵀ A and ∂L/∂b = 1ᵀ Δ, every layer" if B
             else "Gradients: ∂L/∂W = δ aᵀ and ∂L/∂b = δ, every layer")
    stages.append(Stage("grads", grads, "gradients", 0, -1, all_delta, form))
    stages.append(Stage("update", "Update: θ ← θ − γ ∇L (edges show the new weights)",
                        "update", 0, -1, all_delta, form))
    return stages
