// Drawing the player's canvases: the network (each neuron a map of its output over the
// plane), the decision map with the data, the colour scale and the per-epoch charts.
// Every function takes the Player (p) and reads what it holds; none changes its state
// beyond the canvases and the sizes it measured (p.mapBox).

// One diverging scale for data, neurons and weights (as lab/figures/style.py):
// −1 orange … 0 white … +1 blue. Class 1 is orange, class 2 blue.
const STOPS = [[-1, [179, 88, 6]], [-0.5, [241, 163, 64]], [0, [247, 247, 247]],
               [0.5, [103, 169, 207]], [1, [8, 81, 156]]];
const LUT = (() => {
  const lut = new Uint8ClampedArray(256 * 3);
  for (let i = 0; i < 256; i++) {
    const v = i / 127.5 - 1;
    let k = 0;
    while (k < STOPS.length - 2 && v > STOPS[k + 1][0]) k++;
    const [v0, c0] = STOPS[k], [v1, c1] = STOPS[k + 1];
    const f = Math.min(1, Math.max(0, (v - v0) / (v1 - v0)));
    for (let c = 0; c < 3; c++) lut[i * 3 + c] = c0[c] + f * (c1[c] - c0[c]);
  }
  return lut;
})();
const CLASS = ["#c25400", "#1f5f9e"];  // class 1, class 2 (≥ 4.5:1 on white)
const SERIES = { train: "#222", test: "#7b3294" };
const LAYER = [["#1b9e77", []], ["#7570b3", [7, 4]], ["#d95f02", [2, 3]], ["#e7298a", [9, 3, 2, 3]],
               ["#66a61e", [1, 3]]];
const SUP = (q) => "⁽" + String(q).replace(/\d/g, (d) => "⁰¹²³⁴⁵⁶⁷⁸⁹"[d]) + "⁾";
const SUB = (j) => String(j).replace(/\d/g, (d) => "₀₁₂₃₄₅₆₇₈₉"[d]);

function lutIndex(v) { return 3 * Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5); }
function rgb(v, alpha = 1) {
  const li = lutIndex(v);
  return alpha === 1 ? `rgb(${LUT[li]},${LUT[li + 1]},${LUT[li + 2]})`
    : `rgba(${LUT[li]},${LUT[li + 1]},${LUT[li + 2]},${alpha})`;
}

function fit(canvas) {
  const dpr = window.devicePixelRatio || 1, r = canvas.getBoundingClientRect();
  const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
  if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
  const ctx = canvas.getContext("2d");
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  return [ctx, r.width, r.height];
}

function font(p, px, weight = "") { return `${weight} ${Math.round(px * p.scale)}px ${p.font}`.trim(); }

// A small map of values[(row·R + col)·stride + offset] · scale over the R × R grid;
// light > 0 blends the colours toward white (the decision map, so points stand out).
function tile(p, k, values, stride, offset, scale, light = 0) {
  const t = (p.tiles[k] ??= (() => {
    const c = document.createElement("canvas"); c.width = p.R; c.height = p.R;
    return { c, ctx: c.getContext("2d"), img: new ImageData(p.R, p.R) };
  })());
  const d = t.img.data, R = p.R, keep = 1 - light, add = 255 * light;
  for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) {
    // row 0 of the image is the top of the plane (largest y)
    const li = lutIndex(values[((R - 1 - i) * R + j) * stride + offset] * scale), q = 4 * (i * R + j);
    d[q] = add + keep * LUT[li]; d[q + 1] = add + keep * LUT[li + 1]; d[q + 2] = add + keep * LUT[li + 2]; d[q + 3] = 255;
  }
  t.ctx.putImageData(t.img, 0, 0);
  return t.c;
}

// A point of class `cls` at (u, v): class 1 a circle, class 2 a square (told apart without
// colour); training points filled, test points hollow.
function mark(ctx, cls, u, v, r, filled) {
  ctx.beginPath();
  if (cls === 0) ctx.arc(u, v, r, 0, 2 * Math.PI);
  else { const h = 0.9 * r; ctx.rect(u - h, v - h, 2 * h, 2 * h); }
  if (filled) { ctx.fillStyle = CLASS[cls]; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 1; ctx.stroke(); }
  else { ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = CLASS[cls]; ctx.lineWidth = 2; ctx.stroke(); }
}

