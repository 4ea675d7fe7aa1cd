"""One 2-3-4-2 tanh example worked by hand, every number of the derivation's equations.

tanh values to 12 digits: tanh(0.25) = 0.244918662404, tanh(1.5) = 0.905148253645,
tanh(0.244918662404) = 0.240136218952, tanh(0.905148253645) = 0.718795412070,
tanh(0.675033458024) = 0.588281135877, tanh(0) = 0.
"""

import numpy as np
import pytest

from nncore import MLP

W1 = [[0.5, -0.5], [1.0, 0.0], [0.0, 1.0]]
b1 = [0.0, 0.5, -0.5]
W2 = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0], [0.5, 0.5, 0.5]]
b2 = [0.0, 0.0, 0.0, 0.1]
W3 = [[1.0, 0.0, 1.0, 0.0], [0.0, 1.0, 0.0, -1.0]]
b3 = [0.2, 0.0]
x = [1.0, 0.5]
y = [1.0, 0.0]

# z1 = W1 x + b1 = [0.5*1 - 0.5*0.5 + 0, 1*1 + 0.5, 0.5 - 0.5] = [0.25, 1.5, 0]
z1 = [0.25, 1.5, 0.0]
a1 = [0.244918662404, 0.905148253645, 0.0]
# z2 = W2 a1 + b2: the first three copy a1; the fourth is
#      0.5 * (0.244918662404 + 0.905148253645 + 0) + 0.1 = 0.675033458024
z2 = [0.244918662404, 0.905148253645, 0.0, 0.675033458024]
a2 = [0.240136218952, 0.718795412070, 0.0, 0.588281135877]
# ŷ = W3 a2 + b3 = [a2_1 + a2_3 + 0.2, a2_2 - a2_4] = [0.440136218952, 0.130514276193]
y_hat = [0.440136218952, 0.130514276193]
# L = (0.440136218952 - 1)² + (0.130514276193 - 0)² = 0.313447453329 + 0.017033976290
L = 0.330481429619
# δ3 = 2 (ŷ − y) = [2 * -0.559863781048, 2 * 0.130514276193]
d3 = [-1.119727562096, 0.261028552386]
# δ2 = (1 − a2²) ⊙ (W3ᵀ δ3):
#   W3ᵀ δ3 = [d3_1, d3_2, d3_1, -d3_2] = [-1.119727562096, 0.261028552386, -1.119727562096,
#            -0.261028552386]
#   1 − a2² = [0.942334596347, 0.483333155587, 1, 0.653925305171]
d2 = [-1.055158020246, 0.126163753923, -1.119727562095, -0.170693175777]
# δ1 = (1 − a1²) ⊙ (W2ᵀ δ2):
#   W2ᵀ δ2 = [d2_1 + 0.5 d2_4, d2_2 + 0.5 d2_4, d2_3 + 0.5 d2_4]
#          = [-1.140504608135, 0.040817166035, -1.205074149984]
#   1 − a1² = [0.940014848806, 0.180706638923, 1]
d1 = [-1.072091266778, 0.007375932884, -1.205074149983]

TOL = 1e-9


def hand_net():
    return MLP.from_params([np.array(W1), np.array(W2), np.array(W3)],
                           [np.array(b1), np.array(b2), np.array(b3)], activation="tanh")


def test_hand_example_loss_value():
    # The arithmetic of the comments, redone: the two squares, and one δ2 entry,
    # δ2_1 = (1 − a2_1²) (W3ᵀ δ3)_1 = 0.942334596347 * -1.119727562096
    assert 0.559863781048**2 + 0.130514276193**2 == pytest.approx(L, abs=1e-11)
    assert 0.942334596347 * -1.119727562096 == pytest.approx(d2[0], abs=1e-11)


@pytest.mark.parametrize("form", ["batch", "sample"])
def test_hand_example_forward(form):
    net = hand_net()
    if form == "batch":
        f = net.forward(np.array([x]))
        got = [f.Z[0][0], f.A[1][0], f.Z[1][0], f.A[2][0], f.A[3][0]]
    else:
        f = net.forward_sample(np.array(x))
        got = [f.z[0][:, 0], f.a[1][:, 0], f.z[1][:, 0], f.a[2][:, 0], f.a[3][:, 0]]
    for value, expected in zip(got, [z1, a1, z2, a2, y_hat]):
        np.testing.assert_allclose(value, expected, atol=TOL)
    assert net.loss(np.array([x]), np.array([y])) == pytest.approx(0.330481429619, abs=TOL)


@pytest.mark.parametrize("form", ["batch", "sample"])
def test_hand_example_backward(form):
    net = hand_net()
    if form == "batch":  # N = 1, so Δ^(3) = (2/1)(Ŷ − Y) is the sample's δ^(3)
        g = net.backward(net.forward(np.array([x])), np.array([y]))
        deltas = [d[0] for d in g.delta]
        dW, db = g.dW, g.db
    else:
        g = net.backward_sample(net.forward_sample(np.array(x)), np.array(y))
        deltas = [d[:, 0] for d in g.delta]
        dW, db = g.dW, [d[:, 0] for d in g.db]
    for value, expected in zip(deltas, [d1, d2, d3]):
        np.testing.assert_allclose(value, expected, atol=TOL)
    assert g.loss == pytest.approx(0.330481429619, abs=TOL)
    # ∂L/∂b^(q) = δ^(q); ∂L/∂W^(q) = δ^(q) a^(q-1)ᵀ, e.g. ∂L/∂w^(3)_{12} = δ3_1 a2_2
    #   = -1.119727562096 * 0.718795412070 = -0.804849...
    for q, (d, a_prev) in enumerate([(d1, x), (d2, a1), (d3, a2)]):
        np.testing.assert_allclose(db[q], d, atol=TOL)
        np.testing.assert_allclose(dW[q], np.outer(d, a_prev), atol=TOL)
    assert dW[2][0, 1] == pytest.approx(-1.119727562096 * 0.718795412070, abs=TOL)
    # ∂L/∂w^(1)_{31} = δ1_3 x_1 = -1.205074149983 * 1
    assert dW[0][2, 0] == pytest.approx(-1.205074149983, abs=TOL)
