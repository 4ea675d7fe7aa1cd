"""Deploy smoke check: the app as Streamlit Community Cloud runs it. A fresh virtual
environment gets ``requirements.txt`` alone (no ``pip install -e``, no test extras), the app
starts from the repository root (Streamlit puts it on ``sys.path``, so ``import nncore``
works uninstalled), and headless Chromium loads it: the page renders, Play trains, no error
box. Needs the package index (CI has it); skipped without a browser like the other
browser tests."""

from __future__ import annotations

import os
import subprocess
import sys

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

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def cloud_like_server(tmp_path_factory):
    venv = tmp_path_factory.mktemp("cloud") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    py = venv / "bin" / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"
    r = subprocess.run([str(py), "-m", "pip", "install", "-q", "--no-compile", "-r",
                        str(REPO_ROOT / "requirements.txt")], check=False, env=env,
                       capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, f"pip install -r requirements.txt failed:\n{r.stderr[-3000:]}"
    # nothing of the project is installed in that environment
    check = subprocess.run([str(py), "-c", "import nncore"], check=False, cwd=venv, env=env,
                           capture_output=True)
    assert check.returncode != 0, "nncore importable outside the repository: not Cloud-like"
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
