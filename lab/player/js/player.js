// Backprop Lab's live-training player: the server trains, this draws (wire.js, net.js and
// draw.js come before this file in the element's script; component.py joins them).
// Mounted once (key "live_player"); Streamlit calls the default export again on every data
// change, so per-element state lives in a registry (globalThis.__bpl) keyed by the
// element's root. Snapshots arrive through the small "live_feed" element (feed.js), which
// also carries this player's pulls. The protocol: lab/player/protocol.py.

const REG = (globalThis.__bpl ??= { mounts: 0, players: new WeakMap(), player: null, feed: null });
const LEAD = 0.3;   // seconds of snapshots kept queued ahead of the screen
const BATCH = 1.5;  // seconds asked for beyond the lead (≥ 2 × latency): ≤ 0.7 requests/s
// Each request asks for BATCH × (1 ± JITTER / 2), at random: sessions that pressed Play
// together (a class told "press Play now") would otherwise pull in step forever, and the
// server would meet all their requests at once.
const JITTER = 0.5;
// A request unanswered this long was lost (an interrupted fragment run): ask again, backing
// off (×2 up to 12 s). Never sooner: each request reruns a fragment, and requests arriving
// while a slow full rerun (a button) runs would restart it again and again.
const RETRY_MS = 3000;

function fmtLoss(v) { return v == null || !isFinite(v) ? "—" : v < 1e-3 ? v.toExponential(2) : v.toFixed(4); }
function fmtAcc(v) { return v == null || !isFinite(v) ? "—" : (100 * v).toFixed(1) + " %"; }
function fmtInt(v) { return Math.round(v).toLocaleString("en-US"); }

class Player {
  constructor(root) {
    this.root = root;
    const q = (s) => root.querySelector(s);
    this.el = { box: q(".bpl"), net: q(".bpl-net"), map: q(".bpl-map"), charts: q(".bpl-charts"), scale: q(".bpl-scale"),
                status: q(".bpl-status"), tip: q(".bpl-tip"), counters: {} };
    root.querySelectorAll("[data-counter]").forEach((b) => (this.el.counters[b.dataset.counter] = b));
    this.gen = null; this.stream = null; this.queue = []; this.lastStep = -1; this.lastEpoch = -1;
    this.shown = null; this.nextAt = 0; this.interval = 1 / 60; this.running = false; this.final = false;
    this.settling = 0; this.settleSeq = 0; this.behind = false;
    this.inflight = null; this.seq = 0; this.latency = 0.1; this.retry = RETRY_MS;
    this.frames = 0; this.drawn = 0; this.drawMs = 0; this.dupes = 0; this.requests = 0; this.replies = 0; this.skipped = 0; this.routed = 0;
    this.hist = { epoch: [], rows: [] }; this.pendingEpochs = []; this.chartsDirty = true; this.sizeKey = ""; this.colorsAt = 0; this.roomKey = ""; this.roomAt = 0; this.room = Infinity;
    this.scale = 1; this.setTrigger = null; this.tiles = {}; this.sizes = null;
    bindPointer(this);
    // A click on a tab while playing stops on the frame on screen first, so the tab that
    // opens shows those weights (the page also pauses when Train closes: a fallback).
    this.onTab = (ev) => {
      if (this.running && ev.composedPath().some((n) => n.getAttribute?.("role") === "tab")) this.settle();
    };
    document.addEventListener("pointerdown", this.onTab, true);
    this.loop = this.loop.bind(this);
    this.raf = requestAnimationFrame(this.loop);
    REG.alive = (REG.alive ?? 0) + 1;  // animation loops running (tests hold it at one)
  }

  buildGrid(R, extent) {
    this.R = R; this.extent = extent;
    const gx = new Float64Array(R), step = (2 * extent) / (R - 1);
    // numpy's linspace(-e, e, R): start + i·step, the last point exactly e
    for (let i = 0; i < R; i++) gx[i] = i === R - 1 ? extent : -extent + i * step;
    const P2 = new Float64Array(R * R * 2), k = this.features.length;
    for (let i = 0; i < R; i++) for (let j = 0; j < R; j++) { P2[2 * (i * R + j)] = gx[j]; P2[2 * (i * R + j) + 1] = gx[i]; }
    this.P = expand(P2, this.features);  // each input's small map: scaled to its largest |value|
    this.inScale = this.features.map((_, c) => 1 / Math.max(1e-12, ...Array.from({ length: R * R }, (_, i) => Math.abs(this.P[i * k + c]))));
    this.fwd = null; this.tiles = {};
  }

