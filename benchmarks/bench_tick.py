"""Server time and payload of one live-training tick, as medians.

Run:  python benchmarks/bench_tick.py [--repeats 30]

A tick is what the live fragment does while playing: train for the time budget
(``TRAIN_SECONDS``), compute the counters, build every chart from one batched forward
pass over the grid, and serialise the figures to JSON (the payload sent to the
browser). Reference in the same process: the same tick with training skipped, to
split training time from drawing time.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.live import counters, live_figures
from lab.panels.training import TRAIN_SECONDS
from lab.state import Settings, new_lab, train_tick


def tick(lab, train: bool) -> int:
    if train:
        train_tick(lab, TRAIN_SECONDS)
    counters(lab)
    return sum(len(f.to_json()) for f in live_figures(lab).values())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    R = ap.parse_args().repeats
    lab = new_lab(Settings(epochs_limit=10**9))
    lab.running = True
    tick(lab, True)  # warm-up
    rows = {}
    for name, train in (("tick (train + draw + serialise)", True),
                        ("reference: draw + serialise only", False)):
        times, sizes = [], []
        for _ in range(R):
            t = time.perf_counter()
            sizes.append(tick(lab, train))
            times.append(time.perf_counter() - t)
        rows[name] = (statistics.median(times), statistics.median(sizes))
    ref = rows["reference: draw + serialise only"][0]
    print(f"Live tick at defaults ({lab.settings.dataset}, n={lab.settings.n}, "
          f"training budget {TRAIN_SECONDS * 1e3:.0f} ms), medians of {R}:")
    for name, (s, size) in rows.items():
        print(f"  {name:<36} {s * 1e3:7.1f} ms  ratio {s / ref:4.2f}  payload {size / 1024:5.1f} KiB")
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
