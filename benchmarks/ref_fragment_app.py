"""Reference for bench_browser.py: a bare live fragment (a counter metric and two small
Plotly charts, run_every=0.1), the field notes' baseline for updates per second."""

import numpy as np
import plotly.graph_objects as go
import streamlit as st

if "n" not in st.session_state:
    st.session_state.n = 0


@st.fragment(run_every=0.1)
def live():
    st.session_state.n += 1
    n = st.session_state.n
    st.metric("Epoch", n)
    x = np.arange(50)
    for k in range(2):
        st.plotly_chart(go.Figure(go.Scatter(x=x, y=np.sin(x / 5 + n / 10 + k))),
                        key=f"c{k}", theme=None)


live()
