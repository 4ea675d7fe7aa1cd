"""Server time and payload of one live-training tick, as medians.

Run:  python benchmarks/bench_tick.py [--repeats 30]

While playing, the live fragment runs every 0.2 s: it trains for the time budget
(``TRAIN_SECONDS``), computes the counters, builds the decision map (one batched
forward pass over the grid) with its loss sparkline, and sends it with the five other
charts, whose figures are rebuilt only every 2 s (resent unchanged in between). Each
figure is serialised to JSON, the payload sent to the browser. Reference in the same
process: the same tick without training, to split training time from drawing.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.live import FAST_CHARTS, SLOW_CHARTS, counters, live_figures
from lab.panels.training import TRAIN_SECONDS
from lab.state import Settings, new_lab
from lab.training import train_tick


def tick(lab, train: bool, rebuild: bool, cache: dict) -> int:
    if train:
        train_tick(lab, TRAIN_SECONDS)
    counters(lab)
    figs = live_figures(lab, FAST_CHARTS)
    if rebuild or not cache:
        cache.update(live_figures(lab, SLOW_CHARTS))
    figs.update(cache)
    return sum(len(f.to_json()) for f in figs.values())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeats", type=int, default=30)
    R = ap.parse_args().repeats
    lab = new_lab(Settings(epochs_limit=10**9))
    lab.running = True
    tick(lab, True, True, {})  # warm-up
    rows = {}
    cache: dict = {}
    for name, train, rebuild in (("tick (train, redraw the map)", True, False),
                                 ("tick that also rebuilds the other charts", True, True),
                                 ("reference: tick without training", False, False)):
        times, sizes = [], []
        for _ in range(R):
            t = time.perf_counter()
            sizes.append(tick(lab, train, rebuild, cache))
            times.append(time.perf_counter() - t)
        rows[name] = (statistics.median(times), statistics.median(sizes))
    ref = rows["reference: tick without training"][0]
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
