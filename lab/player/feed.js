// The player's mailbox (key "live_feed", inside a Streamlit fragment): its data is the
// server's latest reply (bytes, lab/player/protocol.py), handed to the player; its
// trigger "pull" carries the player's requests and reruns only that fragment.
export default function ({ data, setTriggerValue }) {
  const REG = (globalThis.__bpl ??= { mounts: 0, players: new WeakMap(), player: null, feed: null });
  REG.feed = { request: (req) => setTriggerValue("pull", req) };
  if (data instanceof Uint8Array && data !== REG.lastReply) {
    REG.lastReply = data;
    if (REG.player) REG.player.ingest(data);
    else REG.pending = data;
  }
}
