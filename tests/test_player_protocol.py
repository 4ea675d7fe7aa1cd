"""The player's wire format and pull protocol, without a browser (lab/player/protocol.py)."""

import numpy as np
import pytest

from lab.player import protocol as P
from lab.state import Settings, change, new_lab, reset
from lab.training import pull


def playing(**settings):
    lab = new_lab(Settings(**settings))
    lab.running = True
    return lab, P.PlayerState()


def req(lab, have, want=10, seq=1, ehave=-1, gen=None):
    return {"gen": lab.generation if gen is None else gen, "have": have, "want": want,
            "seq": seq, "ehave": ehave}


def steps_of(reply: bytes) -> list[int]:
    return P.decode(reply)["snapshots"]["step"].tolist()


# ------------------------------------------------------------------ encoder / decoder
def test_round_trip_keeps_every_field_and_float32_values():
    rng = np.random.default_rng(0)
    theta = rng.normal(size=P.N_PARAMS)
    snaps = P.encode_snapshots([7], [1], [theta])
    m = {"epoch": 1, "steps": 7, "train_loss": 0.5, "test_loss": None, "train_acc": 0.75,
         "test_acc": None, "grad_norm": [1.0, 2.0, 3.0], "saturation": [0.1, 0.2]}
    raw = P.encode(3, 9, P.RUNNING, 1 / 60, 7, snaps, P.encode_epochs([m]))
    assert len(raw) == P.HEADER.itemsize + P.SNAPSHOT.itemsize + P.EPOCH.itemsize == 28 + 148 + 44
    d = P.decode(raw)
    assert (d["gen"], d["seq"], d["flags"], d["server_step"], d["n_snap"], d["n_epoch"]) == (
        3, 9, P.RUNNING, 7, 1, 1)
    s = d["snapshots"][0]
    assert s["step"] == 7 and s["epoch"] == 1
    np.testing.assert_array_equal(s["theta"], theta.astype(np.float32))
    e = d["epochs"][0]
    assert e["epoch"] == 1 and e["step"] == 7
    assert np.isnan(e["loss"][1]) and np.isnan(e["acc"][1])  # no test set: NaN, not 0
    np.testing.assert_array_equal(e["grad_norm"], np.float32([1, 2, 3]))


def test_huge_values_are_clipped_before_the_float32_cast():
    big = [1e39, -1e39, np.inf, -np.inf, 3e38, 1.5]
    theta = np.zeros(P.N_PARAMS)
    theta[:4] = [1e39, -1e39, 5e38, 1e300]
    m = {"epoch": 1, "steps": 1, "train_loss": 1e39, "test_loss": np.inf, "train_acc": 1,
         "test_acc": 1, "grad_norm": big[:3], "saturation": [0, 0]}
    raw = P.encode(0, 0, 0, 0.1, 1, P.encode_snapshots([1], [0], [theta]), P.encode_epochs([m]))
    d = P.decode(raw)  # tested on the decoded arrays: a text search cannot see base64 infs
    s, e = d["snapshots"][0], d["epochs"][0]
    for arr in (s["theta"], e["loss"], e["grad_norm"]):
        assert np.all(np.isfinite(arr)), arr
    assert s["theta"][0] == P.FLT_MAX and s["theta"][1] == -P.FLT_MAX
    np.testing.assert_array_equal(e["loss"], np.float32([P.FLT_MAX, P.FLT_MAX]))
    np.testing.assert_array_equal(P.to_f32(big), np.float32(
        [P.FLT_MAX, -P.FLT_MAX, P.FLT_MAX, -P.FLT_MAX, 3e38, 1.5]))


