"""The live-training player (``component.py`` registers its Streamlit elements;
``protocol.py`` and ``view.py`` are pure): a components-v2 element that draws in the browser.

Two elements (a components-v2 element re-sends its whole JS with every update, so the
big one must not be updated per frame):

* ``live_player`` (player.html/.css/.js), mounted once outside any fragment and updated
  only by full reruns: data points, exact weights, history, speed, status (view.py);
* ``live_feed`` (feed.js, ~0.4 KB, sent with every reply, hence without comments), inside
  a fragment: its data is the server's latest reply to a pull (protocol.py), handed to the
  player through ``globalThis.__bpl``; its ``pull`` trigger carries the player's requests
  and reruns only that fragment.
"""
