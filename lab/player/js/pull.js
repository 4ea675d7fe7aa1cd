// Where a pull goes (lab/player/route.py): over HTTP beside the app, without a rerun, when
// the server gave this page a route; else, and for each pull the route sends back, through
// the feed element (a fragment rerun).

// The route the page's data names, as {url, token}; or null (no route: the feed only).
function routeOf(d) {
  return d.route && d.route.token ? { url: new URL(d.route.path, location.href).href, token: d.route.token } : null;
}

// 409: the session is busy (a rerun), or the stream starts from an earlier frame: that
// pull goes through the feed. Any other failure: the feed from now on (for this page).
function sendPull(p, q) {
  const route = p.route;
  if (!route) { REG.feed.request(q); return; }
  fetch(route.url, { method: "POST", cache: "no-store", credentials: "same-origin",
                     headers: { "Content-Type": "application/json" },
                     body: JSON.stringify({ ...q, token: route.token, rate: p.speed }) })
    .then((r) => (r.ok ? r.arrayBuffer() : Promise.reject(r.status)))
    .then((buf) => { p.routed++; p.ingest(new Uint8Array(buf)); })
    .catch((status) => {
      if (status !== 409 && p.route === route) p.route = null;
      if (p.inflight && p.inflight.seq === q.seq && REG.feed) REG.feed.request(q);
    });
}