def test_nan_metrics_stay_nan_and_nan_parameters_are_refused():
    assert np.isnan(P.to_f32([np.nan])[0])
    theta = np.zeros(P.N_PARAMS)
    theta[5] = np.nan
    with pytest.raises(ValueError, match="finite"):
        P.encode_snapshots([1], [0], [theta])
    with pytest.raises(ValueError, match="35"):
        P.encode_snapshots([1], [0], [np.zeros(34)])
    with pytest.raises(ValueError, match="35"):
        P.encode_snapshots([1], [0], np.zeros(70))  # flat: not two snapshots by accident
    with pytest.raises(ValueError, match="counters"):
        P.encode_snapshots([1, 2], [0], np.zeros((2, 35)))


def test_decode_rejects_foreign_or_truncated_bytes():
    raw = P.encode(0, 0, 0, 0.1, 0, P.encode_snapshots([1], [0], np.zeros((1, 35))),
                   P.encode_epochs([]))
    with pytest.raises(ValueError):
        P.decode(raw[:-4])
    with pytest.raises(ValueError):
        P.decode(b"XXXX" + raw[4:])


def test_stride_and_interval_follow_the_speed():
    assert [P.stride_for(s) for s in (1, 60, 61, 300, 10000)] == [1, 1, 2, 5, 167]
    assert P.interval_for(1) == 1.0 and P.interval_for(300) == pytest.approx(1 / 60)


# ------------------------------------------------------------------ the pull protocol
def test_pull_trains_what_is_missing_one_snapshot_per_stride():
    lab, ps = playing()
    ps.speed = 300  # stride 5
    raw = P.answer(lab, ps, req(lab, have=0, want=10))
    assert steps_of(raw) == list(range(5, 55, 5))
    assert lab.trainer.steps == 50
    d = P.decode(raw)
    assert d["server_step"] == 50 and d["flags"] & P.RUNNING
    # each snapshot holds the weights of its step: the last is lab.net now
    np.testing.assert_array_equal(d["snapshots"]["theta"][-1],
                                  lab.net.get_flat().astype(np.float32))
    assert d["snapshots"]["epoch"].tolist() == [(s - 1) // 9 + (s % 9 == 0) for s in
                                               range(5, 55, 5)]  # 9 steps per epoch


def test_snapshots_are_the_weights_step_by_step_training_passes_through():
    lab, ps = playing()
    ps.speed = 1000  # stride 17: epochs end inside strides
    twin = new_lab(Settings())
    d = P.decode(P.answer(lab, ps, req(lab, have=0, want=12)))
    for snap in d["snapshots"]:
        twin.trainer.step(int(snap["step"]) - twin.trainer.steps)
        assert snap["epoch"] == twin.trainer.epoch
        np.testing.assert_array_equal(snap["theta"], twin.net.get_flat().astype(np.float32))


def test_a_lost_reply_is_sent_again_without_training_more():
    lab, ps = playing()
    first = P.answer(lab, ps, req(lab, have=0, want=8, seq=1))
    steps = lab.trainer.steps
    # the fragment run that carried `first` was interrupted: the player asks again
    again = P.answer(lab, ps, req(lab, have=0, want=8, seq=2))
    assert lab.trainer.steps == steps
    assert steps_of(again) == steps_of(first)
    assert P.decode(again)["seq"] == 2


def test_a_gap_is_filled_and_duplicates_are_not_sent():
    lab, ps = playing()
    got = steps_of(P.answer(lab, ps, req(lab, have=0, want=6)))
    # the player holds up to the third snapshot only (a reply partly lost): it gets the rest
    part = steps_of(P.answer(lab, ps, req(lab, have=got[2], want=6)))
    assert part == got[3:]  # half of what it asked for is ready: that, untrained
    more = steps_of(P.answer(lab, ps, req(lab, have=got[2], want=8)))
    assert more[:3] == got[3:] and len(more) == 8 and more == sorted(set(more))
    assert all(s > got[2] for s in more)


def test_paused_or_hidden_costs_nothing():
    lab, ps = playing()
    lab.running = False
    raw = P.answer(lab, ps, req(lab, have=0, want=30))
    assert steps_of(raw) == [] and lab.trainer.steps == 0
    assert not P.decode(raw)["flags"] & P.RUNNING


