"""Training actions on a session's Lab: live ticks, one step, one epoch (no Streamlit)."""

from __future__ import annotations

from .state import Lab


def train_tick(lab: Lab, seconds: float) -> int:
    """Advance training for about ``seconds`` of wall time, never past the epoch limit;
    stops ``running`` at the limit or on divergence. Returns the steps taken."""
    t = lab.trainer
    limit = lab.settings.epochs_limit
    done = t.run_for(seconds, until_epoch=limit)
    if t.diverged or t.epoch >= limit:
        lab.running = False
    return done


def step_batch(lab: Lab) -> int:
    """One mini-batch step (pauses a running training)."""
    lab.running = False
    return lab.trainer.step(1)


def step_epoch(lab: Lab) -> int:
    """Run to the end of the current epoch (pauses a running training)."""
    lab.running = False
    return lab.trainer.step_epoch()
