"""Deploy smoke check: the app as Streamlit Community Cloud runs it. A fresh virtual
environment holds the distributions ``requirements.txt`` names and what they require, nothing
else (no ``pip install -e``, no test extras), the app starts from the repository root
(Streamlit puts it on ``sys.path``, so ``import nncore`` works uninstalled), and headless
Chromium loads it: the page renders, Play trains, no error box.

The environment is not installed from the package index again (that took a third of a
minute of a five-minute suite): the suite's own environment was installed with
``requirements.txt`` as constraints, so its copies of those distributions are the pinned
ones (checked here), and the fresh environment links to exactly their files. A module the
app imports from outside that set (a test extra, a forgotten dependency) is missing there,
as on Cloud. Skipped without a browser like the other browser tests."""

from __future__ import annotations

import os
import subprocess
import sys
from importlib import metadata
from pathlib import Path

import pytest
from browser_util import (
    EXCEPTION,
    REPO_ROOT,
    free_port,
    screenshot,
    start_app,
    stop_app,
    wait_for_app,
)
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name


def pinned() -> list[Requirement]:
    lines = (REPO_ROOT / "requirements.txt").read_text().splitlines()
    return [Requirement(s) for s in (ln.split("#")[0].strip() for ln in lines) if s]


def closure(reqs: list[Requirement]) -> dict[str, metadata.Distribution]:
    """The installed distributions ``reqs`` need, with what those require in turn (markers
    evaluated for this interpreter, extras only where asked for)."""
    found: dict[str, metadata.Distribution] = {}
    done: set[tuple[str, str]] = set()
    todo = [(r, "") for r in reqs]
    while todo:
        req, extra = todo.pop()
        if req.marker and not req.marker.evaluate({"extra": extra}):
            continue
        name = canonicalize_name(req.name)
        dist = found.get(name) or metadata.distribution(req.name)
        found[name] = dist
        for ex in ("", *sorted(req.extras)):
            if (name, ex) in done:
                continue
            done.add((name, ex))
            todo.extend((Requirement(s), ex) for s in dist.requires or [])
    return found


def test_the_closure_follows_requirements_and_extras() -> None:
    """The resolver above: streamlit's own requirements are in, a test extra is not."""
    names = closure(pinned())
    assert {"numpy", "streamlit", "plotly", "altair", "starlette"} <= names.keys()
    assert not {"pytest", "playwright", "hypothesis", "backprop-lab"} & names.keys()


def cloud_venv(root: Path) -> Path:
    """A virtual environment at ``root`` whose site-packages links the files of exactly the
    closure of requirements.txt; returns its python."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(root)], check=True)
    site = root / "lib" / f"python{sys.version_info.major}.{sys.version_info.minor}" / \
        "site-packages"
    for req in pinned():
        have = metadata.version(req.name)
        assert req.specifier.contains(have, prereleases=True), (
            f"{req.name} {have} is installed, requirements.txt pins {req.specifier}: install "
            "as the README says (pip install -c requirements.txt -e '.[test]')")
    for dist in closure(pinned()).values():
        for f in dist.files or []:
            top = f.parts[0]
            if top == ".." or top.startswith("__pycache__"):
                continue  # scripts outside site-packages; caches
            src, dst = Path(dist.locate_file(top)), site / top
            if dst.is_symlink() or dst.exists():
                continue
            dst.symlink_to(src, target_is_directory=src.is_dir())
    return root / "bin" / "python"


@pytest.fixture(scope="module")
def cloud_like_server(tmp_path_factory):
    venv = tmp_path_factory.mktemp("cloud") / "venv"
    py = cloud_venv(venv)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    # nothing of the project is installed in that environment, and no test extra
    for mod in ("nncore", "pytest"):
        check = subprocess.run([str(py), "-c", f"import {mod}"], check=False, cwd=venv,
                               env=env, capture_output=True)
        assert check.returncode != 0, f"{mod} importable in the Cloud-like environment"
    check = subprocess.run([str(py), "-c", "import streamlit, numpy, plotly"], check=False,
                           cwd=venv, env=env, capture_output=True, text=True)
    assert check.returncode == 0, check.stderr[-3000:]
    port = free_port()
    with (venv.parent / "streamlit.log").open("wb") as log:
        try:
            proc = start_app(port, python=py, env=env, log=log, timeout=90)
        except RuntimeError as e:
            pytest.fail(f"{e}:\n{(venv.parent / 'streamlit.log').read_text()[-3000:]}")
        try:
            yield f"http://127.0.0.1:{port}"
        finally:
            stop_app(proc)


@pytest.mark.browser
def test_the_app_runs_from_requirements_txt_alone(cloud_like_server, browser):
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    try:
        page.goto(cloud_like_server + "/?tab=Train", wait_until="domcontentloaded")
        wait_for_app(page)
        page.get_by_role("button", name="Play").first.click()
        page.wait_for_function("() => (globalThis.__bpl?.player?.shown?.step ?? 0) > 100",
                               timeout=60_000)  # frames of training on screen
        page.get_by_role("button", name="Pause").first.click()
        # a full rerun writes the steps trained into the address
        page.wait_for_function("() => /[?&]steps=[1-9]/.test(location.search)",
                               timeout=30_000)
        wait_for_app(page)
        assert page.locator(EXCEPTION).count() == 0
        screenshot(page, "cloud_like_train")
        page.get_by_role("tab", name="Backprop, step by step").click()
        page.locator(".katex").nth(2).wait_for(timeout=30_000)
        wait_for_app(page)
        assert page.locator(".katex").count() >= 3 and page.locator(EXCEPTION).count() == 0
    finally:
        context.close()
