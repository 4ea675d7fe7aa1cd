"""What a click on a download gives: the file, of the frame on screen. Pure: no Streamlit.

While training plays, the trainer runs ahead of the screen; the click says which step the
player shows (its run, stream and step), and every file is made of exactly that step
(:func:`lab.player.protocol.at_step`), so the four files describe one moment, the one on
screen. Paused, they describe the current weights.
"""

from __future__ import annotations

from .io import equations_markdown, forward_script, history_csv, weights_json
from .player.protocol import at_step, sync
from .state import Lab, View

FILES = {  # key: (button label, file name, MIME type)
    "weights": ("Weights and settings", "backprop-lab-weights.json", "application/json"),
    "history": ("Training history", "backprop-lab-history.csv", "text/csv"),
    "equations": ("Equations, stage {stage}", "backprop-lab-stage-{stage}.md", "text/markdown"),
    "script": ("NumPy forward pass", "backprop_lab_forward.py", "text/x-python"),
}


def frame_step(lab: Lab, at) -> int | None:
    """The step a click's ``at`` ({run, stream, step} from the player, or None) names, if it
    belongs to this run's current stream; else None (the current weights)."""
    if not isinstance(at, dict):
        return None
    ps = sync(lab)
    try:
        run, stream, step = int(at["run"]), int(at["stream"]), int(at["step"])
    except (KeyError, TypeError, ValueError, OverflowError):
        return None
    return step if (run, stream) == (lab.generation, ps.stream) and step >= 0 else None


def make(lab: Lab, file: str, view: View, stage_index: int, at=None) -> tuple[str, str, bytes]:
    """(file name, MIME type, bytes) of download ``file`` (a key of FILES), of the step the
    player shows (``at``) or of the current weights. view, stage_index: what the
    step-by-step view shows (the equations' stage, 0-based). Raises ValueError for a
    weight JSON cannot hold (NaN)."""
    _, name, mime = FILES[file]
    k = int(stage_index)
    with at_step(lab, frame_step(lab, at)):
        t = lab.trainer
        if file == "weights":
            data = weights_json(lab.net, lab.settings, t.steps, t.epoch)
        elif file == "history":
            data = history_csv(t.history, lab.net.L)
        elif file == "equations":
            data = equations_markdown(lab, view, k)
        else:
            data = forward_script(lab.net, lab.settings.features)
    return name.format(stage=k + 1), mime, data
