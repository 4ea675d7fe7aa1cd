"""Panel: live SGD training: controls, counters, loss curves, decision boundary, neuron
maps, gradient flow and the weights, updated in small ticks while playing."""

from __future__ import annotations

import time

import streamlit as st

from ..live import FAST_CHARTS, SLOW_CHARTS, counters, live_figures
from ..state import Lab
from ..training import step_batch, step_epoch, train_tick

FAST_SECONDS = 0.2  # period of the live fragment while playing
SLOW_SECONDS = 2.0  # the secondary charts are rebuilt this often
TRAIN_SECONDS = 0.012  # SGD time per tick; the rest of the tick draws the charts
COUNTERS = ("<div class='counters' style='display:flex;gap:1.4rem;flex-wrap:wrap;"
            "font-size:1rem;margin-bottom:.4rem'>{}</div><style>.counters span{{display:block;color:#555}}"
            ".counters b{{font-size:1.6rem;font-weight:600}}</style>")



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
    fast = FAST_SECONDS if lab.running else None
    st.fragment(run_every=fast)(_live)(lab)


def _charts(figs: dict, layout) -> None:
    for widths, groups in layout:
        for col, keys in zip(st.columns(widths), groups):
            with col:
                for key in keys:
                    st.plotly_chart(figs[key], key=key, width="stretch", theme=None,
                                    config={"displayModeBar": False})


def _live(lab: Lab) -> None:
    """The whole live view, one fragment: train a tick, then draw. (Two fragments with
    timers made Streamlit redraw each other's charts: the map flickered.) Only the
    counters and the decision map change every tick; the other figures are rebuilt
    every SLOW_SECONDS and resent unchanged in between, which the browser does not
    redraw: each Plotly redraw costs it tens of ms."""
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
    cells = [("Epoch", f"{c['epoch']}"), ("Steps", f"{c['steps']:,}"),
             ("Train loss", f"{c['train_loss']:.4f}"), ("Test loss", f"{c['test_loss']:.4f}"),
             ("Train accuracy", f"{c['train_acc']:.1%}"), ("Test accuracy", f"{c['test_acc']:.1%}")]
    # one element for all six numbers: six st.metric widgets slow each redraw
    st.markdown(COUNTERS.format("".join(
        f"<div><span>{k}</span><b data-counter='{k}'>{v}</b></div>" for k, v in cells)),
        unsafe_allow_html=True)
    figs = live_figures(lab, FAST_CHARTS)
    now = time.monotonic()
    if not lab.running or now - lab.slow_figs_at >= SLOW_SECONDS:
        lab.slow_figs = live_figures(lab, SLOW_CHARTS,
                                     log_loss=st.session_state.get("log_loss", True))
        lab.slow_figs_at = now
    figs.update(lab.slow_figs)
    _charts(figs, [([5, 4], [["decision_chart"], ["loss_chart", "acc_chart"]]),
                   ([4, 3, 3], [["neurons_chart"], ["gradflow_chart"], ["weights_chart"]])])
