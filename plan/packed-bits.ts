/**
 * Sub-byte packing of small unsigned values (crossbar cells of 1, 2 or 4 bits), the plan's
 * `packedBits` tensors: value i sits in byte ⌊i·b/8⌋ at bit (i·b) mod 8, least significant first,
 * so a b-bit cell takes b bits of the sidecar instead of 8.
 */
export type PackedBits = 1 | 2 | 4;

export const isPackedBits = (b: number): b is PackedBits => b === 1 || b === 2 || b === 4;

export function packedByteLength(count: number, bits: PackedBits): number {
  return Math.ceil((count * bits) / 8);
}

/** Packs values (each < 2^bits; higher bits are dropped) into bytes. */
export function packBits(values: Uint8Array, bits: PackedBits): Uint8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const n = values.length;
  const out = new Uint8Array(packedByteLength(n, bits));
  const full = Math.floor(n / perByte);
  let done = 0;
  if (bits === 2 && values.byteOffset % 4 === 0) {
    // Four cells per 32-bit word: bytes b0…b3 (little-endian) → bits 0–1, 2–3, 4–5, 6–7.
    const words = new Uint32Array(values.buffer, values.byteOffset, full);
    for (let j = 0; j < full; j++) {
      const w = words[j] & 0x03030303;
      out[j] = w | (w >>> 6) | (w >>> 12) | (w >>> 18);
    }
    done = full;
  }
  for (let j = done, i = done * perByte; j < full; j++) {
    let v = 0;
    for (let s = 0; s < 8; s += bits, i++) v |= (values[i] & mask) << s;
    out[j] = v;
  }
  for (let i = full * perByte, s = 0; i < n; i++, s += bits) out[full] |= (values[i] & mask) << s;
  return out;
}

const unpackTables = new Map<PackedBits, Uint32Array>();

/** For each byte value, its 8/bits values as little-endian bytes (two words for 1-bit values). */
function unpackTable(bits: PackedBits): Uint32Array {
  let t = unpackTables.get(bits);
  if (!t) {
    const perByte = 8 / bits;
    const words = Math.ceil(perByte / 4);
    t = new Uint32Array(256 * words);
    const bytes = new Uint8Array(t.buffer);
    for (let v = 0; v < 256; v++) for (let i = 0; i < perByte; i++) bytes[v * words * 4 + i] = (v >> (i * bits)) & ((1 << bits) - 1);
    unpackTables.set(bits, t);
  }
  return t;
}

/** The `count` values packed in `bytes` (which must hold at least packedByteLength(count, bits)). */
export function unpackBits(bytes: Uint8Array, count: number, bits: PackedBits): Uint8Array {
  const perByte = 8 / bits;
  const mask = (1 << bits) - 1;
  const out = new Uint8Array(count);
  const full = Math.floor(count / perByte);
  const table = unpackTable(bits);
  if (bits === 4) {
    const out16 = new Uint16Array(out.buffer, 0, full);
    for (let j = 0; j < full; j++) out16[j] = table[bytes[j]];
  } else if (bits === 2) {
    const out32 = new Uint32Array(out.buffer, 0, full);
    for (let j = 0; j < full; j++) out32[j] = table[bytes[j]];
  } else {
    const out32 = new Uint32Array(out.buffer, 0, 2 * full);
    for (let j = 0; j < full; j++) { out32[2 * j] = table[2 * bytes[j]]; out32[2 * j + 1] = table[2 * bytes[j] + 1]; }
  }
  for (let i = full * perByte, s = 0; i < count; i++, s += bits) out[i] = (bytes[full] >> s) & mask;
  return out;
}
