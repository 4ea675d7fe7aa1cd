"""The player's wire format and protocol, without a browser (lab/player/)."""

import numpy as np
import pytest

from lab.player import protocol as P
from lab.player.turns import Turns
from lab.player.wire import FINAL, FLT_MAX, HEADER, STEP, Format, to_f32
from lab.state import Settings, change, new_lab, reset
from lab.training import pull, settle, step_batch, step_epoch, toggle

RATE = P.DEFAULT_RATE  # stride 5
F = Format((2, 3, 4, 2))


def playing(**settings):
    lab = new_lab(Settings(**settings))
    toggle(lab)  # Play
    return lab


def req(lab, have, want=10, seq=1, ehave=-1, shown=None, run=None, stream=None):
    ps = P.sync(lab)
    return {"run": lab.generation if run is None else run,
            "stream": ps.stream if stream is None else stream, "have": have, "want": want,
            "seq": seq, "ehave": ehave, "shown": have if shown is None else shown}


def ask(lab, have, rate=RATE, **kw) -> bytes:
    return P.answer(lab, req(lab, have, **kw), rate)


def steps_of(raw: bytes) -> list[int]:
    return F.decode(raw)["snapshots"]["step"].tolist()


def assert_sent(snap, theta, f=F) -> None:
    """A decoded snapshot holds ``theta``: within its s/2 of every tensor of the float32
    value (exactly that value for a keyframe)."""
    err = np.abs(snap["theta"] - np.float32(theta).astype(np.float64))
    assert np.all(err <= snap["half"][f.tensor_of]), (err.max(), snap["half"])


def trained(settings: dict, steps: int):
    """An independent Lab trained ``steps`` steps in one call: what going back must give."""
    lab = new_lab(Settings(**settings))
    lab.trainer.step(steps)
    return lab


def same_run(lab, ref) -> None:
    """Bit for bit: weights, counters, history, latest metrics."""
    t, r = lab.trainer, ref.trainer
    assert (t.steps, t.epoch) == (r.steps, r.epoch)
    np.testing.assert_array_equal(lab.net.get_flat(), ref.net.get_flat())
    assert repr(t.history) == repr(r.history) and t.history.train_loss == r.history.train_loss
    assert t.latest == r.latest


# ------------------------------------------------------------------ the wire
def test_round_trip_keeps_every_field_and_float32_values():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=F.n_params)
    m = {"epoch": 1, "steps": 7, "train_loss": 0.5, "test_loss": None, "train_acc": 0.75,
         "test_acc": None, "grad_norm": [1.0, 2.0, 3.0], "saturation": [0.1, 0.2]}
    raw = F.encode(3, 4, 9, FINAL, F.snapshots([7], [1], [theta]), F.epochs([m]))
    assert len(raw) == HEADER.itemsize + F.snapshot.itemsize + F.epoch.itemsize == 24 + 148 + 44
    d = F.decode(raw)
    assert (d["run"], d["stream"], d["seq"], d["flags"], d["n_snap"], d["n_epoch"]) == (
        3, 4, 9, FINAL, 1, 1)
    s = d["snapshots"][0]
    assert s["step"] == 7 and s["epoch"] == 1
    np.testing.assert_array_equal(s["theta"], theta.astype(np.float32))
    e = d["epochs"][0]
    assert e["epoch"] == 1 and e["step"] == 7
    assert np.isnan(e["metrics"][1]) and np.isnan(e["metrics"][3])  # no test set: NaN, not 0
    np.testing.assert_array_equal(e["metrics"], np.float32([0.5, np.nan, 0.75, np.nan, 1, 2,
                                                            3, 0.1, 0.2]))


@pytest.mark.parametrize("sizes, n_params, n_metrics", [((2, 3, 4, 2), 35, 9), ((2, 2), 6, 5),
                                                        ((7, 8, 8, 8, 8, 1), 289, 13)])
