"""The stages of one pass: every equation of the seed, in the order it is computed.

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
    shows: per layer 0 … L the quantity on its nodes ("a", "z", "delta" or "")."""

    key: str
    title: str
    phase: str
    q: int
    lit: int
    shows: tuple[str, ...]

    @property
    def formula(self) -> str:
        """The title without its "Forward:"-style prefix, for tight spaces."""
        return self.title.split(": ", 1)[-1]

    @property
    def label(self) -> str:
        """A short name for sliders: z⁽¹⁾, δ⁽²⁾, ŷ, L, ∇, update."""
        if self.key[0] in "za" and self.key[1:].isdigit():
            return f"{self.key[0]}{sup(int(self.key[1:]))}"
        if self.key.startswith("delta"):
            return f"δ{sup(int(self.key[5:]))}"
        return {"input": "x", "yhat": "ŷ", "loss": "L", "grads": "∇L"}.get(self.key, self.key)


def a_name(q: int) -> str:
    """a^(q) in plain text; a^(0) is the input x."""
    return "x" if q == 0 else f"a{sup(q)}"


def build_stages(L: int) -> list[Stage]:
    """The stage list for a network with L parameter layers (L = 3 for 2-3-4-2)."""
    none_yet = [""] * (L + 1)
    stages = [Stage("input", "Input: the sample x enters", "forward", 0, 0,
                    tuple(["a"] + none_yet[1:]))]
    for q in range(1, L):
        before = ["a"] * q
        after = [""] * (L - q)
        stages.append(Stage(f"z{q}", f"Forward: z{sup(q)} = W{sup(q)} {a_name(q - 1)} + b{sup(q)}",
                            "forward", q, q, tuple(before + ["z"] + after)))
        stages.append(Stage(f"a{q}", f"Forward: a{sup(q)} = σ(z{sup(q)})", "forward", q, 0,
                            tuple(before + ["a"] + after)))
    all_a = tuple(["a"] * (L + 1))
    stages.append(Stage("yhat", f"Forward: ŷ = W{sup(L)} {a_name(L - 1)} + b{sup(L)} (linear)",
                        "forward", L, L, all_a))
    stages.append(Stage("loss", "Loss: L = Σ (ŷ − y)², mean over the batch", "loss", L, 0,
                        all_a))
    for q in range(L, 0, -1):
        shows = tuple(["a"] * q + ["delta"] * (L + 1 - q))
        if q == L:
            title = f"Backward: δ{sup(L)} = 2(ŷ − y), the output error signal"
            lit = 0
        else:
            title = f"Backward: δ{sup(q)} = σ'(z{sup(q)}) ⊙ (W{sup(q + 1)}ᵀ δ{sup(q + 1)})"
            lit = q + 1
        stages.append(Stage(f"delta{q}", title, "backward", q, lit, shows))
    all_delta = tuple(["a"] + ["delta"] * L)
    stages.append(Stage("grads", "Gradients: ∂L/∂W = δ aᵀ and ∂L/∂b = δ, every layer",
                        "gradients", 0, -1, all_delta))
    stages.append(Stage("update", "Update: θ ← θ − γ ∇L (edges show the new weights)",
                        "update", 0, -1, all_delta))
    return stages
