"""Where a playing session's training time goes, at the app's defaults (no Streamlit).

Run:  python benchmarks/bench_steps.py [--steps 3000] [--repeats 7]

The Trainer of a fresh session (default data: 400 points, 30 % held out, batch 32, so 9
steps an epoch) takes ``--steps`` steps from the same checkpoint, ``--repeats`` times;
separately its per-epoch evaluation (loss, accuracy, gradient norms and saturation on the
training and test sets) is timed alone. Reported as medians with the spread: µs per step
(evaluation included), µs per evaluation, and what both cost per second at the default
300 steps/s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.player.protocol import DEFAULT_RATE
from lab.state import Settings, new_lab


def timings(fn, repeats: int) -> list[float]:
    fn()  # warm-up
    out = []
    for _ in range(repeats):
        t = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--steps", type=int, default=3000)
    ap.add_argument("--repeats", type=int, default=7)
    a = ap.parse_args()
    t = new_lab(Settings()).trainer
    start = t.checkpoint()

    def train() -> None:
        t.restore(start)
        t.step(a.steps)

    def evaluate() -> None:
        for _ in range(100):
            t._evaluate()

    per_epoch = -(-t.X.shape[0] // t.batch_size)
    step = [x / a.steps * 1e6 for x in timings(train, a.repeats)]
    ev = [x / 100 * 1e6 for x in timings(evaluate, a.repeats)]

    def show(name: str, xs: list[float], unit: str) -> None:
        print(f"{name:34s} {statistics.median(xs):8.1f} {unit} ({min(xs):.1f}–{max(xs):.1f})")

    print(f"{t.X.shape[0]} training rows, batch {t.batch_size}: {per_epoch} steps an epoch")
    show("a step (evaluation included)", step, "µs")
    show("one per-epoch evaluation", ev, "µs")
    show(f"training at {DEFAULT_RATE} steps/s", [x * DEFAULT_RATE / 1e3 for x in step], "ms/s")
    show("  of which evaluation", [x / per_epoch * DEFAULT_RATE / 1e3 for x in ev], "ms/s")


if __name__ == "__main__":
    main()