def test_every_size_derives_from_the_layer_widths(sizes, n_params, n_metrics):
    f = Format(sizes)
    assert (f.n_params, f.n_metrics) == (n_params, n_metrics)
    assert f.snapshot.itemsize == 8 + 4 * n_params and f.epoch.itemsize == 8 + 4 * n_metrics


def test_huge_values_are_clipped_before_the_float32_cast():
    big = [1e39, -1e39, np.inf, -np.inf, 3e38, 1.5]
    theta = np.zeros(F.n_params)
    theta[:4] = [1e39, -1e39, 5e38, 1e300]
    m = {"epoch": 1, "steps": 1, "train_loss": 1e39, "test_loss": np.inf, "train_acc": 1,
         "test_acc": 1, "grad_norm": big[:3], "saturation": [0, 0]}
    d = F.decode(F.encode(0, 0, 0, 0, F.snapshots([1], [0], [theta]), F.epochs([m])))
    s, e = d["snapshots"][0], d["epochs"][0]
    assert np.all(np.isfinite(s["theta"])) and np.all(np.isfinite(e["metrics"]))
    assert s["theta"][0] == FLT_MAX and s["theta"][1] == -FLT_MAX
    np.testing.assert_array_equal(e["metrics"][:2], np.float32([FLT_MAX, FLT_MAX]))
    np.testing.assert_array_equal(to_f32(big), np.float32(
        [FLT_MAX, -FLT_MAX, FLT_MAX, -FLT_MAX, 3e38, 1.5]))


def test_nan_metrics_stay_nan_and_nan_parameters_are_refused():
    assert np.isnan(to_f32([np.nan])[0])
    theta = np.zeros(F.n_params)
    theta[5] = np.nan
    with pytest.raises(ValueError, match="finite"):
        F.snapshots([1], [0], [theta])
    with pytest.raises(ValueError, match="35"):
        F.snapshots([1], [0], [np.zeros(34)])
    with pytest.raises(ValueError, match="35"):
        F.snapshots([1], [0], np.zeros(70))  # flat: not two snapshots by accident
    with pytest.raises(ValueError, match="counters"):
        F.snapshots([1, 2], [0], np.zeros((2, 35)))


def test_decode_rejects_foreign_or_truncated_bytes():
    raw = F.encode(0, 0, 0, 0, F.snapshots([1], [0], np.zeros((1, 35))), F.epochs([]))
    with pytest.raises(ValueError):
        F.decode(raw[:-4])
    with pytest.raises(ValueError):
        F.decode(b"XXXX" + raw[4:])


def walk(f, n, seed=0, scale=0.5):
    """n float32 parameter vectors of a random walk: each tensor moves at its own pace
    (W¹ fast, the last bias barely)."""
    rng = np.random.default_rng(seed)
    pace = np.geomspace(1.0, 1e-5, f.n_tensors)[f.tensor_of]
    steps = rng.normal(size=(n, f.n_params)) * scale * pace
    return f.snapshots(np.arange(1, n + 1), np.arange(n) // 7,
                       rng.normal(size=f.n_params) + np.cumsum(steps, axis=0))


@pytest.mark.parametrize("sizes", [(2, 3, 4, 2), (7, 8, 8, 8, 8, 2), (1, 1)])
def test_after_a_keyframe_each_snapshot_is_a_step_that_never_drifts(sizes):
    f = Format(sizes)
    snaps = walk(f, 120)
    raw = f.encode(1, 2, 3, 0, snaps, f.epochs([]))
    assert len(raw) == f.size(120, 0) == (24 + 8 + 4 * f.n_params
                                          + 119 * (8 + 4 * f.n_tensors + f.n_params))
    d = f.decode(raw)["snapshots"]
    assert d["step"].tolist() == snaps["step"].tolist()
    assert d["epoch"].tolist() == snaps["epoch"].tolist()
    np.testing.assert_array_equal(d["theta"][0], snaps["theta"][0])  # the keyframe: float32
    assert np.all(d["half"][0] == 0)
    for got, sent in zip(d[1:], snaps[1:]):  # to the last: errors never add up
        assert_sent(got, sent["theta"], f)
    # each tensor its own scale: one that barely moves is sent to within STEP / 2
    assert np.all(d["half"][1:, -1] == STEP / 2) and np.mean(d["half"][1:, 0] * 2 > STEP) > 0.9