// A regression point: a disc in the colour of its target (training: dark rim; test: hollow
// ring in that colour).
function markValue(ctx, t, u, v, r, filled) {
  ctx.beginPath(); ctx.arc(u, v, r, 0, 2 * Math.PI);
  if (filled) { ctx.fillStyle = rgb(t); ctx.fill(); ctx.strokeStyle = "#222"; ctx.lineWidth = 1; ctx.stroke(); }
  else { ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = rgb(t); ctx.lineWidth = 2.2; ctx.stroke(); }
}

function drawMap(p) {
  const [ctx, W, H] = fit(p.el.map), sc = p.scale;
  const pad = { l: 34 * sc, r: 6, t: 6, b: 24 * sc }, size = Math.min(W - pad.l - pad.r, H - pad.t - pad.b);
  const x0 = pad.l, y0 = pad.t, e = p.extent, R = p.R, n = R * R, k = p.sizes.at(-1), Y = p.fwd.at(-1);
  p.mapBox = { x0, y0, size };
  const diff = p.diff?.length === n ? p.diff : (p.diff = new Float64Array(n));
  // two classes: ŷ₂ − ŷ₁ (the boundary where it is 0); regression: ŷ itself
  for (let i = 0; i < n; i++) diff[i] = k === 1 ? Y[i] : Y[i * k + 1] - Y[i * k];
  ctx.clearRect(0, 0, W, H);
  ctx.imageSmoothingEnabled = true;
  // discretized: each side of the boundary one colour, the class picked (the scale saturates)
  ctx.drawImage(tile(p, "map", diff, 1, 0, p.discrete ? 1e300 : 1, 0.45), x0, y0, size, size);
  // boundary ŷ₁ = ŷ₂: zero level of the map by marching squares on the grid
  const px = (j) => x0 + (j / (R - 1)) * size, py = (i) => y0 + size - (i / (R - 1)) * size;
  ctx.beginPath();
  for (let i = 0; i < R - 1 && k > 1; i++) for (let j = 0; j < R - 1; j++) {
    const a = diff[i * R + j], b = diff[i * R + j + 1], c = diff[(i + 1) * R + j + 1], d = diff[(i + 1) * R + j];
    const pts = [];
    if ((a > 0) !== (b > 0)) pts.push([px(j + a / (a - b)), py(i)]);
    if ((b > 0) !== (c > 0)) pts.push([px(j + 1), py(i + b / (b - c))]);
    if ((d > 0) !== (c > 0)) pts.push([px(j + d / (d - c)), py(i + 1)]);
    if ((a > 0) !== (d > 0)) pts.push([px(j), py(i + a / (a - d))]);
    for (let m = 0; m + 1 < pts.length; m += 2) { ctx.moveTo(...pts[m]); ctx.lineTo(...pts[m + 1]); }
  }
  ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.stroke();
  const X = p.X, y = p.y, sx = (v) => x0 + ((v + e) / (2 * e)) * size, sy = (v) => y0 + size - ((v + e) / (2 * e)) * size;
  if (X) {
    const r = Math.max(2.5, Math.min(4, size / 90));
    p.pointsDrawn = p.showTest ? y.length : p.nTrain;  // (tests read it)
    for (let i = 0; i < p.pointsDrawn; i++) {
      if (p.T) markValue(ctx, p.T[i], sx(X[2 * i]), sy(X[2 * i + 1]), r + 0.5, i < p.nTrain);
      else mark(ctx, y[i], sx(X[2 * i]), sy(X[2 * i + 1]), i < p.nTrain ? r : r + 0.8, i < p.nTrain);
    }
    if (p.sample != null && p.sample < p.nTrain) {
      const u = sx(X[2 * p.sample]), v = sy(X[2 * p.sample + 1]);
      ctx.beginPath(); ctx.arc(u, v, 2.2 * r, 0, 2 * Math.PI); ctx.strokeStyle = "#000"; ctx.lineWidth = 2.2; ctx.stroke();
    }
  }
  ctx.strokeStyle = p.line; ctx.lineWidth = 1; ctx.strokeRect(x0, y0, size, size);
  ctx.fillStyle = p.ink; ctx.font = font(p, 13);
  const ticks = [-1, 0, 1].map((t) => t * Math.floor(e)).filter((t, i, a) => a.indexOf(t) === i);
  ctx.textAlign = "center"; ctx.textBaseline = "top";
  for (const t of ticks) ctx.fillText(String(t), sx(t), y0 + size + 4);
  ctx.textAlign = "right"; ctx.textBaseline = "middle";
  for (const t of ticks) ctx.fillText(String(t), x0 - 5, sy(t));
  ctx.textAlign = "left"; ctx.fillText("x₂", 2, y0 + 8 * sc);
  ctx.textAlign = "right"; ctx.textBaseline = "top"; ctx.fillText("x₁", x0 + size, y0 + size + 4);
}

