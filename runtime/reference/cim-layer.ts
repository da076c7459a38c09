/**
 * Exact execution of one crossbar layer (design §4), column by column in integer arithmetic:
 * quantize and drive the input, MAC per input cycle, ADC code, one dequantization factor per
 * column, shift-add over cycles, slices and polarities, sum over row tiles, offset corrections,
 * bias. M is accumulated in float64, exact for |M| < 2^53.
 */
import { CimcError } from '../../base/diagnostics.js';
import { floatWeightsOf, type CimLayerData } from '../../plan/layer-data.js';
import type { LayerGeometry, RowTile } from '../../plan/types.js';
import { validateLayer } from '../../plan/validate-layer.js';
import { clamp, roundHalfEvenInt } from '../../base/rounding.js';
import { activationScaleFromMax, maxMagnitude } from '../../plan/activation.js';
import { matmulInto } from './ops/gemm.js';

/** Everything the kernel needs (plan/layer-data.ts; re-exported for the kernel's callers). */
export type { CimLayerData };

interface PreparedTile {
  tile: RowTile;
  tileIndex: number;
  /** Column indices (into the layer's columns) of this tile. */
  cols: Int32Array;
  /** Cells as float64 [rowCount × cols.length], row-major; emptied when the float32 path is exact. */
  u: Float64Array;
  /** The same cells as float32 (the fast path, exact while every MAC stays below 2^24). */
  u32: Float32Array;
  /** Local output channel per tile column. */
  outLocal: Int32Array;
}

export interface PreparedCimLayer {
  data: CimLayerData;
  tiles: PreparedTile[];
  /** Largest possible MAC: below 2^24 the float32 GEMM is exact. */
  macBound: number;
}

export interface CimForwardOptions {
  /** Run the unquantized float reference instead. */
  float?: boolean;
  /** Override the activation scale (calibration). */
  activationScale?: number;
  /** Sees every MAC block: tile, cycle, macs [pixels × tileCols] (row-major), for calibration. */
  observeMacs?(tileIndex: number, cycle: number, macs: Float64Array, pixels: number, cols: Int32Array): void;
}

function fail(layer: string, message: string): never {
  throw new CimcError('CIM4002', `${message}`, { node: layer });
}

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Checks the layer (plan/validate-layer.ts, shared with the ORT engine) and groups its cells by row tile. */
export function prepareCimLayer(data: CimLayerData, perturb?: (cells: Float64Array) => void): PreparedCimLayer {
  const { columnsByTile, cellStart } = validateLayer(data);
  const ng = data.channelsPerGroup;
  const cellMax = 2 ** data.bits.cell - 1;
  // Bound: M must stay exact in float64 (and, for the ORT engine, in float32: checked there).
  const xMax = 2 ** data.bits.dac - 1;
  const maxRows = data.rowTiles.reduce((m, t) => Math.max(m, t.rowCount), 0);
  if (maxRows * xMax * cellMax >= 2 ** 53) fail(data.name, 'MAC range exceeds exact float64 integers');

  const tiles: PreparedTile[] = data.rowTiles.map((tile, tileIndex) => {
    const cols = columnsByTile[tileIndex];
    const u = new Float64Array(tile.rowCount * cols.length);
    const outLocal = new Int32Array(cols.length);
    for (let j = 0; j < cols.length; j++) {
      const c = cols[j];
      outLocal[j] = data.columns.outChannel[c] - tile.group * ng;
      const o = cellStart[c];
      for (let r = 0; r < tile.rowCount; r++) u[r * cols.length + j] = data.cells[o + r];
    }
    if (perturb) perturb(u);
    return { tile, tileIndex, cols, u, u32: Float32Array.from(u), outLocal };
  });
  let cellPeak = 0;
  for (const t of tiles) for (let i = 0; i < t.u.length; i++) cellPeak = Math.max(cellPeak, Math.abs(t.u[i]));
  const macBound = maxRows * xMax * cellPeak;
  // The float64 cells are only read by the exact slow path (MACs that may reach 2^24).
  if (macBound < 2 ** 24 || !Number.isInteger(macBound)) for (const t of tiles) t.u = new Float64Array(0);
  return { data, tiles, macBound };
}