def test_a_step_decodes_to_the_same_bits_as_the_arithmetic_wire_js_does():
    f = Format((2, 3, 4, 2))
    snaps = walk(f, 5)
    raw = f.encode(0, 0, 0, 0, snaps, f.epochs([]))
    d = f.decode(raw)["snapshots"]
    m, off = 4, 24 + f.snapshot.itemsize + 8 * 4
    scales = np.frombuffer(raw, "<f4", f.n_tensors * m, off).reshape(f.n_tensors, m)
    qs = np.frombuffer(raw, "i1", f.n_params * m, off + 4 * f.n_tensors * m).reshape(-1, m)
    here = [float(x) for x in snaps["theta"][0]]
    for k in range(m):  # one multiply and one add, parameter by parameter, in float64
        here = [here[i] + float(qs[i, k]) * float(scales[f.tensor_of[i], k])
                for i in range(f.n_params)]
        assert here == d["theta"][k + 1].tolist()
    assert np.abs(qs).max() == 127  # every tensor's largest move takes the full int8 range


def test_a_huge_jump_and_a_non_finite_snapshot_in_a_reply():
    f = Format((2, 3, 4, 2))
    snaps = walk(f, 6)
    snaps["theta"][2, 3] = 3e38  # (the trainer never sends this; the wire holds anyway)
    snaps["theta"][4, 0] = np.nan  # (the encoder refuses these; a crafted reply has one)
    d = f.decode(f.encode(0, 0, 0, 0, snaps, f.epochs([])))["snapshots"]
    assert_sent(d[2], snaps["theta"][2], f)
    assert np.all(np.isnan(d["theta"][4])) and np.all(np.isnan(d["half"][4]))
    assert_sent(d[5], snaps["theta"][5], f)  # stepped from the one before the NaN
    assert np.all(np.isfinite(d["theta"][[0, 1, 2, 3, 5]]))


def test_a_reply_of_the_largest_network_is_a_quarter_of_float32s():
    f = Format((7, 8, 8, 8, 8, 2))
    assert f.size(90, 0) / (24 + 90 * f.snapshot.itemsize) < 0.3


def test_stride_and_interval_follow_the_speed():
    assert [P.stride_for(s) for s in (1, 60, 61, 300, 10000)] == [1, 1, 2, 5, 167]
    assert P.interval_for(1) == 1.0 and P.interval_for(300) == pytest.approx(1 / 60)


# ------------------------------------------------------------------ pulls
def test_pull_trains_what_is_missing_one_snapshot_per_stride():
    lab = playing()
    raw = ask(lab, have=0, want=10)
    assert steps_of(raw) == list(range(5, 55, 5)) and lab.trainer.steps == 50
    d = F.decode(raw)
    assert d["flags"] == 0 and (d["run"], d["stream"]) == (lab.generation, lab.player.stream)
    # each snapshot holds the weights of its step: the last is lab.net now
    assert_sent(d["snapshots"][-1], lab.net.get_flat())
    assert d["snapshots"]["epoch"].tolist() == [(s - 1) // 9 + (s % 9 == 0) for s in
                                               range(5, 55, 5)]  # 9 steps per epoch


def test_snapshots_are_the_weights_step_by_step_training_passes_through():
    lab = playing()
    twin = new_lab(Settings())
    d = F.decode(ask(lab, have=0, want=12, rate=1000))  # stride 17: epochs end inside strides
    for snap in d["snapshots"]:
        twin.trainer.step(int(snap["step"]) - twin.trainer.steps)
        assert snap["epoch"] == twin.trainer.epoch
        assert_sent(snap, twin.net.get_flat())


