"""Server side of live training per playing session, without Streamlit: the pull
protocol's cost (training + snapshot encoding) and its bytes, as medians with spread.

Run:  python benchmarks/bench_tick.py [--seconds 3] [--repeats 5]

Simulates the player at a given speed: every 0.25 s of playback it asks for the snapshots
it lacks (as player.js does), and the server answers, then trains the next request's
snapshots (lab/player/protocol.py: answer, prefetch). Reports
server CPU per second of playback and reply bytes per second; the reference in the same
process is the bare training of the same number of steps (Trainer.step), which is what
the protocol adds overhead to. Streamlit's own per-request cost is measured by
bench_load.py against a real server.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from st_client import player_constants

from lab.player import protocol as P
from lab.state import Settings, new_lab
from lab.training import toggle

PERIOD = player_constants()[1]  # seconds of playback per request (player.js: BATCH)


def session(speed: float, seconds: float) -> tuple[float, float, int]:
    """(server seconds, reply bytes, steps) for ``seconds`` of playback at ``speed``."""
    lab = new_lab(Settings(epochs_limit=10**9))
    toggle(lab)  # Play
    ps = P.sync(lab)
    want = max(1, round(PERIOD / P.interval_for(speed)))
    have, ehave, cpu, size = 0, -1, 0.0, 0
    for seq in range(1, round(seconds / PERIOD) + 1):
        t = time.process_time()
        raw = P.answer(lab, {"run": lab.generation, "stream": ps.stream, "have": have,
                             "shown": have, "want": want, "seq": seq, "ehave": ehave}, speed)
        P.prefetch(lab, speed)  # as the feed's fragment does once the reply has left
        cpu += time.process_time() - t
        d = ps.fmt.decode(raw)
        size += len(raw)
        if d["n_snap"]:
            have = int(d["snapshots"]["step"][-1])
        if d["n_epoch"]:
            ehave = int(d["epochs"]["epoch"][-1])
    return cpu, size, lab.trainer.steps


def bare(steps: int) -> float:
    lab = new_lab(Settings(epochs_limit=10**9))
    t = time.process_time()
    lab.trainer.step(steps)
    return time.process_time() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    print(f"Per playing session, {a.seconds:g} s of playback, median (min-max) of {a.repeats}:")
    print(f"  {'speed':>8} {'steps/s':>8} {'CPU ms/s':>16} {'bare ms/s':>10} {'KB/s':>14}")
    for speed in (30, 300, 1000, 3000):
        rows = [session(speed, a.seconds) for _ in range(a.repeats)]
        cpu = sorted(r[0] / a.seconds * 1e3 for r in rows)
        kb = sorted(r[1] / a.seconds / 1e3 for r in rows)
        steps = rows[0][2]
        ref = statistics.median(bare(steps) for _ in range(a.repeats)) / a.seconds * 1e3
        print(f"  {speed:>8} {steps / a.seconds:>8.0f} {statistics.median(cpu):>6.1f} "
              f"({cpu[0]:.1f}-{cpu[-1]:.1f}) {ref:>10.1f} {statistics.median(kb):>5.1f} "
              f"({kb[0]:.1f}-{kb[-1]:.1f})")


if __name__ == "__main__":
    main()