function drawNet(p) {
  const [ctx, W, H] = fit(p.el.net), t = p.shown.theta, sizes = p.sizes, L = sizes.length - 1, sc = p.scale;
  ctx.clearRect(0, 0, W, H);
  const most = Math.max(...sizes), top = 40 * sc, bottom = 18 * sc;
  // a name under every node while it fits; else (crowded) the nodes fill the rows, the input
  // and output names go beside them and the hidden ones are left out (headings name layers)
  const under = (H - top - bottom) / most - 16 * sc - 3 >= 24, label = under ? 16 * sc : 0;
  const s = Math.max(12, Math.min(58, (H - top - bottom) / most - label - (under ? 3 : 4)));
  const names = (c) => Array.from({ length: sizes[c] }, (_, j) => c === 0 ? p.inputNames[j] : c === L ? "ŷ" + SUB(j + 1) : "a" + SUB(j + 1) + SUP(c));
  ctx.font = font(p, 13);
  const room = (c) => under ? 0 : Math.max(...names(c).map((n) => ctx.measureText(n).width)) + 6;
  const left = room(0), right = room(L);
  const colX = sizes.map((_, c) => 30 + left + s / 2 + (c * (W - 60 - left - right - s)) / L);
  const gap = (H - top - bottom - most * s) / most;
  const pos = sizes.map((n, c) => Array.from({ length: n }, (_, j) => [colX[c],
    top + (H - top - bottom - label) / 2 + (j - (n - 1) / 2) * (s + gap)]));
  // edges first: colour by sign, width by |w|
  for (let q = 1; q <= L; q++) {
    const nin = sizes[q - 1], nout = sizes[q];
    for (let j = 0; j < nout; j++) for (let k = 0; k < nin; k++) {
      const w = t[p.lay.woff[q - 1] + j * nin + k], [ax, ay] = pos[q - 1][k], [bx, by] = pos[q][j];
      ctx.strokeStyle = rgb(w, 0.35 + 0.65 * Math.min(1, Math.abs(w)));
      ctx.lineWidth = Math.min(9, 0.6 + 3 * Math.abs(w));
      const x1 = ax + s / 2, x2 = bx - s / 2, mx = (x1 + x2) / 2;
      ctx.beginPath(); ctx.moveTo(x1, ay); ctx.bezierCurveTo(mx, ay, mx, by, x2, by); ctx.stroke();
    }
  }
  // nodes: each a map of its own output over the plane, with its bias as a small square
  const A = p.fwd;
  ctx.font = font(p, 13);
  for (let c = 0; c <= L; c++) for (let j = 0; j < sizes[c]; j++) {
    const [cx, cy] = pos[c][j];
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(tile(p, `${c}.${j}`, A[c], sizes[c], j, c === 0 ? p.inScale[j] : 1), cx - s / 2, cy - s / 2, s, s);
    ctx.strokeStyle = p.ink; ctx.lineWidth = 1; ctx.strokeRect(cx - s / 2, cy - s / 2, s, s);
    if (c > 0) {
      ctx.fillStyle = rgb(t[p.lay.boff[c - 1] + j]);
      ctx.fillRect(cx - s / 2 - 9, cy + s / 2 - 8, 8, 8);
      ctx.strokeRect(cx - s / 2 - 9, cy + s / 2 - 8, 8, 8);
    }
    const name = names(c)[j];
    ctx.fillStyle = p.ink;
    if (under) { ctx.textAlign = "center"; ctx.textBaseline = "top"; ctx.fillText(name, cx, cy + s / 2 + 2); }
    else if (c === 0 || c === L) {
      ctx.textAlign = c === 0 ? "right" : "left"; ctx.textBaseline = "middle";
      ctx.fillText(name, c === 0 ? cx - s / 2 - 4 : cx + s / 2 + 4, cy);
    }
  }
  ctx.textBaseline = "top";
  ctx.font = font(p, 14, "600");  // columns closer than "Hidden 4" is wide: "H4"
  const short = L > 1 && colX[2] - colX[1] < ctx.measureText("Hidden 4").width + 8;
  for (let c = 0; c <= L; c++) {
    const [head, sub] = c === 0 ? ["Input", "x"] : c === L ? ["Output", "linear"] : [`${short ? "H" : "Hidden "}${c}`, p.act];
    ctx.textAlign = c === 0 ? "left" : c === L ? "right" : "center";
    const hx = c === 0 ? 4 : c === L ? W - 4 : colX[c];
    ctx.font = font(p, 14, "600"); ctx.fillText(head, hx, 2);
    ctx.font = font(p, 13); ctx.fillText(sub, hx, 2 + 17 * sc);
  }
  ctx.font = font(p, 13); ctx.textAlign = "left"; ctx.textBaseline = "bottom";
  ctx.fillText("small square: the neuron's bias b", 4, H - 2);
}