  // ------------------------------------------------------------------ data in
  update(d) {
    if (!d || typeof d !== "object" || !Array.isArray(d.sizes)) return;
    const newRun = d.run !== this.gen;
    const feats = d.features ?? ["x1", "x2"], featsNew = String(feats) !== String(this.features);
    if (newRun || featsNew || String(d.sizes) !== String(this.sizes) || d.grid !== this.R || d.extent !== this.extent) {
      this.features = feats; this.inputNames = d.input_names ?? ["x₁", "x₂"];
      this.sizes = d.sizes; this.lay = layout(d.sizes); this.buildGrid(d.grid, d.extent);
    }
    if (this.settling && (newRun || d.settled >= this.settling)) this.settling = 0;
    this.settleSeq = Math.max(this.settleSeq, d.settled);
    this.act = d.activation; this.scale = d.scale || 1; this.behind = false;
    this.el.box.style.setProperty("--bpl-scale", this.scale);
    if (newRun || featsNew || d.points.x !== this.pointsKey) {
      this.pointsKey = d.points.x;
      this.X = unb64(d.points.x, Float64Array); this.y = unb64(d.points.y, Uint8Array);
      this.Xin = expand(this.X, this.features);  // what the network is fed
      this.T = d.points.t ? unb64(d.points.t, Float64Array) : null;  // regression targets
      this.root.querySelector(".bpl-key-cls").hidden = !!this.T;
      this.root.querySelector(".bpl-key-reg").hidden = !this.T;
      this.nTrain = d.points.n_train; this.fwdPts = null;
    }
    this.gen = d.run;
    const h = d.history, rows = unb64(h.rows, Float32Array), nm = this.lay.nm;
    this.hist = { epoch: Array.from(unb64(h.epoch, Uint32Array)), rows: [] };
    for (let i = 0; i < h.n; i++) this.hist.rows.push(Array.from(rows.subarray(nm * i, nm * i + nm)));
    this.pendingEpochs = []; this.chartsDirty = true;
    this.interval = d.interval; this.speed = d.speed; this.stride = d.stride;
    this.route = routeOf(d);
    this.status = d.status; this.sample = d.sample;
    this.showTest = d.show_test ?? true; this.discrete = !!d.discretize;  // the map's toggles
    const exact = { step: d.state.step, epoch: d.state.epoch, theta: unb64(d.state.theta, Float64Array), exact: true };
    const wasRunning = this.running, newStream = d.stream !== this.stream;
    this.stream = d.stream;
    if (wasRunning && !newRun && !d.running) this.settle();  // the page paused: stop here
    if (this.settling) {
      // waiting for the frame it stopped on to come back as the server's exact weights
      this.running = false;
    } else if (newRun || !d.running || !wasRunning) {
      // paused, a new run, or Play pressed: the server's weights are the truth
      this.running = !!d.running;
      this.queue = []; this.inflight = null; this.final = false;
      this.lastStep = exact.step; this.lastEpoch = this.hist.epoch.length ? this.hist.epoch.at(-1) : -1;
      this.show(exact);
      this.nextAt = performance.now() / 1000;
    } else {
      // Playing on. The server's history may run ahead of the screen: epochs past the frame
      // on screen are charted when it gets there, as those of the snapshots are.
      const upto = this.shown ? this.shown.epoch : exact.epoch;
      while (this.hist.epoch.length > 1 && this.hist.epoch.at(-1) > upto) {
        this.pendingEpochs.unshift([this.hist.epoch.pop(), this.hist.rows.pop()]);
      }
      if (newStream) {
        // a new speed or training setting: what is queued was trained with the old one;
        // go on from the frame on screen (the next pull's `have`), where the server restarts
        this.queue = []; this.inflight = null; this.final = false; this.pendingEpochs = [];
        this.lastStep = this.restartedAt = this.shown.step;
      }
      this.lastEpoch = Math.max(this.hist.epoch.length ? this.hist.epoch.at(-1) : -1,
                                this.pendingEpochs.length ? this.pendingEpochs.at(-1)[0] : -1);
    }
    this.renderStatus();
  }

