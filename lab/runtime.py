"""What the app sets for its server process as a whole (not for any one session)."""

from __future__ import annotations

import gc
import sys
import threading

_lock = threading.Lock()
_modules_frozen = 0  # how many modules were imported at the last freeze


def freeze_long_lived_objects() -> bool:
    """Keep Python's full garbage collections short. Returns whether this call froze.

    A full (generation 2) collection walks every object the process holds, with every
    thread stopped: measured with 30 sessions playing, one every 14–16 s taking 110–250 ms,
    a latency spike for every session at once. Most of those objects belong to the
    imported modules (Streamlit, Plotly, numpy, this app), which live as long as the
    process. ``gc.freeze()`` moves every object that exists now out of the collector's
    sight (refcounting still frees them), so later collections walk only what sessions made
    since. Done at the end of a script run whenever more modules are loaded than at the
    last freeze (Streamlit and the tabs import some on first use): a few times in a
    process's first runs, then never."""
    global _modules_frozen
    if len(sys.modules) == _modules_frozen:
        return False
    with _lock:
        if len(sys.modules) == _modules_frozen:
            return False
        gc.collect()  # what is garbage now is freed, not frozen
        gc.freeze()
        _modules_frozen = len(sys.modules)
        return True
