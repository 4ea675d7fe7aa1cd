"""Training actions on a session's Lab, for the Train tab's callbacks (no Streamlit).

While playing, the server trains only when the browser's player pulls snapshots
(:func:`pull`), and it trains ahead of the screen. Stopping brings the trainer back to the
frame on screen: at once to the last frame the player reported, then, when the player says
where it stopped (:func:`settle`), to exactly that frame; a Step clicked while playing is
taken again from there.
"""

from __future__ import annotations

from .player.protocol import answer, finished, go_to, parse_request, parse_settle, sync
from .state import Lab, hand_settings


def toggle(lab: Lab) -> None:
    """Play ⇄ Pause; refuses to play a diverged run or one at its epoch limit (with a
    notice saying what to do)."""
    if lab.running:
        pause(lab)
    elif lab.trainer.diverged:
        lab.notice = "Training diverged: lower the learning rate, then press Reset weights."
    elif finished(lab):  # at the epoch limit
        lab.notice = (f"Already at the epoch limit ({lab.settings.epochs_limit}): raise "
                      "'Stop after epoch' in the sidebar to train on.")
    else:
        ps = sync(lab)
        ps.after_pause = ""
        ps.new_stream(keep_marks=False)  # it starts from these weights, stepped or not
        lab.running = True


def pause(lab: Lab, at: int | None = None) -> bool:
    """Stop playing on step ``at`` of this run's stream (default: the last frame the
    player reported); the trainer goes there. Returns whether it did."""
    ps = sync(lab)
    lab.running = False
    target = ps.shown if at is None else at
    moved = target >= 0 and go_to(lab, target)
    hand_settings(lab)
    return moved


def step_batch(lab: Lab) -> int:
    """One mini-batch step (while playing: from the frame on screen, paused there)."""
    return _after_pause(lab, "step")


def step_epoch(lab: Lab) -> int:
    """Run to the end of the current epoch (while playing: from the frame on screen,
    paused there)."""
    return _after_pause(lab, "epoch")


def _after_pause(lab: Lab, what: str) -> int:
    if lab.running:
        pause(lab)
        lab.player.after_pause = what  # taken again from the frame the player settles on
    hand_settings(lab)
    t = lab.trainer
    return t.step(1) if what == "step" else t.step_epoch()


def pull(lab: Lab, request, rate: float) -> bytes | None:
    """Answer the player's pull (lab/player/protocol.py); None if malformed."""
    req = parse_request(request)
    return None if req is None else answer(lab, req, rate)


def settle(lab: Lab, message) -> bool:
    """The player stopped playing on a step: pause exactly there, and take again a Step
    clicked while playing. Returns whether the trainer moved (False for a malformed or
    stale message)."""
    msg = parse_settle(message)
    ps = sync(lab)
    if msg is None or msg["run"] != lab.generation or msg["seq"] <= ps.settled:
        return False
    ps.settled = msg["seq"]
    if msg["stream"] != ps.stream or not pause(lab, at=msg["step"]):
        ps.after_pause = ""
        return False
    what, ps.after_pause = ps.after_pause, ""
    if what:
        _after_pause(lab, what)
    return True
