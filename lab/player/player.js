// Backprop Lab's live-training player: the server trains, this draws.
// Mounted once (key "live_player"); Streamlit calls the default export again on every
// data change, so per-element state lives in a registry (globalThis.__bpl) keyed by the
// element's root. Snapshots arrive through the small "live_feed" element (feed.js), which
// also sends this player's pull requests. Wire format: lab/player/protocol.py.

const REG = (globalThis.__bpl ??= { mounts: 0, players: new WeakMap(), player: null, feed: null });
REG.alive ??= 0;  // animation loops running: 1 once the Train tab has opened (see hidden())

const MAGIC = 0x42504c31, HEADER = 28, SNAP = 148, EPOCH = 44, NP = 35;
const RUNNING = 1, FINAL = 8;  // header flags: FINAL = no snapshot after this reply's last
const LEAD = 0.3;            // seconds of snapshots kept queued ahead of the screen
const BATCH = 1.5;           // seconds asked for beyond the lead (≥ 2 × latency): ≤ 0.7 requests/s
// Each request asks for BATCH × (1 ± JITTER / 2), at random: sessions that pressed Play
// together (a class told "press Play now") would otherwise pull in step forever, and the
// server would meet all their requests at once.
const JITTER = 0.5;
// A request unanswered this long was lost (an interrupted fragment run): ask again, backing
// off (×2 up to 12 s). Never sooner: each request reruns a fragment, and requests arriving
// while a slow full rerun (a button) runs would restart it again and again.
const RETRY_MS = 3000;
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
const CLASS = ["#e66101", "#1f78b4"];
const SERIES = { train: "#222", test: "#7b3294" };
const LAYER = [["#1b9e77", []], ["#7570b3", [7, 4]], ["#e7298a", [2, 3]]];
const SUP = ["⁽¹⁾", "⁽²⁾", "⁽³⁾"], SUB = ["₁", "₂", "₃", "₄"];

// The activations of nncore/activations.py, written the same way (sigmoid through tanh).
const ACT = {
  tanh: Math.tanh,
  sigmoid: (z) => 0.5 * (1.0 + Math.tanh(0.5 * z)),
  relu: (z) => (z > 0 ? z : 0.0),
  identity: (z) => z,
};

function unb64(s, Type) {
  const bin = atob(s || "");
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return new Type(u8.buffer);
}

// Forward pass of the 2-3-4-2 net over points P (n × 2, row-major), float64, as nncore:
// Z^(q) = A^(q-1) W^(q)ᵀ + b^(q), A^(q) = σ(Z^(q)), linear output. θ in MLP.get_flat order.
function forward(theta, P, act, out) {
  const n = P.length / 2, s = act in ACT ? ACT[act] : Math.tanh;
  const A1 = out?.A1 ?? new Float64Array(n * 3), A2 = out?.A2 ?? new Float64Array(n * 4);
  const Y = out?.Y ?? new Float64Array(n * 2);
  const t = theta;
  for (let i = 0; i < n; i++) {
    const x0 = P[2 * i], x1 = P[2 * i + 1];
    for (let j = 0; j < 3; j++) A1[3 * i + j] = s(x0 * t[2 * j] + x1 * t[2 * j + 1] + t[6 + j]);
    for (let j = 0; j < 4; j++) {
      const w = 9 + 3 * j;
      A2[4 * i + j] = s(A1[3 * i] * t[w] + A1[3 * i + 1] * t[w + 1] + A1[3 * i + 2] * t[w + 2] + t[21 + j]);
    }
    for (let j = 0; j < 2; j++) {
      const w = 25 + 4 * j;
      Y[2 * i + j] = A2[4 * i] * t[w] + A2[4 * i + 1] * t[w + 1] + A2[4 * i + 2] * t[w + 2]
        + A2[4 * i + 3] * t[w + 3] + t[33 + j];
    }
  }
  return { A1, A2, Y };
}

// Loss L = (1/N) Σₙ Σₑ (ŷ − y)² with one-hot targets of the labels, and accuracy (class 2
// when ŷ₂ > ŷ₁, as argmax), of rows [from, to) of Y: nncore's MLP.loss and argmax accuracy.
function metrics(Y, labels, from, to) {
  let sq = 0, hit = 0;
  for (let i = from; i < to; i++) {
    const c = labels[i], e0 = Y[2 * i] - (c === 0 ? 1 : 0), e1 = Y[2 * i + 1] - (c === 1 ? 1 : 0);
    sq += e0 * e0 + e1 * e1;
    if ((Y[2 * i + 1] > Y[2 * i]) === (c === 1)) hit++;
  }
  const n = to - from;
  return n > 0 ? [sq / n, hit / n] : [NaN, NaN];
}