def test_reset_starts_a_new_stream():
    lab, ps = playing()
    P.answer(lab, ps, req(lab, have=0, want=10))
    old = lab.generation
    reset(lab)
    lab.running = True
    stale = P.answer(lab, ps, req(lab, have=50, want=10, gen=old))
    assert steps_of(stale) == [] and P.decode(stale)["gen"] == lab.generation
    assert lab.trainer.steps == 0  # a request for the old run trains nothing
    fresh = steps_of(P.answer(lab, ps, req(lab, have=0, want=3)))
    assert fresh[0] == P.stride_for(ps.speed) and len(ps.snapshots) == 3


def play_out(lab, ps, want=60, pulls=200):
    """Pull as the player does (``have`` = the last step received), prefetching after each
    reply, until the run stops; returns the replies."""
    replies, have = [], -1
    for seq in range(pulls):
        if not lab.running:
            break
        raw = P.answer(lab, ps, req(lab, have=have, want=want, seq=seq))
        replies.append(raw)
        have = max([have, *steps_of(raw)])
        P.prefetch(lab, ps)
    return replies


def test_divergence_stops_play_and_never_sends_non_finite_weights():
    lab, ps = playing(lr=10.0, batch_size=1, momentum=0.9)
    ps.speed = 1000
    replies = play_out(lab, ps)
    assert lab.trainer.diverged and not lab.running and ps.stopped_running
    for raw in replies:
        d = P.decode(raw)
        assert np.all(np.isfinite(d["snapshots"]["theta"]))
    # the reply with the last snapshot says so; the pull after it stops the run there
    last, stop = P.decode(replies[-2]), P.decode(replies[-1])
    assert last["flags"] & P.FINAL and last["flags"] & P.RUNNING
    assert last["snapshots"]["step"][-1] == lab.trainer.steps
    assert stop["n_snap"] == 0 and stop["flags"] & P.DIVERGED and not stop["flags"] & P.RUNNING
    assert stop["server_step"] == lab.trainer.steps
    assert not any(P.decode(r)["flags"] & P.FINAL for r in replies[:-2])


def test_the_epoch_limit_is_never_passed():
    lab, ps = playing(epochs_limit=2)
    ps.speed = 10000  # stride 167 > one epoch (9 steps)
    first = P.decode(P.answer(lab, ps, req(lab, have=0, want=5)))
    assert lab.trainer.epoch == 2 and lab.running  # the player has not drawn it yet
    assert first["flags"] & P.AT_LIMIT and first["flags"] & P.FINAL
    assert P.prefetch(lab, ps) == 0  # nothing more to train
    have = int(first["snapshots"]["step"][-1])
    stop = P.decode(P.answer(lab, ps, req(lab, have=have, want=5, seq=2)))
    assert not lab.running and ps.stopped_running and stop["n_snap"] == 0
    assert not stop["flags"] & P.RUNNING and stop["flags"] & P.AT_LIMIT