  ingest(u8) {
    if (!this.lay) return;
    const r = readReply(u8, this.lay);
    if (!r) return;
    if (this.inflight && r.seq === this.inflight.seq) {
      this.latency = 0.8 * this.latency + 0.2 * (performance.now() / 1000 - this.inflight.at);
      this.inflight = null; this.retry = RETRY_MS;
    }
    this.replies++;
    if (r.run !== this.gen || r.stream !== this.stream) {
      // the server is on another run or stream: the page that tells this player arrives
      // with the next full rerun, unless that rerun was lost (then pull() asks for it)
      this.behind = true;
      return;
    }
    if (!this.running) return;
    for (const s of r.snaps) {
      if (s.step <= this.lastStep) { this.dupes++; continue; }
      if (!s.finite) { this.skipped++; continue; }  // never drawn: NaN must not reach the screen
      this.queue.push(s); this.lastStep = s.step;
    }
    for (const [e, row] of r.epochs) {
      if (e <= this.lastEpoch) continue;
      this.pendingEpochs.push([e, row]); this.lastEpoch = e;  // charted once shown
    }
    if (this.hist.epoch.length > 2000) {  // keep the charts' cost bounded: every other point
      this.hist.epoch = this.hist.epoch.filter((_, i) => i % 2 === 0);
      this.hist.rows = this.hist.rows.filter((_, i) => i % 2 === 0);
    }
    // The run ends (limit, divergence) after this reply's last snapshot: play the queue
    // out, then settle on the last frame.
    if (r.flags & FINAL) this.final = true;
  }

  // ------------------------------------------------------------------ the loop
  // Another tab of the app is open: the player stays mounted but hidden (display: none)
  // and paused; it draws again when Train opens.
  hidden() { return this.el.map.getClientRects().length === 0; }

  loop() {
    if (!this.root.isConnected) { this.stop(); return; }
    this.raf = requestAnimationFrame(this.loop);
    this.frames++;
    const now = performance.now() / 1000;
    if (this.hidden()) { this.nextAt = now; return; }
    if (this.stale && this.shown) { this.stale = false; drawNet(this); drawMap(this); }
    if (this.running) {
      if (this.queue.length && now >= this.nextAt) {
        this.show(this.queue.shift());
        this.nextAt = Math.max(this.nextAt + this.interval, now - this.interval);
      }
      if (this.final && !this.queue.length) this.settle();
      else this.pull(now);
    }
    this.resize();
    if (this.chartsDirty && (!this.chartsAt || now - this.chartsAt > 0.1)) drawCharts(this, now);
  }

  pull(now) {
    if (!REG.feed || this.final) return;
    if (this.inflight && now - this.inflight.at < this.retry / 1000) return;
    if (this.inflight) this.retry = Math.min(12000, 2 * this.retry);
    if (this.behind && this.inflight) {  // replies say another stream, and no page came
      this.inflight = { seq: ++this.seq, at: now };
      this.setTrigger?.("resync", this.seq);
      return;
    }
    const lead = Math.min(1.5, LEAD + 2 * this.latency);
    const queued = this.queue.length * this.interval + Math.max(0, this.nextAt - now);
    if (queued >= lead) return;
    // a slow server gets fewer, larger requests: each costs it a fragment rerun
    const batch = Math.max(BATCH * (1 - JITTER / 2 + JITTER * Math.random()), 2 * this.latency);
    const want = Math.max(1, Math.min(120, Math.ceil((lead + batch) / this.interval) - this.queue.length));
    this.inflight = { seq: ++this.seq, at: now };
    this.requests++;
    const q = { run: this.gen, stream: this.stream, have: this.lastStep, want, seq: this.seq,
                ehave: this.lastEpoch, shown: this.shown ? this.shown.step : this.lastStep };
    sendPull(this, q);  // over the route or the feed (pull.js)
  }

  // Stop on the frame on screen and tell the server which it is: the trainer goes there.
  settle() {
    if (!this.shown || this.settling) return;
    this.running = false; this.final = false; this.queue = []; this.inflight = null;
    this.settling = ++this.settleSeq;
    this.setTrigger?.("settle", { run: this.gen, stream: this.stream, step: this.shown.step, seq: this.settling });
    this.renderStatus();
  }

