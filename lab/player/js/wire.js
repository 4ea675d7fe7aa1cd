// The player's wire format (lab/player/wire.py): every offset from the network's sizes.

const MAGIC = 0x42504c32, HEADER = 24, FINAL = 1;

// Offsets of W^(q) and b^(q) in θ (MLP.get_flat order: W¹ row-major, b¹, W², b², …) and
// the sizes of a snapshot and an epoch record, in bytes.
function layout(sizes) {
  const L = sizes.length - 1, woff = [], boff = [];
  let np = 0;
  for (let q = 1; q <= L; q++) {
    woff.push(np); np += sizes[q] * sizes[q - 1];
    boff.push(np); np += sizes[q];
  }
  const nm = 4 + L + (L - 1);  // losses, accuracies, ‖∂L/∂W‖ per layer, saturation per hidden layer
  return { L, np, woff, boff, nm, snap: 8 + 4 * np, epoch: 8 + 4 * nm };
}

// A reply as {run, stream, seq, flags, snaps: [{step, epoch, theta, finite}], epochs:
// [[epoch, row]]}, or null when it is not one (or its length does not match its header).
function readReply(u8, lay) {
  if (!(u8 instanceof Uint8Array) || u8.byteLength < HEADER) return null;
  const dv = new DataView(u8.buffer, u8.byteOffset, u8.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) return null;
  const ns = dv.getUint16(20, true), ne = dv.getUint16(22, true);
  if (u8.byteLength !== HEADER + ns * lay.snap + ne * lay.epoch) return null;
  const out = { run: dv.getUint32(4, true), stream: dv.getUint32(8, true), seq: dv.getUint32(12, true),
                flags: dv.getUint32(16, true), snaps: [], epochs: [] };
  let off = HEADER;
  for (let k = 0; k < ns; k++, off += lay.snap) {
    const theta = new Float64Array(lay.np);
    let finite = true;
    for (let i = 0; i < lay.np; i++) { theta[i] = dv.getFloat32(off + 8 + 4 * i, true); finite &&= isFinite(theta[i]); }
    out.snaps.push({ step: dv.getUint32(off, true), epoch: dv.getUint32(off + 4, true), theta, finite });
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
