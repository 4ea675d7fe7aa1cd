"""Training many sessions in one pass (nncore.trace_many) against each alone (Trainer.trace).

Run:  python benchmarks/bench_together.py [--sessions 1 10 30 150] [--repeats 5]

Each session is the app's default run (xor, 400 points, 2-3-4-2 tanh, lr 0.1, batch 32,
momentum 0.9), its data seed and starting step varied, asking for 60 snapshots at the
default speed's stride (5 steps each: 300 steps): what a player's pull trains ahead.
Both sides train identical copies and the results are checked equal before timing is
believed. Reported: µs per session-step, median over repeats (spread), alone, together,
and the ratio of the medians.
"""

from __future__ import annotations

import argparse
import statistics
import time

from nncore import MLP, Trainer, datasets, trace_many


def session(seed: int, pre: int) -> Trainer:
    X, Y = datasets.make("xor", n=400, noise=0.1, seed=seed)
    net = MLP((2, 3, 4, 2), "tanh", seed=seed)
    t = Trainer(net, X[:280], Y[:280], X[280:], Y[280:], lr=0.1, batch_size=32,
                momentum=0.9, seed=seed)
    t.step(pre)
    return t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sessions", type=int, nargs="+", default=[1, 10, 30, 150])
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    n, stride = 60, 5
    for S in a.sessions:
        alone = [session(s % 4, 3 * s) for s in range(S)]
        together = [session(s % 4, 3 * s) for s in range(S)]
        ta, tb = [], []
        for _ in range(a.repeats):
            t0 = time.perf_counter()
            want = [t.trace(n, stride) for t in alone]
            ta.append(time.perf_counter() - t0)
            t0 = time.perf_counter()
            got = trace_many([(t, n, stride, None) for t in together])
            tb.append(time.perf_counter() - t0)
            assert all(x.theta.tobytes() == y.theta.tobytes() for x, y in zip(want, got))
        per = S * n * stride / 1e6

        def show(xs, per=per):
            return (f"{statistics.median(xs) / per:.1f} µs "
                    f"({min(xs) / per:.1f}–{max(xs) / per:.1f})")
        print(f"{S:4d} sessions: alone {show(ta)}, together {show(tb)}, "
              f"ratio {statistics.median(ta) / statistics.median(tb):.2f}", flush=True)


if __name__ == "__main__":
    main()