interface Im2col {
  /** Patch values [pixels × rowCount] for one tile, row-major. */
  patch(tile: RowTile, out: Float64Array, sample: number): void;
  pixels: number;
}

/** im2col over a driven-input image (x' values, padding = the zero level). */
function convIm2col(g: Extract<LayerGeometry, { kind: 'conv' }>, xin: Float64Array, zeroLevel: number): Im2col {
  const [, cin, h, w] = g.spatialDims === 2 ? g.inputShape : [g.inputShape[0], g.inputShape[1], 1, g.inputShape[2]];
  const [oh, ow] = g.spatialDims === 2 ? [g.outputShape[2], g.outputShape[3]] : [1, g.outputShape[2]];
  const [kh, kw] = g.kernel;
  const [sh, sw] = g.strides;
  const [dh, dw] = g.dilations;
  const [pt, pl] = g.pads;
  const cinG = cin / g.groups;
  const area = kh * kw;
  const pixels = oh * ow;
  return {
    pixels,
    patch(tile, out, sample) {
      const rows = tile.rowCount;
      const base = sample * cin * h * w;
      for (let r = 0; r < rows; r++) {
        const row = tile.rowStart + r;
        const ci = tile.group * cinG + Math.floor(row / area);
        const ki = Math.floor((row % area) / kw);
        const kj = row % kw;
        const plane = base + ci * h * w;
        for (let oy = 0; oy < oh; oy++) {
          const iy = oy * sh - pt + ki * dh;
          const rowOk = iy >= 0 && iy < h;
          for (let ox = 0; ox < ow; ox++) {
            const ix = ox * sw - pl + kj * dw;
            out[(oy * ow + ox) * rows + r] = rowOk && ix >= 0 && ix < w ? xin[plane + iy * w + ix] : zeroLevel;
          }
        }
      }
    },
  };
}

/** im2col of one matmul sample held as [pixels × K] rows (a transposed input arrives gathered so). */
function matmulIm2col(g: Extract<LayerGeometry, { kind: 'matmul' }>, xin: Float64Array): Im2col {
  const k = g.inFeatures;
  const pixels = xin.length / k;
  return {
    pixels,
    patch(tile, out) {
      const rows = tile.rowCount;
      for (let p = 0; p < pixels; p++) {
        for (let r = 0; r < rows; r++) out[p * rows + r] = xin[p * k + tile.rowStart + r];
      }
    },
  };
}

/**
 * How a layer's input splits into samples, each with its own dynamic s_a (plan/types.ts): a conv
 * by its batch axis; a Gemm/MatMul input [B, …, K] by its leading axis (sample b = x[b, …, :],
 * contiguous); a transposed input [K, M] (Gemm transA = 1) by column (sample m = x[:, m]).
 * With a static scale nothing depends on the split, so a Gemm/MatMul runs as one sample (one GEMM).
 */
interface SampleSplit {
  samples: number;
  /** Elements per sample. */
  size: number;
  /** Sample s's values as [pixels × K] rows for a matmul (a transposed input gathered into `scratch`). */
  values(x: Float32Array, s: number, scratch: Float32Array): Float32Array;
}

function sampleSplit(g: LayerGeometry, length: number, staticScale: boolean): SampleSplit {
  if (g.kind === 'matmul' && g.transposeInput) {
    const [k, m] = g.inputShape;
    const [samples, cols] = staticScale ? [1, m] : [m, 1];
    return {
      samples,
      size: k * cols,
      values(x, s, scratch) {
        for (let c = 0; c < cols; c++) for (let r = 0; r < k; r++) scratch[c * k + r] = x[r * m + s * cols + c];
        return scratch;
      },
    };
  }
  const samples = g.inputShape.length >= 2 && !(g.kind === 'matmul' && staticScale) ? g.inputShape[0] : 1;
  const size = length / samples;
  return { samples, size, values: (x, s) => x.subarray(s * size, (s + 1) * size) };
}

/**
 * Working buffers, grow-only and reused by every layer run on this thread (a worker has its
 * own), so that a run allocates little more than its output: the kernel's per-tile arrays were
 * megabytes per image, and their garbage set off a full collection about once per image. A
 * buffer above `maxKeptElements` is allocated afresh each time, as before, so that a big layer
 * (e.g. the first of a 224×224 network) leaves nothing behind.
 */
