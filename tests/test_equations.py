"""lab.equations: every stage's numbers are exactly the operands and result its equation claims.

For each of the 12 stages, in both forms, the expected operands are computed directly with
nncore (not through the pass being rendered), formatted with the module's own ``mat`` / ``num``
(3 decimals), and looked up in the numeric LaTeX. The assertions are about content and order
(which matrices appear, left to right, and which one is the result), never about layout: line
breaks, ``aligned`` environments, sizes and headings may change freely.

The spec is docs/backprop.md: per sample z = W a + b, δ^(q) = σ'(z^(q)) ⊙ (W^(q+1)ᵀ δ^(q+1));
per batch Z = A Wᵀ ⊕ bᵀ, Δ^(q) = (Δ^(q+1) W^(q+1)) ⊙ σ'(Z^(q)) (W, not Wᵀ: rows multiply
from the right), ∂L/∂W = Δᵀ A, ∂L/∂b = 1ᵀ Δ, L = (1/N) Σ (Ŷ − Y)²; update W ← W − γ ∂L/∂W.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pytest

from lab.equations import Equation, mat, num, stage_equations
from lab.passdata import compute_pass
from lab.stages import build_stages
from nncore import MLP, datasets

LR = 0.5
NETS = [("tanh", 3), ("sigmoid", 5)]
SAMPLE = 1            # xor row whose loss under the seed-3 net is ~2.5: nothing is tiny
BATCH = [1, 4, 8, 9, 0, 13]


# ---------------------------------------------------------------- expected values, via nncore
@dataclass
class Expected:
    """Every quantity of one pass in the row layout ((N, n_q) arrays), computed with nncore."""

    form: str
    N: int
    X: np.ndarray
    Y: np.ndarray
    Z: list
    A: list
    D: list          # δ^(q) rows (sample) or Δ^(q) (batch)
    dsigma: list
    loss: float
    dW: list
    db: list
    W: list
    b: list
    W_new: list
    b_new: list
    sample_dW: list  # per-sample ∂ℓ_n/∂W^(L) (batch)


def _expected(net: MLP, X, Y, idx, form: str) -> Expected:
    Xb, Yb = X[idx], Y[idx]
    if form == "sample":
        f = net.forward_sample(Xb[0])
        g = net.backward_sample(f, Yb[0])
        Z, A, D = [z.T for z in f.z], [a.T for a in f.a], [d.T for d in g.delta]
        dW, db, loss = g.dW, [d[:, 0] for d in g.db], g.loss
    else:
        f = net.forward(Xb)
        g = net.backward(f, Yb)
        Z, A, D, dW, db, loss = f.Z, f.A, g.delta, g.dW, g.db, g.loss
    per_sample = [net.backward_sample(net.forward_sample(x), y).dW[-1] for x, y in zip(Xb, Yb)]
    return Expected(form=form, N=len(idx), X=Xb, Y=Yb, Z=Z, A=A, D=D,
                    dsigma=[net.act.dsigma(z) for z in Z[:-1]], loss=loss, dW=dW, db=db,
                    W=[w.copy() for w in net.W], b=[v.copy() for v in net.b],
                    W_new=[w - LR * d for w, d in zip(net.W, dW)],
                    b_new=[v - LR * d for v, d in zip(net.b, db)], sample_dW=per_sample)


def _setup(activation: str, seed: int, form: str):
    X, Y = datasets.make("xor", n=60, noise=0.1, seed=0)
    net = MLP((2, 3, 4, 2), activation, seed=seed)
    idx = [SAMPLE] if form == "sample" else BATCH
    p = compute_pass(net, X, Y, idx, LR, form)
    return p, _expected(net, X, Y, idx, form)


def _stages(form: str):
    """The app's stage list (the form argument only changes titles, where supported)."""
    try:
        return build_stages(3, form=form)
    except TypeError:
        return build_stages(3)


def _stage(key: str, form: str):
    (stage,) = [s for s in _stages(form) if s.key == key]
    return stage


# ---------------------------------------------------------------- content helpers
_DIMENSION = re.compile(r"-?\d*\.?\d+\s*(?:em|ex|pt|mu|mm|cm|in)\b")
_NUMBER = re.compile(r"-?\d+\.\d+")
_BMATRIX = re.compile(r"\\begin\{bmatrix\}.*?\\end\{bmatrix\}", re.DOTALL)


def numbers(tex: str) -> list[str]:
    """The decimal numbers of ``tex`` in reading order (spacing like ``[0.5em]`` ignored)."""
    return _NUMBER.findall(_DIMENSION.sub(" ", tex))