def test_a_lost_reply_is_sent_again_without_training_more():
    lab = playing()
    first = ask(lab, have=0, want=8, seq=1)
    steps = lab.trainer.steps
    # the fragment run that carried `first` was interrupted: the player asks again
    again = ask(lab, have=0, want=8, seq=2)
    assert lab.trainer.steps == steps and steps_of(again) == steps_of(first)
    assert F.decode(again)["seq"] == 2


def test_a_gap_is_filled_and_duplicates_are_not_sent():
    lab = playing()
    got = steps_of(ask(lab, have=0, want=6))
    # the player holds up to the third snapshot only (a reply partly lost): it gets the rest
    part = steps_of(ask(lab, have=got[2], want=6))
    assert part == got[3:]  # what is ready, untrained: the player asks again sooner
    P.prefetch(lab, RATE)
    more = steps_of(ask(lab, have=got[2], want=8))
    assert more[:3] == got[3:] and len(more) == 8 and more == sorted(set(more))


def test_paused_costs_nothing():
    lab = new_lab()
    raw = ask(lab, have=0, want=30)
    assert steps_of(raw) == [] and lab.trainer.steps == 0 and P.prefetch(lab, RATE) == 0


def test_a_pull_for_another_run_or_stream_trains_nothing_and_names_the_current_ones():
    lab = playing()
    ask(lab, have=0, want=10)
    old_run, old_stream = lab.generation, lab.player.stream
    reset(lab)
    toggle(lab)
    for kw in ({"run": old_run}, {"stream": old_stream}):
        stale = F.decode(ask(lab, have=50, want=10, **kw))
        assert stale["n_snap"] == 0 and lab.trainer.steps == 0
        assert (stale["run"], stale["stream"]) == (lab.generation, lab.player.stream)
        assert P.prefetch(lab, RATE) == 0
    fresh = steps_of(ask(lab, have=0, want=3))
    assert fresh == [5, 10, 15] and len(lab.player.snapshots) == 3


def play_out(lab, rate=RATE, want=60, pulls=200):
    """Pull as the player does (``have`` = the last step received, prefetching after each
    reply) until a reply is FINAL; then the player plays its queue out and settles on the
    last frame. Returns the replies."""
    replies, have = [], 0
    for seq in range(1, pulls):
        raw = ask(lab, have=have, want=want, seq=seq, rate=rate)
        replies.append(raw)
        have = max([have, *steps_of(raw)])
        if F.decode(raw)["flags"] & FINAL:
            assert settle(lab, {"run": lab.generation, "stream": lab.player.stream,
                                "step": have, "seq": lab.player.settled + 1})
            return replies
        P.prefetch(lab, rate)
    raise AssertionError("no FINAL reply")


def test_divergence_ends_the_run_and_never_sends_non_finite_weights():
    lab = playing(lr=10.0, batch_size=1, momentum=0.9)
    replies = play_out(lab, rate=1000)
    assert lab.trainer.diverged and not lab.running
    for raw in replies:
        assert np.all(np.isfinite(F.decode(raw)["snapshots"]["theta"]))
    last = F.decode(replies[-1])  # the reply with the last snapshot says so
    assert last["flags"] & FINAL and last["snapshots"]["step"][-1] == lab.trainer.steps
    assert not any(F.decode(r)["flags"] & FINAL for r in replies[:-1])


def test_the_epoch_limit_is_never_passed():
    lab = playing(epochs_limit=2)
    first = F.decode(ask(lab, have=0, want=5, rate=10000))  # stride 167 > one epoch (9 steps)
    assert lab.trainer.epoch == 2 and lab.running  # the player has not drawn it yet
    assert first["flags"] & FINAL and P.prefetch(lab, 10000) == 0  # nothing more to train