  // The frame on screen while training is live (or stopping on it), else null: what the
  // downloads and the copied link describe.
  frame() {
    return (this.running || this.settling) && this.shown
      ? { run: this.gen, stream: this.stream, step: this.shown.step } : null;
  }

  show(s) {
    this.shown = s;
    while (this.pendingEpochs.length && this.pendingEpochs[0][0] <= s.epoch) {
      const [e, row] = this.pendingEpochs.shift();
      if (!this.hist.epoch.length || e > this.hist.epoch.at(-1)) { this.hist.epoch.push(e); this.hist.rows.push(row); }
      this.chartsDirty = true;
    }
    const t0 = performance.now();
    this.fwd = forward(s.theta, this.lay, this.sizes, this.P, this.act, this.fwd);
    this.measure(s);
    this.drawn++;
    if (this.hidden()) this.stale = true;  // drawn when shown again
    else { drawNet(this); drawMap(this); }
    this.renderCounters();
    this.drawMs += performance.now() - t0;  // JS time per drawn frame (benchmarks read it)
  }

  redraw() { if (this.shown) { drawNet(this); drawMap(this); } }

  // Loss and accuracy of the drawn weights on the training and test points (float64).
  measure(s) {
    if (!this.X) { s.loss = [NaN, NaN]; s.acc = [NaN, NaN]; return; }
    this.fwdPts = forward(s.theta, this.lay, this.sizes, this.Xin, this.act, this.fwdPts);
    const Y = this.fwdPts.at(-1), k = this.sizes.at(-1), n = this.y.length;
    const [trL, trA] = metrics(Y, k, this.y, 0, this.nTrain, this.T), [teL, teA] = metrics(Y, k, this.y, this.nTrain, n, this.T);
    s.loss = [trL, teL]; s.acc = [trA, teA];
  }

  // ------------------------------------------------------------------ page
  colors() {
    const cs = getComputedStyle(this.root.host ?? this.root.firstElementChild);
    const v = (n, d) => cs.getPropertyValue(n).trim() || d;
    this.ink = v("--st-text-color", "#111");
    this.line = v("--st-border-color", "#ccc");
    this.font = v("--st-font", "DejaVu Sans, Arial, sans-serif");
  }

  resize() {
    const W = this.el.box?.clientWidth || 900, now = performance.now();
    // the network and the map whole on the first screen: no taller than the window below
    // them (measured when the window or the picture's place on screen changes, and once a
    // second; the ancestors' scroll walk only then, not every frame)
    const win = innerWidth + "x" + innerHeight + "@" + Math.round(this.el.net.getBoundingClientRect().top);
    if (win !== this.roomKey || now - this.roomAt > 1000) {
      this.roomKey = win; this.roomAt = now; this.room = innerHeight - this.pageTop(this.el.net) - 24;
    }
    const side = Math.round(Math.max(220, Math.min(340 * Math.min(this.scale, 1.15), 0.42 * W, this.room)));
    if (this.el.map.style.width !== side + "px") {
      this.el.map.style.width = this.el.map.style.height = side + "px";
      this.el.net.style.height = side + "px";
      this.el.charts.style.height = Math.round((W >= 900 ? 230 : 420) * this.scale) + "px";
    }
    const key = [this.el.net, this.el.map, this.el.charts].map((c) => c.clientWidth + "x" + c.clientHeight).join() + this.scale;
    if (key === this.sizeKey && now - this.colorsAt < 1000) return;
    const changed = key !== this.sizeKey;
    this.sizeKey = key; this.colorsAt = now;
    const before = this.ink;
    this.colors();
    if (changed || before !== this.ink) {
      this.chartsDirty = true; drawScale(this);
      if (this.shown) { drawNet(this); drawMap(this); }
    }
  }

  // an element's top on the page, as if scrolled to the top (Streamlit scrolls a container)
  pageTop(el) {
    let top = el.getBoundingClientRect().top;
    for (let n = el.parentNode; n; n = n.parentNode ?? n.host) {
      if (n.scrollTop) top += n.scrollTop;
    }
    return top + scrollY;
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
    let text = this.settling ? "" : this.status, error = /diverged/i.test(text || "");
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

  stop() {
    if (this.stopped) return;
    this.stopped = true; REG.alive--;
    document.removeEventListener("pointerdown", this.onTab, true);
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
  REG.forward = forward; REG.layout = layout; REG.expand = expand; REG.readReply = readReply;
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
