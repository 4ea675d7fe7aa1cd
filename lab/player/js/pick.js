// Pointing at the decision map: the tooltip names the point under the pointer, and a click
// on a training point picks it for the step-by-step tab (the player's "pick" trigger).

// The data point nearest to the pointer, within 8 px, as {i, mx, my}; or null.
function nearest(p, ev) {
  if (!p.X || !p.mapBox) return null;
  const r = p.el.map.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
  const { x0, y0, size } = p.mapBox, e = p.extent;
  let best = -1, bd = 64;
  for (let i = 0; i < p.y.length; i++) {
    const u = x0 + ((p.X[2 * i] + e) / (2 * e)) * size, v = y0 + size - ((p.X[2 * i + 1] + e) / (2 * e)) * size;
    const d = (u - mx) ** 2 + (v - my) ** 2;
    if (d < bd) { bd = d; best = i; }
  }
  return best < 0 ? null : { i: best, mx, my };
}

function bindPointer(p) {
  const map = p.el.map, tip = p.el.tip;
  map.addEventListener("mousemove", (ev) => {
    const hit = nearest(p, ev);
    if (!hit) { tip.hidden = true; return; }
    const { i } = hit, cls = p.y[i] + 1, train = i < p.nTrain;
    tip.textContent = train ? `Training point ${i}, class ${cls}: click to follow it in the step-by-step tab`
                            : `Test point, class ${cls}: held out from training, not pickable`;
    const host = p.el.box.getBoundingClientRect(), r = map.getBoundingClientRect();
    tip.style.left = Math.max(0, r.left - host.left + hit.mx - 260) + "px";
    tip.style.top = (r.top - host.top + hit.my + 14) + "px";
    tip.hidden = false;
  });
  map.addEventListener("mouseleave", () => (tip.hidden = true));
  map.addEventListener("click", (ev) => {
    const hit = nearest(p, ev);
    if (hit && hit.i < p.nTrain && p.setTrigger) {
      p.sample = hit.i; if (p.shown) drawMap(p);
      p.setTrigger("pick", hit.i);
    }
  });
}
