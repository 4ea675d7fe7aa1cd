"""Backprop Lab's user interface: session state, figure builders and Streamlit panels.

Layers point one way: ``nncore`` (numpy) ← ``lab.figures`` (Plotly, no Streamlit)
← ``lab.panels`` (Streamlit) ← ``app.py``.
"""

# Imported here, fully, before any session's script can draw: Plotly and Streamlit look
# pandas (and pyarrow) up in ``sys.modules`` without importing them, so a second session
# starting while the first is still importing them saw a partly initialised module
# ("partially initialized module 'pandas' has no attribute 'Series'"). An import that is
# under way in another thread blocks here until it has finished.
import pandas  # noqa: F401
import plotly.graph_objects  # noqa: F401
import pyarrow  # noqa: F401
