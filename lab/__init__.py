"""Backprop Lab's user interface: session state, figure builders and Streamlit panels.

Layers point one way: ``nncore`` (numpy) ← ``lab.figures`` (Plotly, no Streamlit)
← ``lab.panels`` (Streamlit) ← ``app.py``.
"""
