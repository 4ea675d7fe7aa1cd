// The player's wire format (lab/player/wire.py): every offset from the network's sizes.

const MAGIC = 0x42504c33, HEADER = 24, FINAL = 1;

// Offsets of W^(q) and b^(q) in θ (MLP.get_flat order: W¹ row-major, b¹, W², b², …), the
// tensor of every parameter (W¹ 0, b¹ 1, W² 2, …) and the sizes of a keyframe, of a step
// (counters, scales and q of one snapshot after it) and of an epoch record, in bytes.
function layout(sizes) {
  const L = sizes.length - 1, woff = [], boff = [], tensor = [];
  let np = 0;
  for (let q = 1; q <= L; q++) {
    woff.push(np); np += sizes[q] * sizes[q - 1];
    boff.push(np); np += sizes[q];
    for (let i = woff.at(-1); i < boff.at(-1); i++) tensor.push(2 * q - 2);
    for (let i = boff.at(-1); i < np; i++) tensor.push(2 * q - 1);
  }
  const nm = 4 + L + (L - 1);  // losses, accuracies, ‖∂L/∂W‖ per layer, saturation per hidden layer
  return { L, np, woff, boff, nm, tensor, T: 2 * L, key: 8 + 4 * np, step: 8 + 8 * L + np, epoch: 8 + 4 * nm };
}

// A reply as {run, stream, seq, flags, snaps: [{step, epoch, theta, half, finite}], epochs:
// [[epoch, row]]}, or null when it is not one (or its length does not match its header).
// The first snapshot is a keyframe (float32 θ); each next one is the last finite one plus
// q·s (int8 q per parameter, float32 s per tensor; `half` = the largest s/2).
function readReply(u8, lay) {
  if (!(u8 instanceof Uint8Array) || u8.byteLength < HEADER) return null;
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) return null;
  const ns = dv.getUint16(20, true), ne = dv.getUint16(22, true), m = Math.max(ns - 1, 0);
  if (u8.byteLength !== HEADER + (ns ? lay.key : 0) + m * lay.step + ne * lay.epoch) return null;
  const out = { run: dv.getUint32(4, true), stream: dv.getUint32(8, true), seq: dv.getUint32(12, true),
                flags: dv.getUint32(16, true), snaps: [], epochs: [] };
  let off = HEADER;
  if (ns) {
    let here = new Float64Array(lay.np), finite = true;
    for (let i = 0; i < lay.np; i++) { here[i] = dv.getFloat32(off + 8 + 4 * i, true); finite &&= isFinite(here[i]); }
    out.snaps.push({ step: dv.getUint32(off, true), epoch: dv.getUint32(off + 4, true), theta: here, half: 0, finite });
    off += lay.key;
    const steps = off, epochs = steps + 4 * m, scales = epochs + 4 * m, qs = scales + 4 * lay.T * m;
    const s = new Float64Array(lay.T);
    for (let k = 0; k < m; k++) {
      let half = 0;
      for (let t = 0; t < lay.T; t++) { s[t] = dv.getFloat32(scales + 4 * (t * m + k), true); half = Math.max(half, s[t] / 2); }
      const theta = new Float64Array(lay.np);
      let ok = true;
      for (let i = 0; i < lay.np; i++) { theta[i] = here[i] + dv.getInt8(qs + i * m + k) * s[lay.tensor[i]]; ok &&= isFinite(theta[i]); }
      out.snaps.push({ step: dv.getUint32(steps + 4 * k, true), epoch: dv.getUint32(epochs + 4 * k, true), theta, half, finite: ok });
      if (ok) here = theta;  // a non-finite one is skipped: the next steps from the one before
    }
    off = qs + lay.np * m;
  }
  for (let k = 0; k < ne; k++, off += lay.epoch) {
    const row = [];
    for (let i = 0; i < lay.nm; i++) row.push(dv.getFloat32(off + 8 + 4 * i, true));
    out.epochs.push([dv.getUint32(off, true), row]);
  }
  return out;
}

function unb64(s, Type) {
  const bin = atob(s || "");
  const u8 = new Uint8Array(bin.length);
  for (let i = 0; i < bin.length; i++) u8[i] = bin.charCodeAt(i);
  return new Type(u8.buffer);
}
