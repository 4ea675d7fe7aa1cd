"""Server time of the page's first render and of single clicks (Streamlit AppTest, in-process).

    python benchmarks/bench_views.py [--repeat 7] [--app PATH]

Each figure is the median (and min–max) over ``--repeat`` fresh sessions of the wall time of
one ``AppTest.run()``: the first render, then one click of each kind a user makes. The
reference is a bare page (one markdown line) rendered in the same process, so the ratio
does not depend on how busy the machine is. ``--app`` measures another checkout's app.py
(e.g. the version before a change, from ``git worktree add``).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

from streamlit.testing.v1 import AppTest

REPO = Path(__file__).resolve().parents[1]


def timed(fn) -> float:
    t0 = time.perf_counter()
    fn()
    return (time.perf_counter() - t0) * 1000.0


def clicks(at: AppTest) -> dict[str, float]:
    out = {"first render": timed(at.run)}
    out["Next stage"] = timed(lambda: at.button(key="next_stage").click().run())
    out["sample index 7"] = timed(lambda: at.number_input(key="sample_index").set_value(7).run())
    out["learning rate 0.3"] = timed(lambda: at.select_slider(key="lr").set_value(0.3).run())
    for name in out:
        assert not at.exception, (name, [e.message for e in at.exception])
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--app", default=str(REPO / "app.py"))
    args = ap.parse_args()
    app = Path(args.app).resolve()
    sys.path.insert(0, str(app.parent))
    with tempfile.TemporaryDirectory() as tmp:
        bare = Path(tmp) / "bare.py"
        bare.write_text("import streamlit as st\nst.markdown('hello')\n")
        runs, ref = [], []
        for _ in range(args.repeat):
            at = AppTest.from_file(str(app), default_timeout=120)
            runs.append(clicks(at))
            ref.append(timed(AppTest.from_file(str(bare)).run))
    r = statistics.median(ref)
    print(f"{app}: medians of {args.repeat} sessions (ms; min–max; ratio to a bare page "
          f"of {r:.1f} ms)")
    for name in runs[0]:
        xs = [run[name] for run in runs]
        m = statistics.median(xs)
        print(f"  {name:<20} {m:8.1f}   ({min(xs):.1f}–{max(xs):.1f})   ×{m / r:6.1f}")


if __name__ == "__main__":
    main()
