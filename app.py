"""Backprop Lab: backpropagation made visible. Run: streamlit run app.py"""

from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

from lab.figures.network import DEFAULT, PRESENTER
from lab.links import TABS
from lab.panels.common import apply_settings, get_lab
from lab.panels.gradcheck_panel import gradcheck_panel
from lab.panels.keys import on_key
from lab.panels.lesson import lesson_panel, lesson_view
from lab.panels.link import copy_link_button, open_link, settle_link
from lab.panels.network_view import step_view
from lab.panels.presenter import presenter_keys, presenter_style, presenter_toggle
from lab.panels.save_load import save_load_panel
from lab.panels.sidebar import sidebar
from lab.panels.training import player_panel, training_panel
from lab.player.route import routes
from lab.runtime import freeze_long_lived_objects
from lab.training import pause

DERIVATION = Path(__file__).parent / "docs" / "backprop.md"


def main() -> None:
    """The page, run by Streamlit once per rerun, holding the session's lock throughout
    (a pull answered beside the app, lab/player/route.py, never meets it half done)."""
    lab = get_lab()
    with lab.lock:
        page(lab)
    freeze_long_lived_objects()  # short garbage collections (lab/runtime.py)


def page(lab) -> None:
    """The page's layout: the panels in their places."""
    open_link(lab)  # before any widget: the link's corrections and its data draw
    # Presenter mode starts with the sidebar closed (a link's ?presenter=1, or the toggle).
    _presenting = (st.session_state.get("presenter")
                   or st.query_params.get("presenter") in ("1", "true"))
    st.set_page_config(page_title="Backprop Lab", page_icon=":material/hub:", layout="wide",
                       initial_sidebar_state="collapsed" if _presenting else "auto")
    # Streamlit's default side padding (5 rem) costs the network picture 160 px at 1280 px.
    # A help tooltip shows, it never takes a click: Next's sits over the form's "batch", and a
    # click there just after Next went to the tooltip (lost, as long as it faded).
    st.html("<style>.block-container{padding:3.6rem 1.2rem 2rem 1.2rem}"
            "[role=tooltip],[role=tooltip] *,[data-baseweb=tooltip],[data-baseweb=tooltip] *"
            "{pointer-events:none !important}</style>")
    with st.sidebar:  # the title lives in the sidebar: the main area starts with the tabs
        st.markdown("## Backprop Lab")
        st.caption("A small network you can shape (2-3-4-2 to start: tanh hidden layers, "
                   "linear outputs, mean squared error) with every number of its forward and "
                   "backward pass: the picture and the matrix equations of backprop, in step.")
        copy_link_button(lab)
    presenter = presenter_toggle()
    if presenter:
        presenter_style()
        presenter_keys(lambda name: on_key(lab, name))
    apply_settings(lab, sidebar(lab))
    with st.sidebar.expander("Save and load", icon=":material/save:"):
        save_load_panel(lab)  # the view and stage: from the step view's widgets
    if lab.notice:  # a toast, not a box above the tabs: the page below must not shift
        st.toast(lab.notice, icon=":material/info:")
        lab.notice = ""

    # Lazy tabs: only the open tab's body runs, so a click costs only what is on screen.
    step_tab, lesson_tab, train_tab, check_tab, doc_tab = st.tabs(
        list(TABS), default=TABS[0], key="tab", on_change="rerun", bind="query-params")
    if lab.running and not train_tab.open:
        # Train is closed, so the player hides: training pauses, before any tab draws, on the
        # frame the player showed (it settles on it when a tab is clicked)
        pause(lab)
    if step_tab.open:
        with step_tab:
            step_view(lab, presenter)
    if lesson_tab.open:
        with lesson_tab:
            lesson_panel(lab, lesson_view(lab), bind="query-params",
                         look=PRESENTER if presenter else DEFAULT)
    if train_tab.open:
        with train_tab:
            training_panel(lab)
    if check_tab.open:
        with check_tab:
            gradcheck_panel(lab)
    if doc_tab.open:
        with doc_tab:
            st.markdown(DERIVATION.read_text(encoding="utf-8"))
    # below the tabs: mounted once, hidden on other tabs
    player_panel(lab, train_tab.open, 1.35 if presenter else 1.0)
    settle_link(lab)


if get_script_run_ctx(suppress_warning=True) is None:
    # The server imports this file to find `app`: Streamlit serves the page (this file,
    # run as a script with a run context) and, beside it, the player's pull route.
    app = st.App(__file__, routes=routes(st.get_option("server.baseUrlPath")))
else:
    main()
