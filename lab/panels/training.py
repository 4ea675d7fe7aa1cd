"""Panel: live SGD training. Streamlit buttons control it; the player draws it.

The server trains only when the browser's player pulls snapshots (``live_feed``, in a
fragment: a pull reruns only that fragment); everything else on the tab is drawn in the
browser from those snapshots (lab/player). Full reruns (buttons, sidebar) hand the player
the exact current weights, so a paused picture is exactly ``lab.net``.
"""

from __future__ import annotations

import streamlit as st

from ..player.component import FEED, PLAYER
from ..player.protocol import SPEEDS, player_state, prefetch
from ..player.view import player_data
from ..state import Lab
from ..training import pull, step_batch, step_epoch, to_screen, toggle

SPEED_KEY = "train_speed"
PLAYER_SHOWN = "_player_shown"  # the Train tab has opened in this page: the player lives


def _on_speed(lab: Lab) -> None:
    to_screen(lab)  # while playing: the new speed starts from the frame on screen
    player_state(lab).speed = float(st.session_state[SPEED_KEY])


def _on_pick(lab: Lab) -> None:
    """A click on a training point of the decision map picks it for the step-by-step tab."""
    i = (st.session_state.get("live_player") or {}).get("pick")
    if isinstance(i, int) and 0 <= i < lab.data.X_train.shape[0]:
        st.session_state["sample_index"] = i


def _on_pull(lab: Lab) -> None:
    req = (st.session_state.get("live_feed") or {}).get("pull")
    pull(lab, player_state(lab), req)


def training_panel(lab: Lab) -> None:
    """The controls (the player and its feed follow the tabs: :func:`player_panel`)."""
    ps = player_state(lab)
    st.session_state.setdefault(SPEED_KEY, int(ps.speed))
    c = st.columns([1.1, 1, 1.2, 3.2], vertical_alignment="bottom")
    c[0].button("Pause" if lab.running else "Play", key="play", on_click=toggle, args=(lab,),
                icon=":material/pause:" if lab.running else ":material/play_arrow:",
                type="primary", width="stretch",
                help="Train continuously; the sidebar settings apply at once")
    c[1].button("Step", key="step", on_click=step_batch, args=(lab,), width="stretch",
                help="One mini-batch SGD step")
    c[2].button("Step epoch", key="step_epoch", on_click=step_epoch, args=(lab,),
                width="stretch", help="Train to the end of the current epoch")
    c[3].select_slider("Speed (SGD steps per second)", SPEEDS, key=SPEED_KEY,
                       on_change=_on_speed, args=(lab,), format_func=lambda v: f"{v:,}",
                       help="1 shows every step in slow motion; above 60 steps/s each "
                            "frame shows several steps")
    ps.speed = float(st.session_state[SPEED_KEY])
    t = lab.trainer
    if t.diverged and not lab.running:  # (while running: the player has not got there)
        st.error(t.message + " Press **Reset weights** in the sidebar to start again.",
                 icon=":material/error:")


def player_panel(lab: Lab, visible: bool) -> None:
    """The player and its feed, below the tabs: drawn on every run from the first time
    the Train tab opens (``visible``), hidden while another tab is open. Tabs are lazy (a
    closed tab's elements leave the page), so inside the Train tab the player would be
    mounted again each time Train reopens; here it is mounted once per page. It neither
    pulls nor draws while hidden (player.js), so a hidden player costs nothing."""
    if visible:
        st.session_state[PLAYER_SHOWN] = True
    if not st.session_state.get(PLAYER_SHOWN):
        return  # the first page load stays as light as before
    ps = player_state(lab)
    sample = st.session_state.get("sample_index")
    with st.container(key="player_box"):
        PLAYER(key="live_player", data=player_data(lab, ps, sample if isinstance(sample, int)
                                                   else None),
               on_pick_change=lambda: _on_pick(lab))
        _feed(lab)
    # (a <style>-only st.html goes to the page's event container, not next to the player)
    st.html("<style>.st-key-player_box{display:none}</style>" if not visible
            else "<style>.st-key-player_box{display:block}</style>")


@st.fragment
def _feed(lab: Lab) -> None:
    ps = player_state(lab)
    ps.sync(lab)
    if ps.stopped_running and not lab.running:
        # the last pull hit the epoch limit or diverged: redraw the page (button, message)
        ps.stopped_running = False
        st.rerun(scope="app")
    if ps.stale_player:
        # the player asked for another run's snapshots: it missed the full rerun that
        # carried the new run (interrupted under load); draw the page again
        ps.stale_player = False
        st.rerun(scope="app")
    FEED(key="live_feed", data=ps.reply, height=0, on_pull_change=lambda: _on_pull(lab))
    prefetch(lab, ps)  # the reply has left: train what the next pull will ask for