const maxKeptElements = 1 << 20;
const kept64 = new Map<string, Float64Array>();
const kept32 = new Map<string, Float32Array>();

function workBuffer<T extends Float64Array | Float32Array>(kept: Map<string, T>, make: (n: number) => T, slot: string, length: number): T {
  if (length > maxKeptElements) return make(length);
  let a = kept.get(slot);
  if (!a || a.length < length) {
    a = make(Math.max(length, 2 * (a?.length ?? 0)));
    kept.set(slot, a);
  }
  return a.subarray(0, length) as T;
}
const work64 = (slot: string, length: number): Float64Array => workBuffer(kept64, (n) => new Float64Array(n), slot, length);
const work32 = (slot: string, length: number): Float32Array => workBuffer(kept32, (n) => new Float32Array(n), slot, length);

/** Dynamic s_a of one sample's values: max / qmax (plan/activation.ts). */
function activationScale(d: CimLayerData, xs: Float32Array): number {
  return activationScaleFromMax(maxMagnitude(xs, 0, xs.length, d.activation.signed), d.activation.qmax);
}

/** Runs a CIM layer on a float32 input of the plan's input shape; returns float32 output. */
export function runCimLayer(p: PreparedCimLayer, x: Float32Array, opts: CimForwardOptions = {}): Float32Array {
  const d = p.data;
  const g = d.geometry;
  if (x.length !== product(g.inputShape)) {
    throw new CimcError('CIM4005', `input has ${x.length} elements, the layer's input shape [${g.inputShape.join(',')}] needs ${product(g.inputShape)}`, { node: d.name });
  }
  if (opts.float) return runFloat(d, x);
  const staticScale = opts.activationScale ?? d.activation.scale ?? undefined;
  const split = sampleSplit(g, x.length, staticScale !== undefined);
  const perSample = split.size;
  const scratch = work32('gather', perSample);
  const outChannels = g.kind === 'conv' ? g.outChannels : g.outFeatures;
  const out = new Float32Array(g.outputShape.reduce((a, b) => a * b, 1));
  const { qmin, qmax, inputOffset } = d.activation;
  const bits = d.bits;
  const dacMask = 2 ** bits.dac - 1;
  const ideal = bits.adc === 'ideal';
  const codeMax = bits.adcLevels - 1;
  const ng = d.channelsPerGroup;

  for (let s = 0; s < split.samples; s++) {
    const xs = split.values(x, s, scratch);
    const sa = staticScale ?? activationScale(d, xs);
    // Driven inputs x' = clamp(round(x / s_a)) + offset.
    const xin = work64('xin', perSample);
    for (let i = 0; i < perSample; i++) xin[i] = clamp(roundHalfEvenInt(xs[i] / sa), qmin, qmax) + inputOffset;
    const cols = g.kind === 'conv' ? convIm2col(g, xin, inputOffset) : matmulIm2col(g, xin);
    const pixels = cols.pixels;
    const acc = work64('acc', pixels * outChannels).fill(0);
    for (const t of p.tiles) {
      const rows = t.tile.rowCount;
      const nc = t.cols.length;
      const patch = work64('patch', pixels * rows);
      cols.patch(t.tile, patch, 0); // xin holds only this sample
      // Float32 GEMM is exact for integer MACs below 2^24; perturbed (variation) cells are
      // analog values anyway. Above the bound, exact float64 loops.
      const fast = p.macBound < 2 ** 24 || !Number.isInteger(p.macBound);
      const piece = fast ? work32('piece', pixels * rows) : work64('piece', pixels * rows);
      const macs32 = fast ? work32('macs32', pixels * nc) : undefined;
      const macs = work64('macs', pixels * nc);
      for (let k = 0; k < bits.cycles; k++) {
        const div = 2 ** (bits.dac * k);
        for (let i = 0; i < piece.length; i++) piece[i] = Math.floor(patch[i] / div) & dacMask;
        if (macs32) {
          // macs[p, j] = Σ_r piece[p, r] · u[r, j]
          matmulInto(macs32, 0, piece as Float32Array, 0, t.u32, 0, pixels, rows, nc);
          for (let i = 0; i < macs.length; i++) macs[i] = macs32[i];
        } else {
          macs.fill(0);
          for (let px = 0; px < pixels; px++) {
            const mo = px * nc;
            const po = px * rows;
            for (let r = 0; r < rows; r++) {
              const xv = piece[po + r];
              if (xv === 0) continue;
              const uo = r * nc;
              for (let j = 0; j < nc; j++) macs[mo + j] += xv * t.u[uo + j];
            }
          }
        }
        opts.observeMacs?.(t.tileIndex, k, macs, pixels, t.cols);
        for (let j = 0; j < nc; j++) {
          const c = t.cols[j];
          const step = d.adcStep[c];
          const f = sa * d.dequantFactor[c] * div;
          const o = t.tile.group * ng + t.outLocal[j];
          for (let px = 0; px < pixels; px++) {
            const m = macs[px * nc + j];
            const code = ideal ? m : clamp(roundHalfEvenInt(m / step), 0, codeMax);
            acc[px * outChannels + o] += f * code;
          }
        }
      }
      // Offset corrections: weight offset × Σx' and input offset × Σq, per (tile, channel).
      if (d.weightOffset !== 0 || inputOffset !== 0) {
        const tileChannels = new Set<number>();
        for (let j = 0; j < nc; j++) tileChannels.add(t.outLocal[j]);
        for (let px = 0; px < pixels; px++) {
          let sumX = 0;
          for (let r = 0; r < rows; r++) sumX += patch[px * rows + r];
          for (const ol of tileChannels) {
            const i = t.tileIndex * ng + ol;
            acc[px * outChannels + t.tile.group * ng + ol] -= sa * d.weightScale[i] * (d.weightOffset * sumX + inputOffset * d.weightSum[i]);
          }
        }
      }
    }
    writeOutput(d, acc, out, s, pixels, outChannels);
  }
  return out;
}