function fmtLoss(v) { return v == null || !isFinite(v) ? "—" : v < 1e-3 ? v.toExponential(2) : v.toFixed(4); }
function fmtAcc(v) { return v == null || !isFinite(v) ? "—" : (100 * v).toFixed(1) + " %"; }
function fmtInt(v) { return Math.round(v).toLocaleString("en-US"); }

class Player {
  constructor(root) {
    this.root = root;
    const q = (s) => root.querySelector(s);
    this.el = { net: q(".bpl-net"), map: q(".bpl-map"), charts: q(".bpl-charts"), scale: q(".bpl-scale"),
                status: q(".bpl-status"), tip: q(".bpl-tip"), counters: {} };
    root.querySelectorAll("[data-counter]").forEach((b) => (this.el.counters[b.dataset.counter] = b));
    this.gen = null; this.queue = []; this.lastStep = -1; this.lastEpoch = -1;
    this.shown = null; this.nextAt = 0; this.interval = 1 / 60; this.running = false; this.final = false;
    this.inflight = null; this.seq = 0; this.latency = 0.1; this.retry = RETRY_MS;
    this.frames = 0; this.drawn = 0; this.drawMs = 0; this.dupes = 0; this.requests = 0; this.replies = 0; this.skipped = 0;
    this.hist = { epoch: [], rows: [] }; this.pendingEpochs = []; this.chartsDirty = true; this.sizeKey = ""; this.colorsAt = 0;
    this.setTrigger = null;
    this.buildGrid(50, 1.3);
    this.bindPointer();
    this.loop = this.loop.bind(this);
    this.raf = requestAnimationFrame(this.loop);
    REG.alive++;
  }