function drawScale(p) {
  const [ctx, W, H] = fit(p.el.scale), sc = p.scale;
  ctx.clearRect(0, 0, W, H);
  for (let x = 0; x < W - 12; x++) { ctx.fillStyle = rgb((x / (W - 13)) * 2 - 1); ctx.fillRect(6 + x, 2, 1, 14); }
  ctx.strokeStyle = p.line; ctx.strokeRect(6, 2, W - 12, 14);
  ctx.fillStyle = p.ink; ctx.font = font(p, 13); ctx.textBaseline = "top";
  [["−1", 6, "left"], ["0", W / 2, "center"], ["+1", W - 6, "right"]].forEach(([s, x, a]) => {
    ctx.textAlign = a; ctx.fillText(s, x, 19);
  });
  p.el.scale.style.height = Math.round(36 * sc) + "px";
}

// Legend layouts, tried in order until one fits: [font px, sample length, names short].
const LEGENDS = [[13, 22, false], [12, 14, false], [11, 10, false], [12, 12, true], [11, 8, true]];

function drawCharts(p, now) {
  p.chartsDirty = false; p.chartsAt = now;
  const [ctx, W, H] = fit(p.el.charts);
  ctx.clearRect(0, 0, W, H);
  const h = p.hist, ep = h.epoch, col = (i) => h.rows.map((r) => r[i]), L = p.lay.L;
  const cols = W >= 900 ? 4 : 2, rows = cols === 4 ? 1 : 2, cw = W / cols, ch = H / rows;
  const charts = [
    { title: "Loss (log)", log: true, series: [["train", col(0), SERIES.train, []], ["test", col(1), SERIES.test, [6, 4]]] },
    { title: p.T ? "Accuracy (none: a regression has no classes)" : "Accuracy", range: [0, 1], pct: true, series: [["train", col(2), SERIES.train, []], ["test", col(3), SERIES.test, [6, 4]]] },
    { title: "Gradient norm ‖∂L/∂W‖ (log)", log: true,
      series: Array.from({ length: L }, (_, q) => ["W" + SUP(q + 1), col(4 + q), ...LAYER[q % LAYER.length]]) },
    { title: p.act === "tanh" ? "Saturated units, |a| > 0.97" : "Saturated units (σ' < 6 % of max)", range: [0, 1], pct: true, prefix: "layer",
      series: Array.from({ length: L - 1 }, (_, q) => ["layer " + (q + 1), col(4 + L + q), ...LAYER[q % LAYER.length]]) },
  ];
  charts.forEach((c, i) => chart(p, ctx, (i % cols) * cw, Math.floor(i / cols) * ch, cw, ch, ep, c));
}

