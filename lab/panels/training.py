"""Panel: live SGD training: controls, counters, loss curves, decision boundary, neuron
maps, gradient flow and the weights, updated in small ticks while playing."""

from __future__ import annotations

import streamlit as st

from ..live import counters, live_figures
from ..state import Lab, step_batch, step_epoch, train_tick

TICK_SECONDS = 0.2  # fragment period while playing
TRAIN_SECONDS = 0.02  # SGD time per tick; the rest of the tick draws the charts

def _toggle(lab: Lab) -> None:
    t = lab.trainer
    if lab.running:
        lab.running = False
    elif t.diverged:
        lab.notice = "Training diverged: press Reset (sidebar) after lowering the learning rate."
    elif t.epoch >= lab.settings.epochs_limit:
        lab.notice = (f"Already at the epoch limit ({lab.settings.epochs_limit}): raise "
                      "'Stop after epoch' in the sidebar to train on.")
    else:
        lab.running = True


def training_panel(lab: Lab) -> None:
    """Controls outside the live fragment (they rerun the whole page), the live view inside."""
    c = st.columns([1.3, 1, 1.2, 1.6], vertical_alignment="center")
    c[0].button("❚❚ Pause" if lab.running else "▶ Play", key="play", on_click=_toggle,
                args=(lab,), type="primary", width="stretch",
                help="Train continuously; other controls stay live")
    c[1].button("Step", key="step", on_click=step_batch, args=(lab,), width="stretch",
                help="One mini-batch SGD step")
    c[2].button("Step epoch", key="step_epoch", on_click=step_epoch, args=(lab,),
                width="stretch", help="Train to the end of the current epoch")
    c[3].toggle("Log-scale loss", key="log_loss", value=True)
    run_every = TICK_SECONDS if lab.running else None
    st.fragment(run_every=run_every)(_live)(lab)


def _live(lab: Lab) -> None:
    if lab.running:
        train_tick(lab, TRAIN_SECONDS)
        if not lab.running:  # reached the limit or diverged: stop the timer, redraw all
            st.rerun(scope="app")
    t = lab.trainer
    if t.diverged:
        st.error(t.message + " Press **Reset weights** in the sidebar to start again.",
                 icon="⚠️")
    elif t.epoch >= lab.settings.epochs_limit:
        st.success(f"Reached the epoch limit ({lab.settings.epochs_limit}). Raise "
                   "'Stop after epoch' in the sidebar to train on.")
    c = counters(lab)
    m = st.columns(6)
    m[0].metric("Epoch", f"{c['epoch']}", help=f"{c['progress']:.0%} into the next one")
    m[1].metric("Steps", f"{c['steps']:,}")
    m[2].metric("Train loss", f"{c['train_loss']:.4f}")
    m[3].metric("Test loss", f"{c['test_loss']:.4f}")
    m[4].metric("Train accuracy", f"{c['train_acc']:.1%}")
    m[5].metric("Test accuracy", f"{c['test_acc']:.1%}")
    figs = live_figures(lab, log_loss=st.session_state.get("log_loss", True))
    layout = [([5, 4], [["decision_chart"], ["loss_chart", "acc_chart"]]),
              ([4, 3, 3], [["neurons_chart"], ["gradflow_chart"], ["weights_chart"]])]
    for widths, groups in layout:
        for col, keys in zip(st.columns(widths), groups):
            with col:
                for key in keys:
                    st.plotly_chart(figs[key], key=key, width="stretch", theme=None,
                                    config={"displayModeBar": False})