def col(v) -> str:
    """A vector written as a column (what ``mat`` does with 1-D input)."""
    return mat(np.ravel(v))


def transposed(M) -> list[str]:
    """The ways Mᵀ may be printed: the transposed entries, or M with a ⊤ sign."""
    return [mat(np.asarray(M).T), mat(M) + r"^{\top}", mat(M) + r"^\top"]


def _find(tex: str, options, start: int = 0) -> tuple[int, int]:
    """(start, end) of the first of ``options`` found in ``tex`` at or after ``start``."""
    options = [options] if isinstance(options, str) else options
    hits = [(i, i + len(o)) for o in options if (i := tex.find(o, start)) >= 0]
    return min(hits) if hits else (-1, -1)


def assert_in_order(tex: str, *parts, result=None) -> None:
    """Each part (a string, or a list of alternatives) occurs in ``tex``, left to right; the
    ``result`` occurs after all of them and is the last matrix (or number) of ``tex``."""
    pos = 0
    for k, part in enumerate(parts):
        i, end = _find(tex, part, pos)
        assert i >= 0, f"operand {k + 1} missing (or out of order):\n{part}\nin\n{tex}"
        pos = end
    if result is None:
        return
    i, end = _find(tex, result, pos)
    assert i >= 0, f"result missing after the operands:\n{result}\nin\n{tex}"
    last_matrix = _BMATRIX.findall(tex)[-1] if _BMATRIX.search(tex) else None
    if isinstance(result, str) and result.startswith(r"\begin{bmatrix}"):
        assert last_matrix == result, f"the last matrix is not the result\n{result}\nin\n{tex}"
    else:
        assert numbers(tex)[-1] == numbers(result)[-1], f"result is not last in\n{tex}"


def _eqs(stage_key: str, p):
    eqs = stage_equations(_stage(stage_key, p.form), p)
    assert eqs and all(isinstance(e, Equation) for e in eqs)
    return eqs


def _numeric(stage_key: str, p) -> str:
    return "\n".join(e.numeric for e in _eqs(stage_key, p))


def _eqs_about(eqs, *needles) -> list[Equation]:
    """The equations whose symbolic LaTeX contains every needle."""
    found = [e for e in eqs if all(n in e.symbolic for n in needles)]
    assert found, f"no equation mentions {needles}"
    return found


def _any_passes(eqs, check) -> None:
    """At least one equation satisfies ``check`` (which asserts); re-raise the last failure."""
    err = None
    for e in eqs:
        try:
            check(e.numeric)
            return
        except AssertionError as exc:  # try the next candidate
            err = exc
    raise err


FORMS = ["sample", "batch"]
CASES = [(act, seed, form) for act, seed in NETS for form in FORMS]


