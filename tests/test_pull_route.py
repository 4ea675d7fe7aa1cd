"""The pull route (lab/player/route.py): who may pull, what a busy or unstarted session
answers, the same reply bytes as the feed's, the session's lock, and training ahead for
many sessions in one pass giving each exactly what its own prefetch gives."""

from __future__ import annotations

import json
import threading

import numpy as np
import pytest

from lab.player import protocol as P
from lab.player import route as R
from lab.player.wire import Format
from lab.state import Settings, hand_settings, new_lab
from lab.training import toggle

RATE = P.DEFAULT_RATE
F = Format((2, 3, 4, 2))


class Noted:
    """Stands for the pull thread: notes the sessions it is asked to train ahead."""

    def __init__(self):
        self.asked = []

    def ahead(self, lab, rate):
        self.asked.append((lab, rate))


def serve(raw: bytes, pulls=None):
    return R.serve(raw, pulls if pulls is not None else Noted())


def playing(seed=0, guarded=True):
    lab = new_lab(Settings(seed=seed))
    lab.guarded = guarded
    with lab.lock:
        toggle(lab)
    return lab


def body(lab, have=0, want=10, seq=1, rate=RATE, token=None, **extra) -> bytes:
    ps = lab.player
    msg = {"run": lab.generation, "stream": ps.stream, "have": have, "want": want, "seq": seq,
           "ehave": -1, "shown": have, "rate": rate,
           "token": R.register(lab) if token is None else token} | extra
    return json.dumps(msg).encode()


def started(lab) -> bytes:
    """The stream's first pull, through the feed (under the session's lock)."""
    with lab.lock:
        return P.answer(lab, json.loads(body(lab)), RATE)


def test_who_may_pull():
    lab = playing()
    started(lab)
    steps = lab.trainer.steps
    assert serve(body(lab, token="not-a-session")) == (R.UNKNOWN, b"")
    assert serve(body(lab, token=5)) == (R.UNKNOWN, b"")
    assert serve(b"{not json")[0] == R.BAD
    assert serve(b"[1, 2]")[0] == R.BAD
    assert serve(b" " * (R.MAX_BODY + 1))[0] == R.BAD
    for rate in (7, "300", True, None):
        assert serve(body(lab, rate=rate))[0] == R.BAD
    assert serve(body(lab, have="x"))[0] == R.BAD
    assert serve(body(lab, seq=-1))[0] == R.BAD
    assert lab.trainer.steps == steps  # none of them trained


def test_a_session_that_ends_leaves_the_route():
    lab = playing()
    token = R.register(lab)
    assert R._labs.get(token) is lab
    del lab
    import gc
    gc.collect()
    assert R._labs.get(token) is None


def test_a_stream_starting_from_an_earlier_frame_and_a_busy_session_go_through_the_feed():
    lab = playing()
    started(lab)
    with lab.lock:
        P.prefetch(lab, RATE)  # trained ahead of the screen
        lab.player.new_stream(keep_marks=True)  # the speed changed while playing
    steps = lab.trainer.steps
    # its first pull takes training back to the frame on screen: the feed (its rerun
    # writes the journal to the address)
    assert serve(body(lab, have=20)) == (R.BUSY, b"")
    assert lab.trainer.steps == steps
    with lab.lock:
        P.answer(lab, json.loads(body(lab, have=20)), RATE)
    # a setting changed while paused: Play's first pull hands it over: the feed too
    other = playing()
    with other.lock:
        other.settings = Settings(lr=0.3)
    assert serve(body(other)) == (R.BUSY, b"")
    held, release = threading.Event(), threading.Event()

    def rerun():  # a script run holds the session
        with lab.lock:
            held.set()
            release.wait()
    th = threading.Thread(target=rerun)
    th.start()
    held.wait()
    try:
        steps = lab.trainer.steps
        assert serve(body(lab, have=steps, seq=2)) == (R.BUSY, b"")
        assert lab.trainer.steps == steps
    finally:
        release.set()
        th.join()
    noted = Noted()
    status, reply = serve(body(lab, have=5, seq=3), noted)
    assert status == 200 and F.decode(reply)["seq"] == 3
    assert noted.asked == [(lab, float(RATE))]  # then it trains ahead


