"""Training actions on a session's Lab, for the Train tab's callbacks (no Streamlit).

While playing, the server trains only when the browser's player pulls snapshots
(:func:`pull`): a paused, hidden or closed tab asks for nothing and costs nothing. The
trainer runs ahead of the screen (it trains the next pull's snapshots in advance), so
Pause and the Step buttons first bring it back to the frame on screen
(:func:`to_screen`): what was drawn last is what they pause on, or step from.
"""

from __future__ import annotations

from .player.protocol import PlayerState, answer, parse_request, rewind_to_screen
from .state import Lab


def toggle(lab: Lab) -> None:
    """Play ⇄ Pause; refuses to play a diverged run or one at its epoch limit (with a
    notice saying what to do)."""
    t = lab.trainer
    if lab.running:
        to_screen(lab)
        lab.running = False
    elif t.diverged:
        lab.notice = "Training diverged: lower the learning rate, then press Reset weights."
    elif t.epoch >= lab.settings.epochs_limit:
        lab.notice = (f"Already at the epoch limit ({lab.settings.epochs_limit}): raise "
                      "'Stop after epoch' in the sidebar to train on.")
    else:
        lab.player.forget_screen()  # steps may have been taken since the last frame
        lab.running = True


def step_batch(lab: Lab) -> int:
    """One mini-batch step (pauses a running training, on the frame on screen)."""
    to_screen(lab)
    lab.running = False
    return lab.trainer.step(1)


def step_epoch(lab: Lab) -> int:
    """Run to the end of the current epoch (pauses a running training, on the frame on
    screen)."""
    to_screen(lab)
    lab.running = False
    return lab.trainer.step_epoch()


def pull(lab: Lab, ps: PlayerState, request) -> bytes | None:
    """Answer the player's pull request (see lab/player/protocol.py); None if malformed."""
    req = parse_request(request)
    if req is None:
        return None
    return answer(lab, ps, req)


def to_screen(lab: Lab) -> bool:
    """While playing: bring the trainer back to the frame the player shows now (see
    lab/player/protocol.py); True if it moved. Does nothing while paused."""
    return lab.running and rewind_to_screen(lab, lab.player)
