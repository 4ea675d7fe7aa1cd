// The network's forward pass and metrics, as nncore computes them (float64; browser tests
// hold them equal to nncore's MLP.forward, MLP.loss and argmax accuracy).

// The activations of nncore/activations.py, written the same way (sigmoid through tanh).
const ACT = {
  tanh: Math.tanh,
  sigmoid: (z) => 0.5 * (1.0 + Math.tanh(0.5 * z)),
  relu: (z) => (z > 0 ? z : 0.0),
  identity: (z) => z,
};

// The input features of nncore/features.py, of a point (a, b) = (x₁, x₂).
const FEATURE = {
  x1: (a, b) => a, x2: (a, b) => b, x1sq: (a, b) => a * a, x2sq: (a, b) => b * b,
  x1x2: (a, b) => a * b, sin1: (a, b) => Math.sin(a), sin2: (a, b) => Math.sin(b),
};

// The network's input for the points P2 (n × 2, row-major): one column per feature
// (n × k); the default (x₁, x₂) is P2 itself.
function expand(P2, names) {
  if (String(names) === "x1,x2") return P2;
  const n = P2.length / 2, k = names.length, out = new Float64Array(n * k), fs = names.map((f) => FEATURE[f]);
  for (let i = 0; i < n; i++) for (let c = 0; c < k; c++) out[i * k + c] = fs[c](P2[2 * i], P2[2 * i + 1]);
  return out;
}

// Z^(q) = A^(q-1) W^(q)ᵀ + b^(q), A^(q) = σ(Z^(q)), the last layer linear, for the n points
// P (n × n_0, row-major). Returns A: A[0] = P, A[q] (n × n_q); A[L] = Ŷ. `bufs` (the A of an
// earlier call on as many points) is written in place.
function forward(theta, lay, sizes, P, act, bufs) {
  const n = P.length / sizes[0], s = ACT[act] ?? Math.tanh, L = lay.L;
  const A = bufs && bufs[1] && bufs[1].length === n * sizes[1] ? bufs
    : [P, ...sizes.slice(1).map((m) => new Float64Array(n * m))];
  A[0] = P;
  for (let q = 1; q <= L; q++) {
    const a = A[q - 1], out = A[q], m = sizes[q - 1], k = sizes[q], wo = lay.woff[q - 1], bo = lay.boff[q - 1];
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < k; j++) {
        let z = 0;
        for (let c = 0; c < m; c++) z += a[i * m + c] * theta[wo + j * m + c];
        z += theta[bo + j];
        out[i * k + j] = q === L ? z : s(z);
      }
    }
  }
  return A;
}

// Loss L = (1/N) Σₙ Σₑ (ŷ − y)² with one-hot targets of the labels, and accuracy (argmax
// ŷ equals the label), over rows [from, to) of Y (n × k): nncore's MLP.loss and accuracy.
// A regression network (k = 1) has real targets T instead: the loss (1/N) Σ (ŷ − t)² and
// no accuracy (NaN).
function metrics(Y, k, labels, from, to, T) {
  if (T) {
    let sq = 0;
    for (let i = from; i < to; i++) { const d = Y[i] - T[i]; sq += d * d; }
    return to > from ? [sq / (to - from), NaN] : [NaN, NaN];
  }
  let sq = 0, hit = 0;
  for (let i = from; i < to; i++) {
    let best = 0;
    for (let e = 0; e < k; e++) {
      const d = Y[i * k + e] - (labels[i] === e ? 1 : 0);
      sq += d * d;
      if (Y[i * k + e] > Y[i * k + best]) best = e;
    }
    if (best === labels[i]) hit++;
  }
  const n = to - from;
  return n > 0 ? [sq / n, hit / n] : [NaN, NaN];
}