function chart(p, ctx, x, y, w, h, ep, c) {
  const sc = p.scale, Lm = 52 * sc, Rm = 10, T = 40 * sc, B = 24 * sc, pw = w - Lm - Rm, ph = h - T - B;
  ctx.save(); ctx.translate(x, y);
  ctx.fillStyle = p.ink; ctx.font = font(p, 14, "600"); ctx.textAlign = "left"; ctx.textBaseline = "top";
  ctx.fillText(c.title, 8, 2, w - 12);
  // legend: line samples with names, on one row under the title; many series (a deep
  // network) take a smaller font, shorter samples, then the names without their prefix
  // ("layer 1" → "1" after one "layer")
  let lx = 8;
  let lg;
  for (const [size, len, short] of LEGENDS) {  // the first layout that fits, else the last
    ctx.font = font(p, size);
    const names = c.series.map((s) => (short && c.prefix ? s[0].slice(c.prefix.length + 1) : s[0]));
    const head = short && c.prefix ? ctx.measureText(c.prefix).width + 8 : 0;
    lg = { size, len, names, head };
    if (8 + head + names.reduce((a, t) => a + len + 12 + ctx.measureText(t).width, 0) <= w - 4) break;
  }
  ctx.font = font(p, lg.size);
  if (lg.head) { ctx.fillText(c.prefix, lx, 20 * sc); lx += lg.head; }
  c.series.forEach(([, , color, dash], k) => {
    ctx.strokeStyle = color === SERIES.train ? p.ink : color; ctx.setLineDash(dash); ctx.lineWidth = 2.2;
    ctx.beginPath(); ctx.moveTo(lx, 27 * sc); ctx.lineTo(lx + lg.len, 27 * sc); ctx.stroke(); ctx.setLineDash([]);
    ctx.fillText(lg.names[k], lx + lg.len + 4, 20 * sc); lx += lg.len + 12 + ctx.measureText(lg.names[k]).width;
  });
  (p.legends ??= {})[c.title] = { right: x + lx, limit: x + w, size: lg.size };  // (tests read it)
  ctx.font = font(p, 13);
  const n = ep.length, ok = (v) => isFinite(v) && (!c.log || v > 0);
  const vals = c.series.flatMap((s) => s[1].filter(ok));
  let lo, hi;
  if (c.range) [lo, hi] = c.range;
  else if (vals.length) {
    lo = Math.pow(10, Math.floor(Math.log10(Math.min(...vals)))); hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...vals))));
    if (hi <= lo) hi = lo * 10;
  } else { lo = 1e-3; hi = 1; }
  const emax = Math.max(1, n ? ep[n - 1] : 1);
  const X = (e) => Lm + (e / emax) * pw;
  const Yv = (v) => T + ph - (c.log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
                                    : (v - lo) / (hi - lo)) * ph;
  ctx.strokeStyle = p.line; ctx.lineWidth = 1; ctx.strokeRect(Lm, T, pw, ph);
  ctx.fillStyle = p.ink; ctx.textAlign = "right"; ctx.textBaseline = "middle";
  const ticks = c.log ? [] : [0, 0.5, 1];
  if (c.log) {
    const d0 = Math.round(Math.log10(lo)), d1 = Math.round(Math.log10(hi)), st = Math.max(1, Math.ceil((d1 - d0) / 4));
    for (let d = d0; d <= d1; d += st) ticks.push(Math.pow(10, d));
  }
  for (const tv of ticks) {
    const yy = Yv(tv);
    ctx.fillText(c.pct ? Math.round(tv * 100) + "%" : tv >= 0.01 && tv <= 100 ? String(tv) : "1e" + Math.round(Math.log10(tv)), Lm - 4, yy);
    ctx.strokeStyle = p.line; ctx.beginPath(); ctx.moveTo(Lm, yy); ctx.lineTo(Lm + pw, yy); ctx.stroke();
  }
  ctx.textAlign = "left"; ctx.textBaseline = "top"; ctx.fillText("0", Lm, T + ph + 4);
  ctx.textAlign = "right"; ctx.fillText(`epoch ${Math.round(emax).toLocaleString("en-US")}`, Lm + pw, T + ph + 4);
  if (n === 0) {
    ctx.textAlign = "center"; ctx.textBaseline = "middle";
    ctx.fillText("No epoch yet:", Lm + pw / 2, T + ph / 2 - 9, pw - 8);
    ctx.fillText("press Play or Step epoch", Lm + pw / 2, T + ph / 2 + 9, pw - 8);
  }
  ctx.save(); ctx.beginPath(); ctx.rect(Lm, T - 2, pw, ph + 4); ctx.clip();
  for (const [, v, color, dash] of c.series) {
    ctx.strokeStyle = color === SERIES.train ? p.ink : color; ctx.fillStyle = ctx.strokeStyle;
    ctx.setLineDash(dash); ctx.lineWidth = 2.2; ctx.beginPath();
    let pen = false;
    for (let i = 0; i < n; i++) {
      if (!ok(v[i])) { pen = false; continue; }
      const px = X(ep[i]), py = Yv(Math.min(hi, Math.max(lo, v[i])));
      pen ? ctx.lineTo(px, py) : ctx.moveTo(px, py); pen = true;
    }
    ctx.stroke(); ctx.setLineDash([]);
    if (n === 1 && ok(v[0])) { ctx.beginPath(); ctx.arc(X(ep[0]) + 3, Yv(v[0]), 3.5, 0, 2 * Math.PI); ctx.fill(); }
  }
  ctx.restore(); ctx.restore();
}
