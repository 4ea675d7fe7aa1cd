export default function ({ data, setTriggerValue }) {
  const R = (globalThis.__bpl ??= { mounts: 0, players: new WeakMap(), player: null, feed: null });
  R.feed = { request: (q) => setTriggerValue("pull", q) };
  if (data instanceof Uint8Array && data !== R.lastReply) {
    R.lastReply = data;
    if (R.player) R.player.ingest(data); else R.pending = data;
  }
}
