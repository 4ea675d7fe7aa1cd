"""Panel: live SGD training: controls, counters, loss curves, decision boundary, neuron
maps, gradient flow and the weights, updated in small ticks while playing."""

from __future__ import annotations

import streamlit as st

from ..live import FAST_CHARTS, counters, live_figures
from ..state import Lab, step_batch, step_epoch, train_tick

FAST_SECONDS = 0.1  # period of the training fragment while playing
SLOW_SECONDS = 2.0  # period of the fragment with the secondary charts
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
    slow = SLOW_SECONDS if lab.running else None
    left, right = st.columns([5, 4])
    with left:
        st.fragment(run_every=fast)(_live_fast)(lab)
    with right:
        st.fragment(run_every=slow)(_live_curves)(lab)
    st.fragment(run_every=slow)(_live_inside)(lab)


def _charts(figs: dict, layout, static: bool = False) -> None:
    for widths, groups in layout:
        for col, keys in zip(st.columns(widths), groups):
            with col:
                for key in keys:
                    st.plotly_chart(figs[key], key=key, width="stretch", theme=None,
                                    config={"displayModeBar": False, "staticPlot": static})


def _live_fast(lab: Lab) -> None:
    """Trains, then shows the counters and the decision boundary with its loss sparkline,
    as often as the browser redraws them. Every Plotly chart costs the browser tens of
    ms per redraw, so the other charts live in fragments redrawn every 2 s, and while
    playing the charts are static (no hover handlers)."""
    if lab.running:
        train_tick(lab, TRAIN_SECONDS)
        if not lab.running:  # reached the limit or diverged: stop the timers, redraw all
            st.rerun(scope="app")
    t = lab.trainer
    if t.diverged:
        st.error(t.message + " Press **Reset weights** in the sidebar to start again.",
                 icon="⚠️")
    elif t.epoch >= lab.settings.epochs_limit:
        st.success(f"Reached the epoch limit ({lab.settings.epochs_limit}). Raise "
                   "'Stop after epoch' in the sidebar to train on.")
    c = counters(lab)
    # One element for all six numbers: six st.metric widgets cost the browser a
    # visible share of each live redraw.
    cells = [("Epoch", f"{c['epoch']}"), ("Steps", f"{c['steps']:,}"),
             ("Train loss", f"{c['train_loss']:.4f}"), ("Test loss", f"{c['test_loss']:.4f}"),
             ("Train accuracy", f"{c['train_acc']:.1%}"), ("Test accuracy", f"{c['test_acc']:.1%}")]
    st.markdown(COUNTERS.format("".join(
        f"<div><span>{k}</span><b data-counter='{k}'>{v}</b></div>" for k, v in cells)),
        unsafe_allow_html=True)
    figs = live_figures(lab, FAST_CHARTS)
    _charts(figs, [([1], [["decision_chart"]])], static=lab.running)


def _live_curves(lab: Lab) -> None:
    """Loss (log-scale toggle) and accuracy per epoch, train and test, every 2 s."""
    figs = live_figures(lab, ("loss_chart", "acc_chart"),
                        log_loss=st.session_state.get("log_loss", True))
    _charts(figs, [([1], [["loss_chart", "acc_chart"]])], static=lab.running)


def _live_inside(lab: Lab) -> None:
    """Inside the network: every neuron's map, the gradient flow and the weights, every 2 s."""
    figs = live_figures(lab, ("neurons_chart", "gradflow_chart", "weights_chart"))
    _charts(figs, [([4, 3, 3], [["neurons_chart"], ["gradflow_chart"], ["weights_chart"]])],
            static=lab.running)
