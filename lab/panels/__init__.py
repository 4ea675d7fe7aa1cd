"""Streamlit panels: each module exposes one function that draws its part of the page."""