/** acc [pixels × Cout] (+ bias) → NCHW (conv) or [.., M, N] (matmul). */
function writeOutput(d: CimLayerData, acc: Float64Array, out: Float32Array, sample: number, pixels: number, outChannels: number): void {
  const conv = d.geometry.kind === 'conv';
  const base = sample * pixels * outChannels;
  for (let px = 0; px < pixels; px++) {
    for (let o = 0; o < outChannels; o++) {
      const v = acc[px * outChannels + o] + (d.bias ? d.bias[o] : 0);
      out[conv ? base + o * pixels + px : base + px * outChannels + o] = v;
    }
  }
}

/** The float reference: the same layer with unquantized weights. */
function runFloat(d: CimLayerData, x: Float32Array): Float32Array {
  const g = d.geometry;
  const split = sampleSplit(g, x.length, true);
  const scratch = new Float32Array(split.size);
  const outChannels = g.kind === 'conv' ? g.outChannels : g.outFeatures;
  const out = new Float32Array(g.outputShape.reduce((a, b) => a * b, 1));
  const ng = d.channelsPerGroup;
  const k = g.rowsPerGroup;
  const weights = floatWeightsOf(d);
  for (let s = 0; s < split.samples; s++) {
    const xin = Float64Array.from(split.values(x, s, scratch));
    const cols = g.kind === 'conv' ? convIm2col(g, xin, 0) : matmulIm2col(g, xin);
    const pixels = cols.pixels;
    const acc = new Float64Array(pixels * outChannels);
    const patch = new Float64Array(pixels * k);
    const patch32 = new Float32Array(pixels * k);
    const prod = new Float32Array(pixels * ng);
    for (let grp = 0; grp < g.groups; grp++) {
      cols.patch({ group: grp, rowStart: 0, rowCount: k }, patch, 0);
      patch32.set(patch);
      matmulInto(prod, 0, patch32, 0, weights, grp * k * ng, pixels, k, ng);
      for (let px = 0; px < pixels; px++) {
        const ao = px * outChannels + grp * ng;
        for (let j = 0; j < ng; j++) acc[ao + j] = prod[px * ng + j];
      }
    }
    writeOutput(d, acc, out, s, pixels, outChannels);
  }
  return out;
}
