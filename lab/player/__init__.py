"""The live-training player: a components-v2 element that draws in the browser while the
server trains. ``component.py`` registers its Streamlit elements; the rest is pure:
``wire.py`` (the bytes of a reply), ``stream.py`` (a session's buffers), ``protocol.py``
(pulls, settles, going back to a step), ``view.py`` (the player's data), ``turns.py``.

Two elements (a components-v2 element re-sends its whole JS with every update, so the
big one must not be updated per frame):

* ``live_player`` (js/player.html, .css and the four scripts), mounted once outside any
  fragment and updated only by full reruns: data points, exact weights, history, speed,
  status (view.py); its triggers are ``settle`` (it stopped on a step), ``pick`` (a
  clicked training point) and ``resync`` (it missed a page);
* ``live_feed`` (js/feed.js, ~0.4 KB, sent with every reply, hence without comments),
  inside a fragment: its data is the server's latest reply to a pull, handed to the player
  through ``globalThis.__bpl``; its ``pull`` trigger carries the player's requests and
  reruns only that fragment.
"""