@pytest.mark.parametrize("limit", [1, 2, 5])
@pytest.mark.parametrize("batch_size", [1, 32, 128])
@pytest.mark.parametrize("rate", [300, 3000, 10000])
def test_strides_of_any_length_stop_exactly_at_the_limit(limit, batch_size, rate):
    lab = playing(epochs_limit=limit, batch_size=batch_size)
    play_out(lab, rate=rate)
    n = lab.data.X_train.shape[0]
    assert lab.trainer.epoch == limit and not lab.running
    assert lab.trainer.steps == limit * -(-n // batch_size)


def test_epoch_records_after_ehave_only():
    lab = playing()
    d = F.decode(ask(lab, have=0, want=30))
    epochs = d["epochs"]["epoch"].tolist()
    assert epochs and epochs == sorted(epochs) and epochs[-1] == lab.trainer.epoch
    later = F.decode(ask(lab, have=lab.trainer.steps, want=1, ehave=epochs[-1], seq=2))
    assert all(e > epochs[-1] for e in later["epochs"]["epoch"].tolist())


def test_training_per_request_is_bounded_by_a_cpu_share():
    lab = playing()
    ask(lab, have=0, want=60)
    assert P.prefetch(lab, RATE) == 75  # 1.25 s of playback trains in far less than 0.6 s
    assert len(lab.player.snapshots) == P.FIRST_REPLY + 75
    lab = playing()
    P.CPU_SHARE, share = 0.0, P.CPU_SHARE  # no time at all: one snapshot, then stop
    try:
        ask(lab, have=0, want=60)
    finally:
        P.CPU_SHARE = share
    assert len(lab.player.snapshots) == 1


@pytest.mark.parametrize("bad", [None, 3, {}, {"run": 0}, {"run": "x", "stream": 1, "have": 0,
                                                                "want": 1, "seq": 0}])
def test_malformed_requests_are_ignored(bad):
    lab = playing()
    assert pull(lab, bad, RATE) is None and lab.trainer.steps == 0


def test_want_is_capped():
    r = P.parse_request({"run": 0, "stream": 0, "have": 0, "want": 10**6, "seq": 1})
    assert r["want"] == P.MAX_WANT


@pytest.mark.parametrize("field, value", [("seq", -1), ("seq", 2**32), ("run", 2**40),
                                          ("stream", -3)])
def test_counters_that_do_not_fit_the_wire_are_refused(field, value):
    base = {"run": 0, "stream": 0, "have": 0, "want": 1, "seq": 1}
    assert P.parse_request({**base, field: value}) is None


def test_step_counters_are_clamped_to_the_wire():
    r = P.parse_request({"run": 0, "stream": 0, "have": 10**30, "want": 1, "seq": 1,
                         "shown": -10**30, "ehave": 10**30})
    assert (r["have"], r["shown"], r["ehave"]) == (P.U32, -1, P.U32)


def test_sessions_train_in_turns_in_arrival_order():
    """Turns: one trainer at a time, and a release hands over to the oldest waiter (a
    plain Lock lets the releasing thread barge back in)."""
    import threading
    import time

    turns, order, inside = Turns(), [], []

    def session(i):
        with turns:
            inside.append(i)
            assert len(inside) == 1  # nobody else trains meanwhile
            order.append(i)
            time.sleep(0.001)
            inside.remove(i)

    turns.__enter__()  # the lock is busy: everybody queues
    threads = []
    for i in range(6):
        threads.append(threading.Thread(target=session, args=(i,)))
        threads[-1].start()
        deadline = time.monotonic() + 5
        while len(turns._waiters) < i + 1 and time.monotonic() < deadline:
            time.sleep(0.001)
    turns.__exit__(None, None, None)
    for th in threads:
        th.join(5)
    assert order == list(range(6))
    assert not turns._held and not turns._waiters



# ------------------------------------------------------------------ answer first
def test_a_pull_is_answered_from_what_was_trained_before_it():
    lab = playing()
    s, f = P.stride_for(RATE), P.FIRST_REPLY
    # nothing ready (the stream's first pull): a short reply, trained before it
    first = steps_of(ask(lab, have=0, want=20))
    assert first == [s * (i + 1) for i in range(f)] and lab.trainer.steps == f * s
    assert P.prefetch(lab, RATE) == 25 and lab.trainer.steps == (f + 25) * s  # 1.25 × 20
    assert P.prefetch(lab, RATE) == 0  # once per pull
    second = steps_of(ask(lab, have=f * s, want=20, seq=2))
    assert second == [s * (f + i + 1) for i in range(20)] and lab.trainer.steps == (f + 25) * s
    assert P.prefetch(lab, RATE) == 20 and lab.trainer.steps == (f + 45) * s  # 25 ready again
    # asked for more than is ready: what is ready, untrained (the player asks again sooner)
    third = steps_of(ask(lab, have=(f + 20) * s, want=40, seq=3))
    assert third == [s * (f + i + 21) for i in range(25)] and lab.trainer.steps == (f + 45) * s
    # nothing ready at all: the short reply again, trained before it
    fourth = steps_of(ask(lab, have=(f + 45) * s, want=30, seq=4))
    assert fourth == [s * (f + i + 46) for i in range(f)]
    assert f < 20  # (the cases above need a first reply shorter than the pulls)


def test_prefetch_trains_nothing_when_paused_or_for_a_new_run():
    lab = playing()
    ask(lab, have=0, want=10)
    lab.running = False
    assert P.prefetch(lab, RATE) == 0
    lab.running = True
    ask(lab, have=10, want=10, seq=2)
    reset(lab)
    toggle(lab)
    assert P.prefetch(lab, RATE) == 0 and lab.trainer.steps == 0


# ------------------------------------------------------------------ settling and streams
SET = {"momentum": 0.9, "batch_size": 16}


def pulls(lab, n, want=60, rate=RATE):
    """n pulls as the player makes them (``shown`` = the first step of the previous reply),
    each followed by the prefetch; returns the steps received."""
    got, have, shown = [], 0, 0
    for seq in range(1, n + 1):
        new = steps_of(ask(lab, have=have, want=want, seq=seq, shown=shown, rate=rate))
        if new:
            shown, have = new[0], new[-1]
        got += new
        P.prefetch(lab, rate)
    return got


def settle_at(lab, step, seq=None):
    ps = lab.player
    return settle(lab, {"run": lab.generation, "stream": ps.stream, "step": step,
                        "seq": ps.settled + 1 if seq is None else seq})


@pytest.mark.parametrize("frame", [0, 1, 17, 59, -1])
def test_pause_then_settle_stops_on_the_frame_on_screen_bit_for_bit(frame):
    lab = playing(**SET)
    got = pulls(lab, 4)
    ahead, reported = lab.trainer.steps, lab.player.shown
    target = [x for x in got if x >= reported][frame]
    assert reported <= target < ahead  # the trainer is ahead of the screen
    snap = lab.player.snapshots[lab.player.snapshots["step"] == target][0]
    toggle(lab)  # Pause: at once to the last frame the player reported
    assert not lab.running
    same_run(lab, trained(SET, reported))
    assert settle_at(lab, target)  # the player says where it stopped: exactly there
    same_run(lab, trained(SET, target))
    np.testing.assert_array_equal(lab.net.get_flat().astype(np.float32), snap["theta"])


def test_a_settle_never_trains_past_what_training_reached_nor_acts_twice():
    lab = playing(**SET)
    pulls(lab, 2)
    head = lab.trainer.steps
    toggle(lab)
    held = lab.trainer.steps
    assert not settle_at(lab, head + 5)  # never trained: refused, nothing moves
    assert lab.trainer.steps == held
    assert settle_at(lab, head - 1, seq=7)
    assert not settle_at(lab, held, seq=7)  # the same message again: ignored
    assert lab.trainer.steps == head - 1
    for bad in (None, {"run": lab.generation}, {"run": -1, "stream": 0, "step": 0, "seq": 9}):
        assert not settle(lab, bad) and lab.trainer.steps == head - 1


def test_a_settle_from_another_run_or_stream_changes_nothing():
    lab = playing(**SET)
    pulls(lab, 2)
    toggle(lab)
    held = (lab.trainer.steps, lab.net.get_flat())
    ps = lab.player
    assert not settle(lab, {"run": lab.generation, "stream": ps.stream + 1, "step": 5, "seq": 1})
    assert not settle(lab, {"run": lab.generation + 1, "stream": ps.stream, "step": 5, "seq": 2})
    assert lab.trainer.steps == held[0]
    np.testing.assert_array_equal(lab.net.get_flat(), held[1])


@pytest.mark.parametrize("action, what", [(step_batch, "step"), (step_epoch, "epoch")])
def test_a_step_clicked_while_playing_is_taken_from_the_frame_the_player_stops_on(action, what):
    lab = playing(**SET)
    got = pulls(lab, 3)
    target = got[-5]
    action(lab)  # at once: from the last reported frame
    assert not lab.running and lab.player.after_pause == what
    assert settle_at(lab, target)
    ref = trained(SET, target)
    ref.trainer.step(1) if what == "step" else ref.trainer.step_epoch()
    same_run(lab, ref)
    assert lab.player.after_pause == ""
    step_batch(lab)  # paused: one step on from there
    ref.trainer.step(1)
    same_run(lab, ref)


def test_a_setting_changed_while_playing_starts_a_stream_from_the_frame_on_screen():
    lab = playing(**SET)
    got = pulls(lab, 3)
    stream, ahead = lab.player.stream, lab.trainer.steps
    change(lab, lr=0.3)  # the sidebar while playing: nothing trains with it yet
    assert lab.player.stream == stream + 1 and lab.trainer.steps == ahead
    assert steps_of(ask(lab, have=got[-1], stream=stream, seq=9)) == []  # the old stream
    frame = got[-7]  # the player drops its queue and asks from the frame on screen
    new = steps_of(ask(lab, have=frame, want=10, seq=10))
    assert new == [frame + 5 * (i + 1) for i in range(10)]
    ref = trained(SET, frame)
    ref.trainer.lr = 0.3
    ref.trainer.step(50)
    same_run(lab, ref)
    # the link's journal: the steps up to the frame were trained with the old rate
    assert lab.journal.params() == {"log": f"t{frame}_0.1_16_0.9"}


def test_a_new_speed_while_playing_restarts_from_the_frame_at_its_stride():
    lab = playing()
    got = pulls(lab, 2)
    lab.player.new_stream(keep_marks=True)  # what the speed widget's callback does
    frame = got[-3]
    new = steps_of(ask(lab, have=frame, want=4, seq=5, rate=1))
    assert new == [frame + 1, frame + 2, frame + 3, frame + 4]
    same_run(lab, trained({}, frame + 4))
    assert lab.journal.params() == {}  # the speed does not change training


def test_play_forgets_where_an_earlier_stream_could_go_back_to():
    lab = playing(**SET)
    pulls(lab, 2)
    toggle(lab)  # Pause
    step_epoch(lab)
    held = (lab.trainer.steps, lab.net.get_flat())
    toggle(lab)  # Play: these weights are the start, whatever came before
    assert lab.player.marks == [] and lab.player.shown == -1
    toggle(lab)  # Pause before any pull: nothing to go back to
    assert lab.trainer.steps == held[0]
    np.testing.assert_array_equal(lab.net.get_flat(), held[1])


def test_at_step_shows_a_frame_and_leaves_the_trainer_exactly_as_it_was():
    lab = playing(**SET)
    got = pulls(lab, 3)
    before = lab.trainer.checkpoint()
    theta, hist = lab.net.get_flat(), repr(lab.trainer.history)
    frame = got[-10]  # a frame the player may show (at or after the last reported one)
    with P.at_step(lab, frame) as step:
        assert step == frame
        same_run(lab, trained(SET, frame))
    assert lab.trainer.steps == before.steps and repr(lab.trainer.history) == hist
    np.testing.assert_array_equal(lab.net.get_flat(), theta)
    with P.at_step(lab, lab.trainer.steps + 1000) as step:  # never reached: stays
        assert step == before.steps
    # training goes on exactly as it would have
    ref = trained(SET, before.steps)
    lab.trainer.step(7)
    ref.trainer.step(7)
    same_run(lab, ref)