# ---------------------------------------------------------------- every stage, both forms
def test_twelve_stages():
    keys = [s.key for s in build_stages(3)]
    assert keys == ["input", "z1", "a1", "z2", "a2", "yhat", "loss", "delta3", "delta2",
                    "delta1", "grads", "update"]


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
@pytest.mark.parametrize("key", [s.key for s in build_stages(3)])
def test_every_stage_returns_latex_equations(activation, seed, form, key):
    p, _ = _setup(activation, seed, form)
    for e in _eqs(key, p):
        for text in (e.symbolic, e.numeric, e.shapes):
            assert isinstance(text, str) and text.strip()
            assert text.count("{") == text.count("}"), text
        assert numbers(e.numeric), e.numeric


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
def test_input_shows_x_and_y(activation, seed, form):
    p, ex = _setup(activation, seed, form)
    tex = _numeric("input", p)
    if form == "sample":
        assert_in_order(tex, col(ex.X), col(ex.Y))
    else:
        assert_in_order(tex, mat(ex.X), mat(ex.Y))


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
@pytest.mark.parametrize("q", [1, 2, 3])
def test_forward_z_is_weights_times_previous_plus_bias(activation, seed, form, q):
    """z^(q) = W^(q) a^(q-1) + b^(q);  Z^(q) = A^(q-1) W^(q)ᵀ ⊕ b^(q)ᵀ."""
    p, ex = _setup(activation, seed, form)
    tex = _numeric(f"z{q}" if q < 3 else "yhat", p)
    W, b = ex.W[q - 1], ex.b[q - 1]
    if form == "sample":
        assert_in_order(tex, mat(W), col(ex.A[q - 1]), [col(b), mat(b[None, :])],
                        result=col(ex.Z[q - 1]))
    else:
        assert_in_order(tex, mat(ex.A[q - 1]), transposed(W), mat(b[None, :]),
                        result=mat(ex.Z[q - 1]))


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
@pytest.mark.parametrize("q", [1, 2])
def test_forward_activation(activation, seed, form, q):
    p, ex = _setup(activation, seed, form)
    tex = _numeric(f"a{q}", p)
    show = col if form == "sample" else mat
    assert_in_order(tex, show(ex.Z[q - 1]), result=show(ex.A[q]))
    assert not np.allclose(ex.Z[q - 1], ex.A[q])  # σ did something visible


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
def test_loss_shows_the_errors_and_the_mean(activation, seed, form):
    """Sample: L = Σ_l (ŷ_l − y_l)². Batch: L = (1/N) Σ (Ŷ − Y)², the 1/N applied."""
    p, ex = _setup(activation, seed, form)
    tex = _numeric("loss", p)
    yhat, y = ex.A[3], ex.Y
    assert ex.loss > 0.1
    if form == "sample":
        want = [num(v) for pair in zip(yhat[0], y[0]) for v in pair] + [num(ex.loss)]
        got = numbers(tex)
        it = iter(got)
        assert all(w in it for w in want), f"{want} is not a subsequence of {got}"
        assert got[-1] == num(ex.loss)
        np.testing.assert_allclose(ex.loss, np.sum((yhat - y) ** 2))
    else:
        total = np.sum((yhat - y) ** 2)
        assert num(total) != num(ex.loss)   # N > 1: the sum and the mean differ visibly
        assert_in_order(tex, mat(yhat - y), num(total), result=num(ex.loss))
        assert re.search(rf"\\[dt]?frac\{{1\}}\{{{ex.N}\}}", tex), tex
        np.testing.assert_allclose(ex.loss, total / ex.N)


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
def test_output_error_signal(activation, seed, form):
    """δ^(3) = 2(ŷ − y);  Δ^(3) = (2/N)(Ŷ − Y)."""
    p, ex = _setup(activation, seed, form)
    tex = _numeric("delta3", p)
    if form == "sample":
        assert_in_order(tex, col(ex.A[3]), col(ex.Y), result=col(ex.D[2]))
    else:
        assert_in_order(tex, mat(ex.A[3]), mat(ex.Y), result=mat(ex.D[2]))
        assert re.search(rf"\\[dt]?frac\{{2\}}\{{{ex.N}\}}", tex), tex


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
@pytest.mark.parametrize("q", [1, 2])
def test_hidden_error_signal(activation, seed, form, q):
    """Sample: σ'(z^(q)) ⊙ (W^(q+1)ᵀ δ^(q+1)). Batch: (Δ^(q+1) W^(q+1)) ⊙ σ'(Z^(q)) — the
    untransposed W, whose print (n_{q+1} × n_q) differs from Wᵀ's."""
    p, ex = _setup(activation, seed, form)
    tex = _numeric(f"delta{q}", p)
    W = ex.W[q]   # W^(q+1)
    if form == "sample":
        assert_in_order(tex, col(ex.dsigma[q - 1]), transposed(W), col(ex.D[q]),
                        result=col(ex.D[q - 1]))
        assert mat(W) not in tex
    else:
        assert_in_order(tex, mat(ex.D[q]), mat(W), result=mat(ex.D[q - 1]))
        assert_in_order(tex, mat(ex.dsigma[q - 1]), result=mat(ex.D[q - 1]))
        i = tex.find(mat(W))
        assert not tex[i + len(mat(W)):].lstrip().startswith("^"), "W^(q+1) printed transposed"
        assert mat(W.T) not in tex
    # the result really is the product the equation states (nncore is not circular here)
    if form == "batch":
        np.testing.assert_allclose(ex.D[q - 1], (ex.D[q] @ W) * ex.dsigma[q - 1], rtol=1e-12)
    else:
        np.testing.assert_allclose(ex.D[q - 1].T, ex.dsigma[q - 1].T * (W.T @ ex.D[q].T),
                                   rtol=1e-12)


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
@pytest.mark.parametrize("k", [1, 2, 3])
def test_gradients_of_every_layer(activation, seed, form, k):
    """∂L/∂W^(k) = δ^(k) a^(k-1)ᵀ (sample) or Δ^(k)ᵀ A^(k-1) (batch), each in the equation
    about layer k; ∂L/∂b^(k) = δ^(k) or 1ᵀ Δ^(k)."""
    p, ex = _setup(activation, seed, form)
    eqs = _eqs("grads", p)
    dW, db = ex.dW[k - 1], ex.db[k - 1]
    about_W = _eqs_about(eqs, rf"\partial \mathbf{{W}}^{{({k})}}")
    about_b = _eqs_about(eqs, rf"\partial \mathbf{{b}}^{{({k})}}")
    if form == "sample":
        def check_W(tex):
            assert_in_order(tex, col(ex.D[k - 1]), [mat(ex.A[k - 1])] + transposed(ex.A[k - 1].T),
                            mat(dW))
    else:
        def check_W(tex):
            assert_in_order(tex, transposed(ex.D[k - 1]), mat(ex.A[k - 1]), mat(dW))

    def check_b(tex):
        assert_in_order(tex, [col(db), mat(db[None, :])])

    _any_passes(about_W, check_W)
    _any_passes(about_b, check_b)


