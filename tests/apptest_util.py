"""Helpers for Streamlit AppTest tests."""

import re
from pathlib import Path

import numpy as np
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[1] / "app.py")
NUMBER = re.compile(r"-?\d+\.\d+")


def run_app(timeout: float = 60) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=timeout).run()
    assert not at.exception, [e.message for e in at.exception]
    return at


def numbers(latex: str) -> np.ndarray:
    """Every decimal number written in a LaTeX string, in order."""
    return np.array([float(s) for s in NUMBER.findall(latex)])


def flat(*arrays) -> np.ndarray:
    return np.concatenate([np.ravel(a) for a in arrays])