@pytest.mark.parametrize("limit", [1, 2, 5])
@pytest.mark.parametrize("batch_size", [1, 32, 128])
@pytest.mark.parametrize("speed", [300, 3000, 10000])
def test_strides_of_any_length_stop_exactly_at_the_limit(limit, batch_size, speed):
    lab, ps = playing(epochs_limit=limit, batch_size=batch_size)
    ps.speed = speed
    for seq in range(200):
        if not lab.running:
            break
        P.answer(lab, ps, req(lab, have=lab.trainer.steps, want=60, seq=seq))
    n = lab.data.X_train.shape[0]
    assert lab.trainer.epoch == limit and not lab.running
    assert lab.trainer.steps == limit * -(-n // batch_size)


def test_epoch_records_after_ehave_only():
    lab, ps = playing()
    d = P.decode(P.answer(lab, ps, req(lab, have=0, want=30)))
    epochs = d["epochs"]["epoch"].tolist()
    assert epochs and epochs == sorted(epochs) and epochs[-1] == lab.trainer.epoch
    later = P.decode(P.answer(lab, ps, req(lab, have=lab.trainer.steps, want=1,
                                           ehave=epochs[-1])))
    assert all(e > epochs[-1] for e in later["epochs"]["epoch"].tolist())


def test_training_per_request_is_bounded_by_a_cpu_share():
    lab, ps = playing()
    P.answer(lab, ps, req(lab, have=0, want=60))
    assert len(ps.snapshots) == 60  # a second of playback trains in far less than 0.5 s
    lab, ps = playing()
    P.CPU_SHARE, share = 0.0, P.CPU_SHARE  # no time at all: one snapshot, then stop
    try:
        P.answer(lab, ps, req(lab, have=0, want=60))
    finally:
        P.CPU_SHARE = share
    assert len(ps.snapshots) == 1


@pytest.mark.parametrize("bad", [None, 3, {}, {"gen": 0}, {"gen": "x", "have": 0, "want": 1,
                                                                "seq": 0}])
def test_malformed_requests_are_ignored(bad):
    lab, ps = playing()
    assert pull(lab, ps, bad) is None and lab.trainer.steps == 0


def test_want_is_capped():
    assert P.parse_request({"gen": 0, "have": 0, "want": 10**6, "seq": 1})["want"] == P.MAX_WANT


def test_a_pull_for_another_run_asks_for_the_page_to_be_drawn_again():
    from lab.player.protocol import answer, player_state
    from lab.state import new_lab, reset

    lab = new_lab()
    ps = player_state(lab)
    lab.running = True
    old = lab.generation
    reset(lab)  # a new run the player has not been told about
    lab.running = True
    raw = answer(lab, ps, {"gen": old, "have": -1, "want": 5, "seq": 1, "ehave": -1})
    assert ps.stale_player and lab.trainer.steps == 0  # nothing trained for a stale player
    assert raw  # and it still gets a (empty) reply naming the current run
    ps.stale_player = False
    answer(lab, ps, {"gen": lab.generation, "have": -1, "want": 5, "seq": 2, "ehave": -1})
    assert not ps.stale_player and lab.trainer.steps > 0


def test_sessions_train_in_turns_in_arrival_order():
    """Turns: one trainer at a time, and a release hands over to the oldest waiter (a
    plain Lock lets the releasing thread barge back in)."""
    import threading
    import time

    turns, order, inside = P.Turns(), [], []

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


# ------------------------------------------------------------------ answer first, rewind
def pulls(lab, ps, n, want=60):
    """n pulls as the player makes them (``have`` = the last step received, ``shown`` =
    the step on screen then: here the first of the previous reply), each followed by the
    prefetch; returns the steps received, in order."""
    got, have, shown = [], -1, 0
    for seq in range(n):
        raw = P.answer(lab, ps, {**req(lab, have=have, want=want, seq=seq), "shown": shown})
        new = steps_of(raw)
        if new:
            shown, have = new[0], new[-1]
        got += new
        P.prefetch(lab, ps)
    return got


def test_a_pull_is_answered_from_what_was_trained_before_it():
    lab, ps = playing()
    s = P.stride_for(ps.speed)
    first = steps_of(P.answer(lab, ps, req(lab, have=0, want=20)))
    assert first == [s * (i + 1) for i in range(20)] and lab.trainer.steps == 20 * s
    assert P.prefetch(lab, ps) == 25 and lab.trainer.steps == 45 * s  # 1.25 × 20, after
    assert P.prefetch(lab, ps) == 0  # once per pull
    before = lab.trainer.steps
    second = steps_of(P.answer(lab, ps, req(lab, have=20 * s, want=20, seq=2)))
    assert second == [s * (i + 21) for i in range(20)] and lab.trainer.steps == before
    assert P.prefetch(lab, ps) == 20 and lab.trainer.steps == 65 * s  # 25 ready again
    # asked for more than is ready, but at least half of it is: answered without training
    third = steps_of(P.answer(lab, ps, req(lab, have=40 * s, want=40, seq=3)))
    assert third == [s * (i + 41) for i in range(25)] and lab.trainer.steps == 65 * s
    # less than half of it is ready: the shortfall is trained before the reply
    P.prefetch(lab, ps)
    fourth = steps_of(P.answer(lab, ps, req(lab, have=65 * s, want=120, seq=4)))
    assert fourth == [s * (i + 66) for i in range(120)]


def test_prefetch_trains_nothing_when_paused_or_for_a_stale_stream():
    lab, ps = playing()
    P.answer(lab, ps, req(lab, have=0, want=10))
    lab.running = False
    assert P.prefetch(lab, ps) == 0
    lab.running = True
    P.answer(lab, ps, req(lab, have=10, want=10, seq=2))
    reset(lab)
    lab.running = True
    assert P.prefetch(lab, ps) == 0 and lab.trainer.steps == 0


def replayed(settings: dict, steps: int, lr_after: tuple | None = None):
    """An independent Lab trained ``steps`` steps in one call (with the lr switched at a
    given step, if asked): what the trainer must hold after a rewind."""
    lab = new_lab(Settings(**settings))
    t = lab.trainer
    if lr_after and lr_after[0] < steps:
        t.step(lr_after[0])
        t.lr = lr_after[1]
        t.step(steps - lr_after[0])
    else:
        t.step(steps)
    return lab


SET = {"momentum": 0.9, "batch_size": 16}


@pytest.mark.parametrize("frames", [0, 1, 7, 61, 10**6])
def test_rewind_goes_back_to_the_frame_on_screen_bit_for_bit(frames):
    lab, ps = playing(**SET)
    got = pulls(lab, ps, 4)
    ahead = lab.trainer.steps
    at, shown, interval = ps.clock
    queued = [x for x in got if shown < x <= ps.sent]
    target = shown if frames == 0 else queued[min(frames, len(queued)) - 1]
    assert P.shown_at(ps, at + (frames + 0.1) * interval) == target
    assert target < ahead  # the trainer is ahead of the screen
    gen, first = lab.generation, ps.first_epoch
    snap = ps.snapshots[ps.snapshots["step"] == target][0]
    assert P.rewind_to_screen(lab, ps, at + (frames + 0.1) * interval)
    t, ref = lab.trainer, replayed(SET, target)
    assert t.steps == target
    np.testing.assert_array_equal(lab.net.get_flat(), ref.net.get_flat())  # bit for bit
    np.testing.assert_array_equal(lab.net.get_flat().astype(np.float32), snap["theta"])
    assert repr(t.history) == repr(ref.trainer.history) and t.latest == ref.trainer.latest
    assert lab.generation == gen + 1 and ps.first_epoch == first and len(ps.snapshots) == 0
    # a pull from before the rewind belongs to the old stream; training goes on exactly
    assert steps_of(P.answer(lab, ps, req(lab, have=ps.sent, want=5, gen=gen))) == []
    P.answer(lab, ps, req(lab, have=target, want=30, seq=9))
    ref.trainer.step(30 * P.stride_for(ps.speed))
    np.testing.assert_array_equal(lab.net.get_flat(), ref.net.get_flat())


def test_rewind_keeps_a_setting_changed_since_and_replays_with_the_old_one():
    lab, ps = playing(**SET)
    pulls(lab, ps, 2)
    changed_at = lab.trainer.steps
    change(lab, lr=0.3)  # the sidebar, between two pulls (no rewind: the Lab alone)
    got = pulls(lab, ps, 1)
    at, shown, interval = ps.clock
    assert shown < changed_at  # the screen still shows frames trained with lr 0.1
    assert P.rewind_to_screen(lab, ps, at + 2.1 * interval)
    target = lab.trainer.steps
    assert target < changed_at and target in got
    np.testing.assert_array_equal(lab.net.get_flat(), replayed(SET, target).net.get_flat())
    assert lab.trainer.lr == 0.3  # replayed with the old rate, then the setting in force


def test_rewind_does_nothing_without_a_frame_behind_the_trainer():
    lab, ps = playing()
    assert not P.rewind_to_screen(lab, ps)  # nothing shown yet
    P.answer(lab, ps, req(lab, have=0, want=10))  # no prefetch: the trainer is at the screen
    at, _, interval = ps.clock
    assert not P.rewind_to_screen(lab, ps, at + 100 * interval)  # shown everything it got
    assert lab.generation == 0 and lab.trainer.steps == ps.sent


def test_pause_and_steps_rewind_only_while_playing():
    from lab.training import step_batch, toggle
    lab, ps = playing()
    lab.player = ps
    pulls(lab, ps, 3)
    _, shown, _ = ps.clock
    sent, ahead = ps.sent, lab.trainer.steps
    toggle(lab)  # Pause
    assert not lab.running and shown <= lab.trainer.steps <= sent < ahead
    held = lab.trainer.steps
    step_batch(lab)  # paused: one step on from there, no rewind
    assert lab.trainer.steps == held + 1
    lab.running = True
    pulls(lab, ps, 2)
    sent, ahead = ps.sent, lab.trainer.steps
    step_batch(lab)  # while playing: back to the screen, then one step
    assert not lab.running and lab.trainer.steps <= sent + 1 < ahead


def test_play_forgets_what_an_earlier_run_showed():
    """A run that stopped at its limit, then Step epoch twice while paused, then Play: a
    setting changed before the first pull must not rewind to the old run's frames."""
    from dataclasses import replace

    from lab.panels.common import apply_settings
    from lab.training import step_epoch, toggle
    lab = new_lab(Settings(epochs_limit=3))
    ps = lab.player
    toggle(lab)
    play_out(lab, ps)
    assert not lab.running and lab.trainer.epoch == 3 and ps.marks  # stopped at FINAL
    apply_settings(lab, replace(lab.settings, epochs_limit=10))
    step_epoch(lab)
    step_epoch(lab)
    held = (lab.trainer.steps, lab.net.get_flat())
    toggle(lab)  # Play
    apply_settings(lab, replace(lab.settings, lr=0.05))  # before the first pull
    assert lab.trainer.steps == held[0] and lab.trainer.lr == 0.05
    np.testing.assert_array_equal(lab.net.get_flat(), held[1])


def test_the_run_stops_only_once_its_last_frame_is_on_screen():
    lab, ps = playing(epochs_limit=1)
    ps.speed = 10000
    end = steps_of(P.answer(lab, ps, req(lab, have=0, want=5)))[-1]
    # the player holds the last frame but still shows an earlier one (queue not drained)
    early = P.decode(P.answer(lab, ps, {**req(lab, have=end, want=5, seq=2), "shown": 0}))
    assert lab.running and early["flags"] & P.FINAL and early["n_snap"] == 0
    P.answer(lab, ps, {**req(lab, have=end, want=5, seq=3), "shown": end})
    assert not lab.running and ps.stopped_running


@pytest.mark.parametrize("field, value", [("seq", -1), ("seq", 2**32), ("gen", 2**40),
                                          ("gen", -3)])
def test_counters_that_do_not_fit_the_wire_are_refused(field, value):
    assert P.parse_request({"gen": 0, "have": 0, "want": 1, "seq": 1, field: value}) is None


def test_step_counters_are_clamped_to_the_wire():
    r = P.parse_request({"gen": 0, "have": 10**30, "want": 1, "seq": 1, "shown": -10**30,
                         "ehave": 10**30})
    assert (r["have"], r["shown"], r["ehave"]) == (P.U32, -1, P.U32)
    lab, ps = playing()
    P.answer(lab, ps, r)  # a hostile counter is answered, and never trusted as "sent"
    assert ps.sent == lab.trainer.steps
