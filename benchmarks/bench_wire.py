"""What the player's wire (lab/player/wire.py) costs and how close what it sends is, at
the largest network the app offers (7-8-8-8-8-2: every feature, four hidden layers of 8,
L2), over settings a class would use.

Run:  python benchmarks/bench_wire.py [--seconds 20] [--repeats 5]

Per setting (dataset spiral, as hard as the sets get): ``--seconds`` of playback (60
snapshots/s) cut into replies of 1.5 s (player.js BATCH), each encoded as the server does.
Reported: KB/s of replies as sent (gzipped as Streamlit's middleware does, level 5) and
raw; the same replies with every snapshot as float32 θ (the wire before the steps) as the
reference in the same process, and the ratio; the median encode time of a reply; and how close the decoded
snapshots are: the largest |θ − θ sent| over every parameter of every snapshot, and
the largest difference of any neuron's map (every layer's activation over the player's
GRID × GRID grid) from the exact float64 weights, in colour levels of the maps (2/255).
Encode times are medians over ``--repeats`` runs with min–max.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from streamlit.web.server.starlette.starlette_server_config import GZIP_COMPRESSLEVEL

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lab.player.view import GRID
from lab.player.wire import HEADER, Format
from nncore import FEATURES, MLP, Trainer, datasets
from nncore.features import expand

SIZES = (7, 8, 8, 8, 8, 2)
REPLY = 90  # snapshots a reply holds (1.5 s at 60/s)
SETTINGS = [  # (learning rate, batch size, steps/s)
    (0.1, 32, 300), (0.03, 32, 300), (0.01, 1, 100), (0.1, 32, 3000), (0.1, 32, 30),
]


def trajectory(lr: float, batch: int, rate: int, n: int):
    X, Y = datasets.make("spiral", n=400, seed=0)[:2]
    feats = list(FEATURES)
    net = MLP(SIZES, seed=0, regularization="L2", reg_rate=0.01)
    t = Trainer(net, expand(X, feats), Y, lr=lr, batch_size=batch)
    tr = t.trace(n, max(1, -(-rate // 60)))
    g = np.linspace(-6, 6, GRID)
    grid = expand(np.array(np.meshgrid(g, g)).reshape(2, -1).T, feats)
    return net, tr, grid


def maps(net: MLP, theta, grid) -> np.ndarray:
    net.set_flat(theta)
    return np.concatenate([a.ravel() for a in net.forward(grid).A[1:-1]])


def one(lr, batch, rate, seconds, repeats) -> dict:
    f = Format(SIZES)
    net, tr, grid = trajectory(lr, batch, rate, int(seconds * 60))
    snaps = f.snapshots(tr.steps, tr.epochs, tr.theta)
    exact = np.asarray(tr.theta, dtype=np.float64)
    sent = raw = ref = 0
    times, theta_err, map_err = [], 0.0, 0.0
    for i in range(0, len(snaps), REPLY):
        part = snaps[i:i + REPLY]
        best = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            reply = f.encode(0, 0, 0, 0, part, f.epochs([]))
            best.append(time.perf_counter() - t0)
        times.append(statistics.median(best))
        raw += len(reply)
        sent += len(gzip.compress(reply, GZIP_COMPRESSLEVEL, mtime=0))
        ref += HEADER.itemsize + part.nbytes
        d = f.decode(reply)["snapshots"]
        theta_err = max(theta_err, float(np.abs(d["theta"] - part["theta"]).max()))
        for k in range(0, len(part), 15):  # 6 snapshots of each reply: every maps' pixel
            map_err = max(map_err, float(np.abs(maps(net, d["theta"][k], grid)
                                                - maps(net, exact[i + k], grid)).max()))
    s = len(snaps) / 60
    return {"sent KB/s": sent / s / 1e3, "raw KB/s": raw / s / 1e3,
            "float32 KB/s": ref / s / 1e3, "ratio": sent / ref,
            "encode ms/reply": 1e3 * statistics.median(times),
            "max |Δθ|": theta_err, "max map Δ (colour levels)": map_err / (2 / 255),
            "snapshots": len(snaps)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--seconds", type=float, default=20.0)
    ap.add_argument("--repeats", type=int, default=5)
    a = ap.parse_args()
    print(f"Network {'-'.join(map(str, SIZES))}, spiral, replies of {REPLY} snapshots")
    for lr, batch, rate in SETTINGS:
        r = one(lr, batch, rate, a.seconds, a.repeats)
        print(f"lr {lr:<5} batch {batch:<3} {rate:>5} steps/s ({r['snapshots']} snapshots): "
              f"sent {r['sent KB/s']:5.1f} KB/s (raw {r['raw KB/s']:5.1f}, float32 "
              f"{r['float32 KB/s']:5.1f}, ratio {r['ratio']:.2f}); encode "
              f"{r['encode ms/reply']:.2f} ms/reply; max |Δθ| {r['max |Δθ|']:.1e}; "
              f"max map Δ {r['max map Δ (colour levels)']:.2f} colour levels")


if __name__ == "__main__":
    main()
