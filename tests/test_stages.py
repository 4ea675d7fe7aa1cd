"""Stage titles and labels speak the notation of their form: δ, z, a, ŷ for one sample
(columns); Δ, Z, A, Ŷ and the 2/N for a mini-batch (rows)."""

import re

import pytest

from lab.stages import build_stages

SAMPLE_ONLY = re.compile(r"δ|ŷ|(?<![A-Za-z])[za]⁽|\bx\b")
BATCH_ONLY = re.compile(r"Δ|Ŷ|(?<![A-Za-z])[ZA]⁽|\bX\b|2/N|1ᵀ")


def test_batch_titles_use_only_the_batch_notation():
    for s in build_stages(3, "batch"):
        assert not SAMPLE_ONLY.search(s.title), s.title
        assert not SAMPLE_ONLY.search(s.label), s.label
    titles = {s.key: s.title for s in build_stages(3, "batch")}
    assert "Δ⁽³⁾ = (2/N)(Ŷ − Y)" in titles["delta3"]
    assert "Δ⁽²⁾ = (Δ⁽³⁾ W⁽³⁾) ⊙ σ'(Z⁽²⁾)" in titles["delta2"]  # W, not Wᵀ: rows
    assert "Δᵀ A" in titles["grads"] and "1ᵀ Δ" in titles["grads"]
    assert "Z⁽¹⁾ = X W⁽¹⁾ᵀ ⊕ b⁽¹⁾ᵀ" in titles["z1"]


def test_sample_titles_use_only_the_column_notation():
    for s in build_stages(3, "sample"):
        assert not BATCH_ONLY.search(s.title), s.title
        assert not BATCH_ONLY.search(s.label), s.label
    titles = {s.key: s.title for s in build_stages(3, "sample")}
    assert "δ⁽³⁾ = 2(ŷ − y)" in titles["delta3"]
    assert "δ⁽²⁾ = σ'(z⁽²⁾) ⊙ (W⁽³⁾ᵀ δ⁽³⁾)" in titles["delta2"]
    assert "δ aᵀ" in titles["grads"]


def test_both_forms_have_the_same_stages_in_the_same_order():
    a, b = build_stages(3, "sample"), build_stages(3, "batch")
    assert [s.key for s in a] == [s.key for s in b] == [
        "input", "z1", "a1", "z2", "a2", "yhat", "loss", "delta3", "delta2", "delta1",
        "grads", "update"]
    assert [(s.phase, s.q, s.lit, s.shows) for s in a] == [(s.phase, s.q, s.lit, s.shows)
                                                           for s in b]
    with pytest.raises(ValueError):
        build_stages(3, "rows")