  buildGrid(R, extent) {
    this.R = R; this.extent = extent;
    this.gridX = new Float64Array(R);
    // numpy's linspace(-e, e, R): start + i·step, the last point exactly e
    const step = (2 * extent) / (R - 1);
    for (let i = 0; i < R; i++) this.gridX[i] = i === R - 1 ? extent : -extent + i * step;
    this.P = new Float64Array(R * R * 2);
    for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) {
      this.P[2 * (i * R + j)] = this.gridX[j]; this.P[2 * (i * R + j) + 1] = this.gridX[i];
    }
    this.fwd = { A1: new Float64Array(R * R * 3), A2: new Float64Array(R * R * 4), Y: new Float64Array(R * R * 2) };
    this.tiles = Array.from({ length: 13 }, () => {
      const c = document.createElement("canvas"); c.width = R; c.height = R;
      return { c, ctx: c.getContext("2d"), img: new ImageData(R, R) };
    });
  }

  // ------------------------------------------------------------------ data in
  update(d) {
    if (!d || typeof d !== "object") return;
    if (d.grid !== this.R || d.extent !== this.extent) this.buildGrid(d.grid, d.extent);
    this.act = d.activation;
    const newRun = d.gen !== this.gen;
    if (newRun || d.points.x !== this.pointsKey) {
      this.pointsKey = d.points.x;
      this.X = unb64(d.points.x, Float64Array); this.y = unb64(d.points.y, Uint8Array);
      this.nTrain = d.points.n_train;
      this.fwdPts = { A1: new Float64Array(this.y.length * 3), A2: new Float64Array(this.y.length * 4),
                      Y: new Float64Array(this.y.length * 2) };
    }
    this.gen = d.gen;
    const h = d.history;
    this.hist = { epoch: Array.from(unb64(h.epoch, Uint32Array)), rows: [] };
    this.pendingEpochs = [];
    const rows = unb64(h.rows, Float32Array);
    for (let i = 0; i < h.n; i++) this.hist.rows.push(Array.from(rows.subarray(9 * i, 9 * i + 9)));
    this.chartsDirty = true;
    this.interval = d.interval; this.speed = d.speed; this.stride = d.stride;
    this.limit = d.limit; this.status = d.status; this.sample = d.sample;
    const st = d.state;
    const exact = { step: st.step, epoch: st.epoch, theta: unb64(st.theta, Float64Array), exact: true };
    const wasRunning = this.running;
    this.running = !!d.running;
    if (newRun || !this.running) this.final = false;  // else the run still ends where it did
    if (!this.running || newRun || !wasRunning) {
      // Paused, a new run, or just started: the server's weights are the truth.
      this.queue = []; this.inflight = null;
      this.lastStep = exact.step; this.lastEpoch = this.hist.epoch.length ? this.hist.epoch.at(-1) : -1;
      this.show(exact);
      this.nextAt = performance.now() / 1000;
    } else {
      // Playing on: the server's history runs ahead of the screen. Epochs past the frame on
      // screen are charted when it gets there, as those of the snapshots are.
      const upto = this.shown ? this.shown.epoch : exact.epoch;
      while (this.hist.epoch.length > 1 && this.hist.epoch.at(-1) > upto) {
        this.pendingEpochs.unshift([this.hist.epoch.pop(), this.hist.rows.pop()]);
      }
      this.lastEpoch = Math.max(this.lastEpoch, this.pendingEpochs.length ? this.pendingEpochs.at(-1)[0]
                                : this.hist.epoch.length ? this.hist.epoch.at(-1) : -1);
    }
    this.renderStatus();
  }

  ingest(u8) {
    if (!(u8 instanceof Uint8Array) || u8.byteLength < HEADER) return;
    const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
    if (dv.getUint32(0, true) !== MAGIC) return;
    const gen = dv.getUint32(4, true), seq = dv.getUint32(8, true), flags = dv.getUint32(12, true);
    const ns = dv.getUint16(20, true), ne = dv.getUint16(22, true);
    if (this.inflight && seq === this.inflight.seq) {
      this.latency = 0.8 * this.latency + 0.2 * (performance.now() / 1000 - this.inflight.at);
      this.inflight = null; this.retry = RETRY_MS;
    }
    this.replies++;
    if (gen !== this.gen || !this.running) return;  // another run, or paused: not for the screen
    this.interval = dv.getFloat32(16, true) || this.interval;
    let off = HEADER;
    for (let k = 0; k < ns; k++, off += SNAP) {
      const step = dv.getUint32(off, true);
      if (step <= this.lastStep) { this.dupes++; continue; }
      const theta = new Float64Array(NP);
      let finite = true;
      for (let i = 0; i < NP; i++) { theta[i] = dv.getFloat32(off + 8 + 4 * i, true); finite &&= isFinite(theta[i]); }
      if (!finite) { this.skipped++; continue; }  // never drawn: NaN must not reach the screen
      this.queue.push({ step, epoch: dv.getUint32(off + 4, true), theta });
      this.lastStep = step;
    }
    for (let k = 0; k < ne; k++, off += EPOCH) {
      const e = dv.getUint32(off, true);
      if (e <= this.lastEpoch) continue;
      const row = [];
      for (let i = 0; i < 9; i++) row.push(dv.getFloat32(off + 8 + 4 * i, true));
      this.pendingEpochs.push([e, row]); this.lastEpoch = e;  // charted once shown
    }
    if (this.hist.epoch.length > 2000) {  // keep the charts' cost bounded: every other point
      this.hist.epoch = this.hist.epoch.filter((_, i) => i % 2 === 0);
      this.hist.rows = this.hist.rows.filter((_, i) => i % 2 === 0);
    }
    // The run ends (limit, divergence) after this reply's last snapshot: play the queue
    // out, then pull once more; that pull stops the run on the server.
    this.final = !!(flags & FINAL);
    if (!(flags & RUNNING)) this.running = false;  // the server stopped
  }

  // ------------------------------------------------------------------ the loop
  // Another tab of the app is open: the player stays mounted but hidden (display: none),
  // and neither pulls nor draws; playback resumes where it was when Train opens again.
  hidden() { return this.el.map.getClientRects().length === 0; }

  loop() {
    if (!this.root.isConnected) { this.stop(); return; }
    this.raf = requestAnimationFrame(this.loop);
    this.frames++;
    const now = performance.now() / 1000;
    if (this.hidden()) { this.nextAt = now; return; }
    if (this.stale) { this.stale = false; this.drawNet(); this.drawMap(); }
    if (this.running) {
      if (this.queue.length && now >= this.nextAt) {
        this.show(this.queue.shift());
        this.nextAt = Math.max(this.nextAt + this.interval, now - this.interval);
      }
      this.pull(now);
    }
    this.resize();
    if (this.chartsDirty && (!this.chartsAt || now - this.chartsAt > 0.1)) this.drawCharts(now);
  }

  pull(now) {
    if (!REG.feed) return;
    if (this.inflight && now - this.inflight.at < this.retry / 1000) return;
    if (this.inflight) this.retry = Math.min(12000, 2 * this.retry);
    const lead = Math.min(1.5, LEAD + 2 * this.latency);
    const queued = this.queue.length * this.interval + Math.max(0, this.nextAt - now);
    if (queued >= lead || (this.final && this.queue.length)) return;
    // a slow server gets fewer, larger requests: each costs it a fragment rerun
    const batch = Math.max(BATCH * (1 - JITTER / 2 + JITTER * Math.random()), 2 * this.latency);
    const want = Math.max(1, Math.min(120, Math.ceil((lead + batch) / this.interval) - this.queue.length));
    this.inflight = { seq: ++this.seq, at: now };
    this.requests++;
    // "shown": the step on screen, from which the server knows what the screen shows at
    // a Pause (it trains ahead, and goes back to that frame)
    REG.feed.request({ gen: this.gen, have: this.lastStep, want, seq: this.seq, ehave: this.lastEpoch,
                       shown: this.shown ? this.shown.step : this.lastStep });
  }

  show(s) {
    this.shown = s;
    while (this.pendingEpochs.length && this.pendingEpochs[0][0] <= s.epoch) {
      const [e, row] = this.pendingEpochs.shift();
      if (!this.hist.epoch.length || e > this.hist.epoch.at(-1)) { this.hist.epoch.push(e); this.hist.rows.push(row); }
      this.chartsDirty = true;
    }
    const t0 = performance.now();
    forward(s.theta, this.P, this.act, this.fwd);
    this.measure(s);
    this.drawn++;
    if (this.hidden()) this.stale = true;  // drawn when shown again
    else { this.drawNet(); this.drawMap(); }
    this.renderCounters();
    this.drawMs += performance.now() - t0;  // JS time per drawn frame (benchmarks read it)
  }

  // Loss and accuracy of the drawn weights on the training and test points (float64).
  measure(s) {
    if (!this.X) { s.loss = [NaN, NaN]; s.acc = [NaN, NaN]; return; }
    const Y = forward(s.theta, this.X, this.act, this.fwdPts).Y, n = this.y.length;
    const [trL, trA] = metrics(Y, this.y, 0, this.nTrain), [teL, teA] = metrics(Y, this.y, this.nTrain, n);
    s.loss = [trL, teL]; s.acc = [trA, teA];
  }

  // ------------------------------------------------------------------ drawing
  colors() {
    const cs = getComputedStyle(this.root.host ?? this.root.firstElementChild);
    const v = (n, d) => cs.getPropertyValue(n).trim() || d;
    this.ink = v("--st-text-color", "#111");
    this.bg = v("--st-background-color", "#fff");
    this.line = v("--st-border-color", "#ccc");
    this.font = v("--st-font", "DejaVu Sans, Arial, sans-serif");
  }

  fit(canvas) {
    const dpr = window.devicePixelRatio || 1, r = canvas.getBoundingClientRect();
    const w = Math.max(1, Math.round(r.width * dpr)), h = Math.max(1, Math.round(r.height * dpr));
    if (canvas.width !== w || canvas.height !== h) { canvas.width = w; canvas.height = h; }
    const ctx = canvas.getContext("2d");
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    return [ctx, r.width, r.height];
  }

  resize() {
    const W = this.root.querySelector(".bpl")?.clientWidth || 900;
    const side = Math.round(Math.max(220, Math.min(340, 0.42 * W)));
    if (this.el.map.style.width !== side + "px") {
      this.el.map.style.width = this.el.map.style.height = side + "px";
      this.el.net.style.height = side + "px";
      this.el.charts.style.height = (W >= 900 ? 230 : 420) + "px";
    }
    const key = [this.el.net, this.el.map, this.el.charts].map((c) => c.clientWidth + "x" + c.clientHeight).join();
    const now = performance.now();
    if (key === this.sizeKey && now - this.colorsAt < 1000) return;
    const changed = key !== this.sizeKey;
    this.sizeKey = key; this.colorsAt = now;
    const before = this.ink;
    this.colors();
    if (changed || before !== this.ink) {
      this.chartsDirty = true; this.drawScale();
      if (this.shown) { this.drawNet(); this.drawMap(); }
    }
  }

  tile(k, values, stride, offset, scale, light = 0) {
    // light > 0 blends the colours toward white (the decision map, so points stand out)
    const { ctx, img, c } = this.tiles[k], d = img.data, R = this.R, keep = 1 - light, add = 255 * light;
    for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) {
      // row 0 of the image is the top of the plane (largest y)
      const v = values[((R - 1 - i) * R + j) * stride + offset] * scale;
      const li = 3 * Math.round((Math.max(-1, Math.min(1, v)) + 1) * 127.5), p = 4 * (i * R + j);
      d[p] = add + keep * LUT[li]; d[p + 1] = add + keep * LUT[li + 1]; d[p + 2] = add + keep * LUT[li + 2]; d[p + 3] = 255;
    }
    ctx.putImageData(img, 0, 0);
    return c;
  }

  drawMap() {
    const [ctx, W, H] = this.fit(this.el.map);
    const pad = { l: 34, r: 6, t: 6, b: 24 }, size = Math.min(W - pad.l - pad.r, H - pad.t - pad.b);
    const x0 = pad.l, y0 = pad.t, e = this.extent, Y = this.fwd.Y, R = this.R, n = R * R;
    this.mapBox = { x0, y0, size };
    const diff = this.diff ?? (this.diff = new Float64Array(n));
    for (let i = 0; i < n; i++) diff[i] = Y[2 * i + 1] - Y[2 * i];
    ctx.clearRect(0, 0, W, H);
    ctx.imageSmoothingEnabled = true;
    ctx.drawImage(this.tile(12, diff, 1, 0, 1, 0.45), x0, y0, size, size);
    // boundary ŷ₁ = ŷ₂: zero level of the map by marching squares on the grid
    const px = (j) => x0 + (j / (R - 1)) * size, py = (i) => y0 + size - (i / (R - 1)) * size;
    ctx.beginPath();
    for (let i = 0; i < R - 1; i++) for (let j = 0; j < R - 1; j++) {
      const a = diff[i * R + j], b = diff[i * R + j + 1], c = diff[(i + 1) * R + j + 1], d = diff[(i + 1) * R + j];
      const pts = [];
      if ((a > 0) !== (b > 0)) pts.push([px(j + a / (a - b)), py(i)]);
      if ((b > 0) !== (c > 0)) pts.push([px(j + 1), py(i + b / (b - c))]);
      if ((d > 0) !== (c > 0)) pts.push([px(j + d / (d - c)), py(i + 1)]);
      if ((a > 0) !== (d > 0)) pts.push([px(j), py(i + a / (a - d))]);
      for (let k = 0; k + 1 < pts.length; k += 2) { ctx.moveTo(...pts[k]); ctx.lineTo(...pts[k + 1]); }
    }
    ctx.strokeStyle = "#000"; ctx.lineWidth = 1.5; ctx.stroke();
    // points: training = filled circles, test = hollow diamonds
    const X = this.X, y = this.y, sx = (v) => x0 + ((v + e) / (2 * e)) * size, sy = (v) => y0 + size - ((v + e) / (2 * e)) * size;
    if (X) {
      ctx.lineWidth = 1;
      for (const cls of [0, 1]) {
        ctx.beginPath();
        for (let i = 0; i < this.nTrain; i++) if (y[i] === cls) {
          const u = sx(X[2 * i]), v = sy(X[2 * i + 1]); ctx.moveTo(u + 3.6, v); ctx.arc(u, v, 3.6, 0, 2 * Math.PI);
        }
        ctx.fillStyle = CLASS[cls]; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.stroke();
        ctx.beginPath();
        for (let i = this.nTrain; i < y.length; i++) if (y[i] === cls) {
          const u = sx(X[2 * i]), v = sy(X[2 * i + 1]), r = 4.6;
          ctx.moveTo(u, v - r); ctx.lineTo(u + r, v); ctx.lineTo(u, v + r); ctx.lineTo(u - r, v); ctx.closePath();
        }
        ctx.fillStyle = "#fff"; ctx.fill(); ctx.strokeStyle = CLASS[cls]; ctx.lineWidth = 2; ctx.stroke(); ctx.lineWidth = 1;
      }
      if (this.sample != null && this.sample < this.nTrain) {
        const u = sx(X[2 * this.sample]), v = sy(X[2 * this.sample + 1]);
        ctx.beginPath(); ctx.arc(u, v, 7.5, 0, 2 * Math.PI); ctx.strokeStyle = "#000"; ctx.lineWidth = 2.2; ctx.stroke();
      }
    }
    ctx.strokeStyle = this.line; ctx.lineWidth = 1; ctx.strokeRect(x0, y0, size, size);
    ctx.fillStyle = this.ink; ctx.font = `13px ${this.font}`;
    ctx.textAlign = "center"; ctx.textBaseline = "top";
    for (const t of [-1, 0, 1]) ctx.fillText(String(t), sx(t), y0 + size + 4);
    ctx.textAlign = "right"; ctx.textBaseline = "middle";
    for (const t of [-1, 0, 1]) ctx.fillText(String(t), x0 - 5, sy(t));
    ctx.textAlign = "left"; ctx.fillText("x₂", 2, y0 + 8);
    ctx.textAlign = "right"; ctx.textBaseline = "top"; ctx.fillText("x₁", x0 + size, y0 + size + 4);
  }

  drawNet() {
    const [ctx, W, H] = this.fit(this.el.net), t = this.shown.theta, sizes = [2, 3, 4, 2];
    ctx.clearRect(0, 0, W, H);
    const top = 44, bottom = 18, s = Math.max(24, Math.min(58, (H - top - bottom) / 4 - 19));
    const colX = [0, 1, 2, 3].map((c) => 30 + s / 2 + (c * (W - 60 - s)) / 3);
    const gap = (H - top - bottom - 4 * s) / 4;
    const pos = sizes.map((n, c) => Array.from({ length: n }, (_, j) => [colX[c],
      top + (H - top - bottom) / 2 + (j - (n - 1) / 2) * (s + gap)]));
    const woff = [0, 9, 25], boff = [6, 21, 33];
    // edges first: colour by sign, width by |w|
    for (let q = 0; q < 3; q++) {
      const nin = sizes[q], nout = sizes[q + 1];
      for (let j = 0; j < nout; j++) for (let k = 0; k < nin; k++) {
        const w = t[woff[q] + j * nin + k], [ax, ay] = pos[q][k], [bx, by] = pos[q + 1][j];
        const li = 3 * Math.round((Math.max(-1, Math.min(1, w)) + 1) * 127.5);
        const strong = Math.min(1, Math.abs(w));
        ctx.strokeStyle = `rgba(${LUT[li]},${LUT[li + 1]},${LUT[li + 2]},${0.35 + 0.65 * strong})`;
        ctx.lineWidth = Math.min(9, 0.6 + 3 * Math.abs(w));
        const x1 = ax + s / 2, x2 = bx - s / 2, mx = (x1 + x2) / 2;
        ctx.beginPath(); ctx.moveTo(x1, ay); ctx.bezierCurveTo(mx, ay, mx, by, x2, by); ctx.stroke();
      }
    }
    // nodes: each a map of its own output over the plane, with its bias as a small square
    const F = this.fwd, ext = 1 / this.extent;
    const maps = [[0, this.P, 2, 0, ext], [1, this.P, 2, 1, ext]];
    for (let j = 0; j < 3; j++) maps.push([2 + j, F.A1, 3, j, 1]);
    for (let j = 0; j < 4; j++) maps.push([5 + j, F.A2, 4, j, 1]);
    for (let j = 0; j < 2; j++) maps.push([9 + j, F.Y, 2, j, 1]);
    let m = 0;
    const names = [["x₁", "x₂"], [0, 1, 2].map((j) => "a" + SUP[0] + SUB[j]),
                   [0, 1, 2, 3].map((j) => "a" + SUP[1] + SUB[j]), ["ŷ₁", "ŷ₂"]];
    ctx.font = `13px ${this.font}`; ctx.fillStyle = this.ink;
    for (let c = 0; c < 4; c++) for (let j = 0; j < sizes[c]; j++, m++) {
      const [k, vals, stride, off, sc] = maps[m], [cx, cy] = pos[c][j];
      ctx.imageSmoothingEnabled = true;
      ctx.drawImage(this.tile(k, vals, stride, off, sc), cx - s / 2, cy - s / 2, s, s);
      ctx.strokeStyle = this.ink; ctx.lineWidth = 1; ctx.strokeRect(cx - s / 2, cy - s / 2, s, s);
      if (c > 0) {
        const b = t[boff[c - 1] + j], li = 3 * Math.round((Math.max(-1, Math.min(1, b)) + 1) * 127.5);
        ctx.fillStyle = `rgb(${LUT[li]},${LUT[li + 1]},${LUT[li + 2]})`;
        ctx.fillRect(cx - s / 2 - 9, cy + s / 2 - 8, 8, 8);
        ctx.strokeRect(cx - s / 2 - 9, cy + s / 2 - 8, 8, 8);
      }
      ctx.fillStyle = this.ink; ctx.textAlign = "center"; ctx.textBaseline = "top";
      ctx.fillText(names[c][j], cx, cy + s / 2 + 2);
    }
    ctx.textBaseline = "top";
    const heads = [["Input", "x"], ["Hidden 1", this.act], ["Hidden 2", this.act], ["Output", "linear"]];
    for (let c = 0; c < 4; c++) {
      ctx.textAlign = c === 0 ? "left" : c === 3 ? "right" : "center";
      const hx = c === 0 ? 4 : c === 3 ? W - 4 : colX[c];
      ctx.font = `600 14px ${this.font}`; ctx.fillText(heads[c][0], hx, 2);
      ctx.font = `13px ${this.font}`; ctx.fillText(heads[c][1], hx, 19);
    }
    ctx.font = `13px ${this.font}`; ctx.textAlign = "left"; ctx.textBaseline = "bottom";
    ctx.fillText("small square: the neuron's bias b", 4, H - 2);
  }

  drawScale() {
    const [ctx, W, H] = this.fit(this.el.scale);
    ctx.clearRect(0, 0, W, H);
    for (let x = 0; x < W - 12; x++) {
      const li = 3 * Math.round((x / (W - 13)) * 255);
      ctx.fillStyle = `rgb(${LUT[li]},${LUT[li + 1]},${LUT[li + 2]})`; ctx.fillRect(6 + x, 2, 1, 14);
    }
    ctx.strokeStyle = this.line; ctx.strokeRect(6, 2, W - 12, 14);
    ctx.fillStyle = this.ink; ctx.font = `13px ${this.font}`; ctx.textBaseline = "top";
    [["−1", 6, "left"], ["0", W / 2, "center"], ["+1", W - 6, "right"]].forEach(([s, x, a]) => {
      ctx.textAlign = a; ctx.fillText(s, x, 19);
    });
  }

  renderCounters() {
    const s = this.shown, c = this.el.counters;
    const set = (k, v) => { if (c[k] && c[k].textContent !== v) c[k].textContent = v; };
    set("Epoch", fmtInt(s.epoch)); set("Steps", fmtInt(s.step));
    set("Train loss", fmtLoss(s.loss[0])); set("Test loss", fmtLoss(s.loss[1]));
    set("Train accuracy", fmtAcc(s.acc[0])); set("Test accuracy", fmtAcc(s.acc[1]));
  }

  renderStatus() {
    const el = this.el.status;
    let text = this.status, error = /diverged/i.test(this.status || "");
    if (!text) {
      text = this.running
        ? `Playing at ${fmtInt(this.speed)} step${this.speed === 1 ? "" : "s"} per second` +
          (this.stride > 1 ? ` (${this.stride} steps per frame).` : ", every step drawn.")
        : this.shown && this.shown.step > 0
          ? "Paused: the picture shows the network's weights now, as the step-by-step tab does."
          : "Press Play to train, or Step / Step epoch to advance by hand.";
    }
    el.textContent = text; el.classList.toggle("error", error);
  }

  // ------------------------------------------------------------------ charts
  drawCharts(now) {
    this.chartsDirty = false; this.chartsAt = now;
    const [ctx, W, H] = this.fit(this.el.charts);
    ctx.clearRect(0, 0, W, H);
    const h = this.hist, ep = h.epoch, col = (i) => h.rows.map((r) => r[i]);
    const cols = W >= 900 ? 4 : 2, rows = cols === 4 ? 1 : 2, cw = W / cols, ch = H / rows;
    const charts = [
      { title: "Loss (log)", log: true, series: [["train", col(0), SERIES.train, []], ["test", col(1), SERIES.test, [6, 4]]] },
      { title: "Accuracy", range: [0, 1], pct: true, series: [["train", col(2), SERIES.train, []], ["test", col(3), SERIES.test, [6, 4]]] },
      { title: "Gradient norm ‖∂L/∂W‖ (log)", log: true, series: [0, 1, 2].map((q) => ["W" + SUP[q], col(4 + q), LAYER[q][0], LAYER[q][1]]) },
      { title: "Saturated units, |a| > 0.97", range: [0, 1], pct: true, series: [0, 1].map((q) => ["layer " + (q + 1), col(7 + q), LAYER[q][0], LAYER[q][1]]) },
    ];
    if (this.act !== "tanh") charts[3].title = "Saturated units (σ' < 6 % of max)";
    charts.forEach((c, i) => this.chart(ctx, (i % cols) * cw, Math.floor(i / cols) * ch, cw, ch, ep, c));
  }

  chart(ctx, x, y, w, h, ep, c) {
    const L = 52, Rm = 10, T = 40, B = 24, pw = w - L - Rm, ph = h - T - B;
    ctx.save(); ctx.translate(x, y);
    ctx.fillStyle = this.ink; ctx.font = `600 14px ${this.font}`; ctx.textAlign = "left"; ctx.textBaseline = "top";
    ctx.fillText(c.title, 8, 2, w - 12);
    // legend: short line samples with names, on one row under the title
    ctx.font = `13px ${this.font}`;
    let lx = 8;
    for (const [name, , color, dash] of c.series) {
      ctx.strokeStyle = color === SERIES.train ? this.ink : color; ctx.setLineDash(dash); ctx.lineWidth = 2.2;
      ctx.beginPath(); ctx.moveTo(lx, 27); ctx.lineTo(lx + 22, 27); ctx.stroke(); ctx.setLineDash([]);
      ctx.fillText(name, lx + 26, 20); lx += 34 + ctx.measureText(name).width;
    }
    const n = ep.length, ok = (v) => isFinite(v) && (!c.log || v > 0);
    const vals = c.series.flatMap((s) => s[1].filter(ok));
    let lo, hi;
    if (c.range) [lo, hi] = c.range;
    else if (vals.length) {
      lo = Math.min(...vals); hi = Math.max(...vals);
      lo = Math.pow(10, Math.floor(Math.log10(lo))); hi = Math.pow(10, Math.ceil(Math.log10(hi)));
      if (hi <= lo) hi = lo * 10;
    } else { lo = 1e-3; hi = 1; }
    const emax = Math.max(1, n ? ep[n - 1] : 1);
    const X = (e) => L + (e / emax) * pw;
    const Yv = (v) => T + ph - (c.log ? (Math.log10(v) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo))
                                       : (v - lo) / (hi - lo)) * ph;
    ctx.strokeStyle = this.line; ctx.lineWidth = 1; ctx.strokeRect(L, T, pw, ph);
    ctx.fillStyle = this.ink; ctx.textAlign = "right"; ctx.textBaseline = "middle";
    const ticks = c.log ? [] : [0, 0.5, 1];
    if (c.log) {
      const d0 = Math.round(Math.log10(lo)), d1 = Math.round(Math.log10(hi)), st = Math.max(1, Math.ceil((d1 - d0) / 4));
      for (let d = d0; d <= d1; d += st) ticks.push(Math.pow(10, d));
    }
    for (const tv of ticks) {
      const yy = Yv(tv);
      ctx.fillText(c.pct ? Math.round(tv * 100) + "%" : tv >= 0.01 && tv <= 100 ? String(tv) : "1e" + Math.round(Math.log10(tv)), L - 4, yy);
      ctx.strokeStyle = this.line; ctx.beginPath(); ctx.moveTo(L, yy); ctx.lineTo(L + pw, yy); ctx.stroke();
    }
    ctx.textAlign = "left"; ctx.textBaseline = "top"; ctx.fillText("0", L, T + ph + 4);
    ctx.textAlign = "right"; ctx.fillText(`epoch ${fmtInt(emax)}`, L + pw, T + ph + 4);
    if (n === 0) {
      ctx.textAlign = "center"; ctx.textBaseline = "middle";
      ctx.fillText("No epoch yet:", L + pw / 2, T + ph / 2 - 9, pw - 8);
      ctx.fillText("press Play or Step epoch", L + pw / 2, T + ph / 2 + 9, pw - 8);
    }
    ctx.save(); ctx.beginPath(); ctx.rect(L, T - 2, pw, ph + 4); ctx.clip();
    for (const [, v, color, dash] of c.series) {
      ctx.strokeStyle = color === SERIES.train ? this.ink : color; ctx.fillStyle = ctx.strokeStyle;
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

  // ------------------------------------------------------------------ picking
  bindPointer() {
    const map = this.el.map, tip = this.el.tip;
    const nearest = (ev) => {
      if (!this.X || !this.mapBox) return null;
      const r = map.getBoundingClientRect(), mx = ev.clientX - r.left, my = ev.clientY - r.top;
      const { x0, y0, size } = this.mapBox, e = this.extent;
      let best = -1, bd = 64;
      for (let i = 0; i < this.y.length; i++) {
        const u = x0 + ((this.X[2 * i] + e) / (2 * e)) * size, v = y0 + size - ((this.X[2 * i + 1] + e) / (2 * e)) * size;
        const d = (u - mx) ** 2 + (v - my) ** 2;
        if (d < bd) { bd = d; best = i; }
      }
      return best < 0 ? null : { i: best, mx, my };
    };
    map.addEventListener("mousemove", (ev) => {
      const hit = nearest(ev);
      if (!hit) { tip.hidden = true; return; }
      const { i } = hit, cls = this.y[i] + 1, train = i < this.nTrain;
      tip.textContent = train ? `Training point ${i}, class ${cls}: click to follow it in the step-by-step tab`
                              : `Test point, class ${cls}: held out from training, not pickable`;
      const host = this.root.querySelector(".bpl").getBoundingClientRect(), r = map.getBoundingClientRect();
      tip.style.left = Math.max(0, r.left - host.left + hit.mx - 260) + "px";
      tip.style.top = (r.top - host.top + hit.my + 14) + "px";
      tip.hidden = false;
    });
    map.addEventListener("mouseleave", () => (tip.hidden = true));
    map.addEventListener("click", (ev) => {
      const hit = nearest(ev);
      if (hit && hit.i < this.nTrain && this.setTrigger) {
        this.sample = hit.i; if (this.shown) this.drawMap();
        this.setTrigger("pick", hit.i);
      }
    });
  }

  stop() {
    if (this.stopped) return;
    this.stopped = true; REG.alive--;
    if (this.raf) cancelAnimationFrame(this.raf);
    this.raf = null;
  }
}

export default function (component) {
  const { data, parentElement, setTriggerValue } = component;
  let p = REG.players.get(parentElement);
  if (!p) {
    p = new Player(parentElement);
    REG.players.set(parentElement, p);
    REG.mounts++;
  }
  p.setTrigger = setTriggerValue;
  REG.player = p;
  REG.forward = forward;
  p.update(data);
  if (REG.pending) { const u8 = REG.pending; REG.pending = null; p.ingest(u8); }
  parentElement.querySelector(".bpl")?.classList.add("bpl-ready");
  return () => {
    // Streamlit may call this while the element stays on the page: stop only when gone.
    setTimeout(() => {
      if (!parentElement.isConnected) {
        p.stop(); REG.players.delete(parentElement);
        if (REG.player === p) REG.player = null;
      }
    }, 100);
  };
}