@pytest.mark.parametrize(("activation", "seed"), NETS)
def test_batch_gradient_is_shown_as_mean_of_sample_gradients(activation, seed):
    p, ex = _setup(activation, seed, "batch")
    tex = _numeric("grads", p)
    mean = np.mean(ex.sample_dW, axis=0)
    assert_in_order(tex, *[mat(s) for s in ex.sample_dW], mat(mean))
    np.testing.assert_allclose(mean, ex.dW[2], rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize(("activation", "seed", "form"), CASES)
@pytest.mark.parametrize("k", [1, 2, 3])
@pytest.mark.parametrize("name", ["W", "b"])
def test_update_shows_old_gradient_and_new(activation, seed, form, k, name):
    """W^(k) ← W^(k) − γ ∂L/∂W^(k): the old matrix, γ, the gradient, and as the result the
    NEW matrix W − γ dW (visibly different from the old one)."""
    p, ex = _setup(activation, seed, form)
    old, grad, new = ((ex.W[k - 1], ex.dW[k - 1], ex.W_new[k - 1]) if name == "W"
                      else (ex.b[k - 1], ex.db[k - 1], ex.b_new[k - 1]))
    np.testing.assert_allclose(new, old - LR * grad, rtol=1e-15)
    about = _eqs_about(_eqs("update", p), rf"\mathbf{{{name}}}^{{({k})}}", r"\leftarrow")
    if name == "W":
        assert mat(new) != mat(old)

        def check(tex):
            assert_in_order(tex, mat(old), num(LR), mat(grad), result=mat(new))
    else:
        assert col(new) != col(old)

        def check(tex):
            assert_in_order(tex, [col(old), mat(old[None, :])], num(LR),
                            [col(grad), mat(grad[None, :])])
            assert _BMATRIX.findall(tex)[-1] in (col(new), mat(new[None, :])), tex

    _any_passes(about, check)


# ---------------------------------------------------------------- the symbols of each form
def _all_symbolic(p) -> dict[str, list[str]]:
    return {s.key: [e.symbolic for e in stage_equations(s, p)] for s in _stages(p.form)}


@pytest.mark.parametrize(("activation", "seed"), NETS)
def test_sample_symbols_are_lower_case_delta_a_z_x(activation, seed):
    p, _ = _setup(activation, seed, "sample")
    sym = _all_symbolic(p)
    for key, eqs in sym.items():
        for s in eqs:
            for capital in (r"\Delta", r"\mathbf{A}", r"\mathbf{Z}", r"\mathbf{X}", r"\mathbf{Y}",
                            r"\frac{2}{N}", r"\mathbf{1}_N"):
                assert capital not in s, (key, s)
    assert any(r"\mathbf{x}" in s for s in sym["input"])
    for q in (1, 2):
        assert any(rf"\mathbf{{z}}^{{({q})}}" in s for s in sym[f"z{q}"])
        assert any(rf"\mathbf{{a}}^{{({q})}}" in s for s in sym[f"a{q}"])
        assert any(rf"\boldsymbol{{\delta}}^{{({q})}}" in s for s in sym[f"delta{q}"])
        # W^(q+1) transposed: the column form multiplies from the left by Wᵀ
        assert any(re.search(rf"\\mathbf\{{W\}}\^\{{\({q + 1}\)\\top\}}|\\left\(\\mathbf\{{W\}}"
                             rf"\^\{{\({q + 1}\)\}}\\right\)\^\{{?\\top", s)
                   for s in sym[f"delta{q}"])
    assert any(r"\mathbf{x}" in s for s in sym["z1"])
    assert any(r"2(\hat{\mathbf{y}} - \mathbf{y})" in s for s in sym["delta3"])
    assert any(r"\delta" in s for s in sym["grads"])


@pytest.mark.parametrize(("activation", "seed"), NETS)
def test_batch_symbols_are_capital_delta_a_z_x_and_2_over_n(activation, seed):
    p, _ = _setup(activation, seed, "batch")
    sym = _all_symbolic(p)
    for key, eqs in sym.items():
        for s in eqs:
            if "_n" in s:   # the per-sample gradients averaged in the gradients stage
                continue
            for lower in (r"\mathbf{a}", r"\mathbf{z}", r"\mathbf{x}", r"\mathbf{y}",
                          r"\boldsymbol{\delta}"):
                assert lower not in s, (key, s)
    assert any(r"\mathbf{X}" in s for s in sym["input"])
    assert any(r"\mathbf{X}" in s for s in sym["z1"])
    for q in (1, 2):
        assert any(rf"\mathbf{{Z}}^{{({q})}}" in s for s in sym[f"z{q}"])
        assert any(rf"\mathbf{{A}}^{{({q})}}" in s for s in sym[f"a{q}"])
        d = sym[f"delta{q}"]
        assert any(rf"\boldsymbol{{\Delta}}^{{({q})}}" in s for s in d)
        # W^(q+1) untransposed: rows multiply from the right by W
        assert any(rf"\mathbf{{W}}^{{({q + 1})}}" in s for s in d)
        assert not any(r"\top" in s for s in d), d
    assert any(r"\frac{2}{N}" in s and r"\Delta" in s for s in sym["delta3"])
    assert any(r"\frac{1}{N}" in s for s in sym["loss"])
    assert any(r"\mathbf{1}_N" in s for s in sym["grads"])
    assert any(r"\Delta" in s for s in sym["grads"])


def test_mat_and_num_are_what_the_tests_assume():
    """The formatting helpers: 3 decimals, −0.000 written 0.000, 1-D arrays as columns."""
    assert num(0.12345) == "0.123" and num(-0.0001) == "0.000" and num(-1.5) == "-1.500"
    assert mat([1, 2]) == mat([[1], [2]]) != mat([[1, 2]])
    assert numbers(mat([[1.0, -2.25]]) + r"\\[0.5em] = 3.000") == ["1.000", "-2.250", "3.000"]


@pytest.mark.parametrize("form,N", [("sample", 1), ("batch", 2), ("batch", 8)])
def test_every_line_of_a_stacked_equation_balances_its_delimiters(form, N):
    """KaTeX rejects a \\left( whose \\right) is on another line of an aligned block."""
    import re

    from lab.equations import stacked
    from lab.stages import build_stages as stages_of

    X, Y = datasets.make("xor", n=40, noise=0.1, seed=0)
    net = MLP((2, 3, 4, 2), "tanh", seed=3)
    p = compute_pass(net, X, Y, list(range(N)), 0.5, form)
    for stage in stages_of(3, form):
        for eq in stage_equations(stage, p):
            body = re.sub(r"\\begin\{bmatrix\}.*?\\end\{bmatrix\}", "M", eq.numeric,
                          flags=re.DOTALL)
            for line in body.split(r"\\"):
                opened = len(re.findall(r"\\left\b", line))
                closed = len(re.findall(r"\\right\b", line))
                assert opened == closed, (form, N, stage.key, line)
    assert stacked(["a"], "b") == "a = b"


@pytest.mark.parametrize("form", ["sample", "batch"])
def test_the_update_stage_writes_each_parameters_own_shape(form):
    """W⁽ᵏ⁾ is n_k × n_(k−1) (3×2, 4×3, 2×4) and b⁽ᵏ⁾ is n_k × 1, in both forms."""
    X, Y = datasets.make("xor", n=40, noise=0.1, seed=0)
    p = compute_pass(MLP(seed=0), X, Y, [0] if form == "sample" else [0, 1, 2], 0.1, form)
    update = build_stages(3, form)[-1]
    eqs = stage_equations(update, p)
    sizes = (2, 3, 4, 2)
    for k in range(1, 4):
        w, b = eqs[2 * (k - 1)], eqs[2 * (k - 1) + 1]
        assert rf"\mathbb{{R}}^{{{sizes[k]}\times {sizes[k - 1]}}}" in w.shapes, (k, w.shapes)
        assert rf"\mathbb{{R}}^{{{sizes[k]}\times 1}}" in b.shapes, (k, b.shapes)
