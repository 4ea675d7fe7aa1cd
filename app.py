"""Backprop Lab: backpropagation made visible. Run: streamlit run app.py"""

import streamlit as st

from lab.panels.common import get_lab
from lab.panels.gradcheck_panel import gradcheck_panel
from lab.panels.network_view import form_picker, network_view
from lab.panels.one_step import one_step_panel
from lab.panels.sample_picker import sample_picker
from lab.panels.sidebar import sidebar
from lab.panels.training import training_panel

st.set_page_config(page_title="Backprop Lab", page_icon="🧮", layout="wide")
# Streamlit's default side padding (5 rem) costs the network picture 160 px at 1280 px.
# Wide equations (a mini-batch's matrices) scroll sideways instead of being cut off.
st.markdown("<style>.block-container{padding:2.2rem 1.2rem 2rem 1.2rem}"
            "[data-testid=stMarkdownContainer]:has(.katex-display){overflow-x:auto}"
            ".katex-display{overflow-y:hidden;padding-bottom:6px}</style>",
            unsafe_allow_html=True)
lab = get_lab()
sidebar(lab)

st.markdown("## Backprop Lab")
st.caption("A 2-3-4-2 network (tanh hidden layers, linear outputs, mean squared error) with "
           "every number of its forward and backward pass: the picture and the seed's matrix "
           "equations, in step.")
if lab.notice:
    st.info(lab.notice, icon="ℹ️")
    lab.notice = ""

step_tab, train_tab, check_tab = st.tabs(["Backprop, step by step", "Train", "Gradient check"])
PAUSE_FIRST = ("Training is running: the Train tab shows the weights as they change. Pause "
               "it there to step through backprop, or check the gradients, at the current "
               "weights.")
with step_tab:
    # While training plays, the step-by-step view would show stale weights, and its
    # heavy elements slow every live redraw of the Train tab (measured: ~15 %).
    if lab.running:
        st.info(PAUSE_FIRST, icon="⏸️")
    else:
        form_picker(lab)
        network_view(lab)
        pick, step = st.columns([1, 1])
        with pick:
            st.markdown("##### What flows through")
            sample_picker(lab)
        with step:
            st.markdown("##### One step of gradient descent")
            one_step_panel(lab)
with train_tab:
    training_panel(lab)
with check_tab:
    if lab.running:
        st.info(PAUSE_FIRST, icon="⏸️")
    else:
        gradcheck_panel(lab)