def test_play_from_where_training_is_starts_over_the_route():
    lab = playing()
    status, reply = serve(body(lab, want=30))  # the stream's first pull
    assert status == 200 and F.decode(reply)["snapshots"]["step"][0] == P.stride_for(RATE)
    assert len(F.decode(reply)["snapshots"]) == P.FIRST_REPLY


def test_a_route_reply_is_the_feeds_reply_bit_for_bit():
    a, b = playing(seed=2), playing(seed=2)
    for lab in (a, b):
        started(lab)
        with lab.lock:
            P.prefetch(lab, RATE)
    have = 10 * P.stride_for(RATE)  # the first reply's last step
    with a.lock:
        feed = P.answer(a, json.loads(body(a, have=have, want=20, seq=4)), RATE)
    status, routed = serve(body(b, have=have, want=20, seq=4))
    assert status == 200 and routed == feed and len(F.decode(routed)["snapshots"]) > 0


def test_an_app_session_changed_without_its_lock_is_an_error():
    lab = playing()
    with pytest.raises(RuntimeError, match="lock"):
        hand_settings(lab)
    with pytest.raises(RuntimeError, match="lock"):
        P.sync(lab)
    with lab.lock:
        hand_settings(lab)
    hand_settings(playing(guarded=False))  # a Lab outside the app (notebooks, tests): free


def snapshots(lab) -> np.ndarray:
    return lab.player.snapshots


def test_training_ahead_together_is_each_sessions_own_prefetch(monkeypatch):
    """Six sessions (two learning rates: two groups) pulled once each; the pull thread
    trains them ahead together; each equals a twin whose own prefetch trained it."""
    # a prefetch stops at a share of the playback time it buys: on a loaded machine the
    # twins' would train less (a clean-clone run); here it trains all it is asked for
    monkeypatch.setattr(P, "CPU_SHARE", 1e6)
    labs = [playing(seed=s % 3) for s in range(6)]
    twins = [playing(seed=s % 3) for s in range(6)]
    for i, lab in enumerate(labs + twins):
        if i % 6 >= 4:
            with lab.lock:
                lab.settings = Settings(seed=i % 3, lr=0.3)
                hand_settings(lab)
        started(lab)
    pulls = R.PullThread()
    have = 10 * P.stride_for(RATE)
    for lab, twin in zip(labs, twins):
        with twin.lock:
            P.answer(twin, json.loads(body(twin, have=have, want=40, seq=2)), RATE)
            assert P.prefetch(twin, RATE) == 50
        fut = pulls.answer(body(lab, have=have, want=40, seq=2))
        assert fut.result(timeout=60)[0] == 200
    # each answer asked the thread to train ahead: it gathers them into passes
    deadline = threading.Event()
    for _ in range(6000):  # waits on the thread's counter, not on the clock
        if pulls.trained >= 6 * 50:
            break
        deadline.wait(0.01)
    assert pulls.trained == 6 * 50 and pulls.passes >= 1  # ⌈1.25 × 40⌉ each
    for lab, twin in zip(labs, twins):
        assert snapshots(lab).tobytes() == snapshots(twin).tobytes()
        assert lab.trainer.steps == twin.trainer.steps
        assert lab.trainer.net.get_flat().tobytes() == twin.trainer.net.get_flat().tobytes()
        # the marks (one per training call: a loaded machine may split a prefetch in two)
        # take either back to the same step bit for bit
        back = have + 7 * P.stride_for(RATE)
        for x in (lab, twin):
            with x.lock:
                assert P.replay_to(x, back)
        assert lab.trainer.net.get_flat().tobytes() == twin.trainer.net.get_flat().tobytes()


def test_the_pull_thread_lives_through_a_failed_pass(monkeypatch, caplog):
    lab = playing()
    started(lab)
    pulls = R.PullThread()

    def broken(work):
        raise MemoryError("no room")
    monkeypatch.setattr(R, "train_many", broken)
    pulls.ahead(lab, float(RATE))
    for _ in range(6000):  # the pass ran (and failed): waits on the log, not the clock
        if "training ahead failed" in caplog.text:
            break
        threading.Event().wait(0.01)
    assert "training ahead failed" in caplog.text
    status, reply = pulls.answer(body(lab, have=50, seq=9)).result(timeout=60)
    assert status == 200 and F.decode(reply)["seq"] == 9
