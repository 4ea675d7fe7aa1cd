"""Helpers for Streamlit AppTest tests."""

import json
import re
from pathlib import Path
from urllib.parse import parse_qsl

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


def open_link(params: dict[str, str], follow: bool = True) -> AppTest:
    """A fresh session opened with ``params``; a link the app rewrites (a redirect element,
    which the browser follows at once) is followed, as the browser does, once."""
    at = AppTest.from_file(APP, default_timeout=90)
    for k, v in params.items():
        at.query_params[k] = v
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    target = redirect_of(at)
    if target is not None and follow:
        at = open_link(target, follow=False)
        assert redirect_of(at) is None, "the rewritten link was rewritten again"
    return at


def redirect_of(at) -> dict[str, str] | None:
    """The query string the page sends the browser to (parsed), or None."""
    found = [e for e in at.get("bidi_component") if e.proto.component_name ==
             "backprop_lab.redirect"]
    return dict(parse_qsl(json.loads(found[0].proto.json)["query"][1:])) if found else None
