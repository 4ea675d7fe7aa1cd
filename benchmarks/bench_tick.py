"""Server time and payload of one live-training tick, as medians.

Run:  python benchmarks/bench_tick.py [--repeats 30]

The live view has three fragments. The fast one runs every 0.1 s while playing:
train for the time budget (``TRAIN_SECONDS``), compute the counters, build the decision
map (one batched forward pass over the grid) with its loss sparkline, and serialise it
to JSON (the payload sent to the browser). Two slow ones run every 2 s: the loss and
accuracy curves, and the neuron maps, gradient flow and weights. Reference in the same
process: the fast tick with training skipped, to split training time from drawing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.live import FAST_CHARTS, counters, live_figures
from lab.panels.training import TRAIN_SECONDS
from lab.state import Settings, new_lab, train_tick


CURVES = ("loss_chart", "acc_chart")
INSIDE = ("neurons_chart", "gradflow_chart", "weights_chart")


def tick(lab, train: bool, keys=FAST_CHARTS) -> int:
    if train:
        train_tick(lab, TRAIN_SECONDS)
        counters(lab)
    return sum(len(f.to_json()) for f in live_figures(lab, keys).values())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    R = ap.parse_args().repeats
    lab = new_lab(Settings(epochs_limit=10**9))
    lab.running = True
    tick(lab, True)  # warm-up
    rows = {}
    for name, train, keys in (("fast tick (train + counters + map)", True, FAST_CHARTS),
                              ("reference: fast tick without training", False, FAST_CHARTS),
                              ("slow tick: loss + accuracy curves", False, CURVES),
                              ("slow tick: neuron maps, gradients, weights", False, INSIDE)):
        times, sizes = [], []
        for _ in range(R):
            t = time.perf_counter()
            sizes.append(tick(lab, train, keys))
            times.append(time.perf_counter() - t)
        rows[name] = (statistics.median(times), statistics.median(sizes))
    ref = rows["reference: fast tick without training"][0]
    print(f"Live tick at defaults ({lab.settings.dataset}, n={lab.settings.n}, "
          f"training budget {TRAIN_SECONDS * 1e3:.0f} ms), medians of {R}:")
    for name, (s, size) in rows.items():
        print(f"  {name:<44} {s * 1e3:6.1f} ms  ratio {s / ref:5.2f}  payload "
              f"{size / 1000:5.1f} KB")
    print(f"  after the run: epoch {lab.trainer.epoch}, steps {lab.trainer.steps}")

    # Memory over 100,000 steps: the history is downsampled, so it stays bounded.
    lab2 = new_lab(Settings(epochs_limit=10**9, batch_size=8))
    tracemalloc.start()
    lab2.trainer.step(1000)
    base = tracemalloc.get_traced_memory()[0]
    lab2.trainer.step(99_000)
    grown = tracemalloc.get_traced_memory()[0] - base
    tracemalloc.stop()
    h = lab2.trainer.history
    print(f"Memory: 100,000 steps ({lab2.trainer.epoch} epochs) grew traced memory by "
          f"{grown / 1024:.0f} KiB; history holds {len(h.epoch)} points (stride {h.stride}).")


if __name__ == "__main__":
    main()
