"""Speed of nncore's training and prediction, as medians of repeated runs.

Run:  python benchmarks/bench_core.py [--repeats 15]

Every figure is a median over repeats, and each is also given as a ratio against
reference runs made in the same process, on the same 2-3-4-2 tanh network and
data (1000 points, float64):

* naive  : a per-sample Python loop over the derivation's column-vector equations
           (net.forward_sample / backward_sample, update after each batch);
* layers : the readable batch form, net.forward + net.backward + sgd_update;
* fused  : a minimal hand-fused numpy step written here (one flat θ, bias folded
           into W, preallocated buffers, np.dot(..., out=)) with nothing else;
* torch  : the same network and SGD in PyTorch, float64, one thread (skipped
           when torch is not installed).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nncore import MLP, Trainer, datasets, sgd_update

LR = 0.05


def median_time(fn, repeats: int, inner: int = 1) -> float:
    """Median seconds of one call of fn over `repeats` timings of `inner` calls."""
    fn()  # warm-up: buffers, caches
    times = []
    for _ in range(repeats):
        t = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t) / inner)
    return statistics.median(times)


def naive_epoch(net, X, Y, batch_size, rng):
    perm = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        idx = perm[start:start + batch_size]
        acc_W = [np.zeros_like(w) for w in net.W]
        acc_b = [np.zeros_like(b) for b in net.b]
        for n in idx:
            g = net.backward_sample(net.forward_sample(X[n]), Y[n])
            for q in range(net.L):
                acc_W[q] += g.dW[q]
                acc_b[q] += g.db[q][:, 0]
        for q in range(net.L):
            net.W[q] -= LR * acc_W[q] / idx.size
            net.b[q] -= LR * acc_b[q] / idx.size


def layers_epoch(net, X, Y, batch_size, rng):
    perm = rng.permutation(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        idx = perm[start:start + batch_size]
        sgd_update(net, net.gradients(X[idx], Y[idx]), LR)


class HandFused:
    """The reference fused step for (2, 3, 4, 2) tanh, written flat with nothing else:
    θ holds [W^(q)ᵀ ; b^(q)ᵀ] per layer, acting on [A^(q-1) | 1]."""

    def __init__(self, net, X, Y, batch_size):
        self.Xa = np.hstack([X, np.ones((X.shape[0], 1))])
        self.Y = Y
        shapes = [(3, 3), (4, 4), (5, 2)]
        self.theta = np.concatenate([np.vstack([w.T, b[None, :]]).ravel()
                                     for w, b in zip(net.W, net.b)])
        self.g = np.zeros_like(self.theta)
        self.W, self.G, i = [], [], 0
        for r, c in shapes:
            self.W.append(self.theta[i:i + r * c].reshape(r, c))
            self.G.append(self.g[i:i + r * c].reshape(r, c))
            i += r * c
        self.bufs = {}
        self.batch_size = batch_size

    def buf(self, N):
        if N not in self.bufs:
            self.bufs[N] = (np.ones((N, 3)), np.ones((N, 4)), np.ones((N, 5)),
                            np.zeros((N, 3)), np.zeros((N, 4)), np.zeros((N, 2)),
                            np.zeros((N, 2)), np.zeros((N, 4)), np.zeros((N, 3)),
                            np.zeros((N, 4)), np.zeros((N, 3)))
        return self.bufs[N]

    def epoch(self, rng):
        perm = rng.permutation(self.Xa.shape[0])
        W1, W2, W3 = self.W
        G1, G2, G3 = self.G
        for start in range(0, perm.size, self.batch_size):
            idx = perm[start:start + self.batch_size]
            A0, A1, A2, Z1, Z2, Z3, Yb, D2, D1, T2, T1 = self.buf(idx.size)
            np.take(self.Xa, idx, axis=0, out=A0)
            np.take(self.Y, idx, axis=0, out=Yb)
            np.dot(A0, W1, out=Z1)
            np.tanh(Z1, out=A1[:, :3])
            np.dot(A1, W2, out=Z2)
            np.tanh(Z2, out=A2[:, :4])
            np.dot(A2, W3, out=Z3)
            np.subtract(Z3, Yb, out=Z3)
            Z3 *= 2.0 / idx.size
            np.dot(A2.T, Z3, out=G3)
            np.dot(Z3, W3[:4].T, out=D2)
            np.multiply(A2[:, :4], A2[:, :4], out=T2)
            np.subtract(1.0, T2, out=T2)
            D2 *= T2
            np.dot(A1.T, D2, out=G2)
            np.dot(D2, W2[:3].T, out=D1)
            np.multiply(A1[:, :3], A1[:, :3], out=T1)
            np.subtract(1.0, T1, out=T1)
            D1 *= T1
            np.dot(A0.T, D1, out=G1)
            self.g *= LR
            self.theta -= self.g


def torch_epoch_fn(net, X, Y, batch_size):
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    layers = []
    for w, b in zip(net.W, net.b):
        lin = torch.nn.Linear(w.shape[1], w.shape[0]).double()
        with torch.no_grad():
            lin.weight.copy_(torch.from_numpy(w))
            lin.bias.copy_(torch.from_numpy(b))
        layers += [lin, torch.nn.Tanh()]
    model = torch.nn.Sequential(*layers[:-1])
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    Xt, Yt = torch.from_numpy(X), torch.from_numpy(Y)
    gen = torch.Generator().manual_seed(0)

    def epoch():
        perm = torch.randperm(Xt.shape[0], generator=gen)
        for start in range(0, Xt.shape[0], batch_size):
            idx = perm[start:start + batch_size]
            opt.zero_grad()
            out = model(Xt[idx])
            loss = ((out - Yt[idx]) ** 2).sum() / idx.numel()
            loss.backward()
            opt.step()

    return epoch, torch.__version__


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=15)
    args = ap.parse_args()
    R = args.repeats
    X, Y = datasets.make("moons", n=1000, noise=0.1, seed=0)
    rng = np.random.default_rng(0)
    base = MLP(seed=0)
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}, repeats {R} (medians)\n")

    # --- one epoch of 1000 points at batch 32 ---------------------------------
    epoch = {}
    t = Trainer(base.copy(), X, Y, lr=LR, batch_size=32, momentum=0.0, seed=0)
    epoch["nncore Trainer.step_epoch (fused, with per-epoch metrics)"] = median_time(
        t.step_epoch, R, inner=5)
    hand = HandFused(base, X, Y, 32)
    epoch["reference: hand-fused numpy step"] = median_time(lambda: hand.epoch(rng), R, 5)
    net_l = base.copy()
    epoch["reference: readable layer loop (forward/backward/sgd_update)"] = median_time(
        lambda: layers_epoch(net_l, X, Y, 32, rng), R, 3)
    net_n = base.copy()
    epoch["reference: naive per-sample Python loop"] = median_time(
        lambda: naive_epoch(net_n, X, Y, 32, rng), max(3, R // 3))
    torch_fn = torch_epoch_fn(base, X, Y, 32)
    if torch_fn is not None:
        fn, version = torch_fn
        epoch[f"reference: PyTorch {version} CPU, float64, 1 thread"] = median_time(fn, R, 1)
    else:
        print("(PyTorch not installed: its column is skipped)")
    ours = epoch["nncore Trainer.step_epoch (fused, with per-epoch metrics)"]
    print("One epoch, 1000 points, batch 32 (32 SGD steps); ratio = its time / ours:")
    for name, s in epoch.items():
        print(f"  {name:<62} {s * 1e3:8.3f} ms   ratio {s / ours:6.2f}")

    # --- SGD steps per second ----------------------------------------------------
    print("\nSGD steps per second (forward + backward + update), nncore Trainer.step"
          " (at batch 1000 every step ends an epoch, which adds the per-epoch metrics pass):")
    for bs in (1, 32, 1000):
        tr = Trainer(base.copy(), X, Y, lr=LR, batch_size=bs, momentum=0.0, seed=0)
        k = 200 if bs < 1000 else 20
        s = median_time(lambda tr=tr, k=k: tr.step(k), R) / k
        netl = base.copy()
        idx = np.arange(bs)
        s_l = median_time(lambda netl=netl, idx=idx: sgd_update(
            netl, netl.gradients(X[idx], Y[idx]), LR), R, inner=50)
        print(f"  batch {bs:>4}: {1 / s:10,.0f} steps/s   (readable layer loop "
              f"{1 / s_l:9,.0f} steps/s: ours {s_l / s:4.1f}x)")

    # --- prediction over a grid ---------------------------------------------------
    g = np.linspace(-1.2, 1.2, 100)
    G = np.column_stack([a.ravel() for a in np.meshgrid(g, g)])
    s_grid = median_time(lambda: base.forward(G), R, inner=5)

    def per_point():
        for p in G[:1000]:
            base.forward_sample(p)

    s_pp = median_time(per_point, max(3, R // 3)) * 10
    print(f"\nForward pass over a 100x100 grid (10,000 points), net.forward: {s_grid * 1e3:.2f} ms"
          f"   (per-point loop {s_pp * 1e3:.0f} ms: {s_pp / s_grid:.0f}x slower)")


if __name__ == "__main__":
    main()
