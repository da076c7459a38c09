/**
 * Lowers a plan to an ONNX graph that computes the same numbers as the reference runtime
 * (runtime/reference/cim-layer.ts, design §4), for onnxruntime.
 *
 * One CIM conv layer (the seed's formulation: row tiles are the groups of a grouped conv):
 *
 *   x' = clamp(round(x / s_a), qmin, qmax) + inputOffset        float64: Div, Round, Min/Max
 *   s_a dynamic (uncalibrated plans): max|x| (signed) or max(0, max x) over the sample, / qmax
 *   pad x' with the driven zero level inputOffset (the conv itself pads nothing)
 *   x_k = ⌊x' / 2^(d·k)⌋ mod 2^d, the cycles stacked on the batch axis
 *   gather each row tile's input channels (tiles padded to the largest), then a Conv with
 *   group = number of row tiles: output channel (tile, j, o) holds the j-th column of output
 *   channel o in that tile (its slices and polarities), its weights the column's cells; a dense
 *   tile that cuts kernels has zero weights outside its rows. With one group, tiles of different
 *   channel counts (a short last tile) get one such Conv each ("conv parts"). M is an integer
 *   < 2^24, exact in float32 (checked; CIM4005 otherwise).
 *   Packed columns (columnPairs, where exact): one output channel holds two columns of the same
 *   (tile, o) as M_lo + 2^B·M_hi (weights u_lo + 2^B·u_hi; checked < 2^24 per pair from each
 *   column's Σ cells × largest input plane), unpacked exactly by M_hi = ⌊P·2^−B⌋, M_lo = P − 2^B·M_hi.
 *   code = clamp(round(M / Δ_col), 0, L − 1)                    float32 where every code boundary
 *                                                              is checked to match, else float64
 *                                                              (ideal ADC: code = M)
 *   The float32 ADC, where M ≥ 0, L ≤ 256 and opset ≥ 13, is one QuantizeLinear to uint8 with
 *   per-column scale Δ_col and zero point z = 256 − L: saturate(round_half_even(M / Δ) + z) lies
 *   in [z, 255] and saturating at 255 is the clamp at L − 1; a DequantizeLinear (scale 1, zero
 *   point z) gives code = y − z exactly in float32. onnxruntime 1.30 divides by the float32
 *   scale and rounds half to even (its codes equal float32 division's on every MAC 0…3000 of
 *   adversarial steps, where multiplying by 1/Δ would differ; test/models/ort-engine.test.ts), so
 *   float32AdcIsExact covers it. Otherwise (or where the steps vary along non-adjacent axes)
 *   Div, Round, Clip.
 *   Σ over cycles, tiles and columns of dequantFactor·2^(d·k)·code: one Mul by a constant
 *   [cycles, columns] and a MatMul by a row of ones per conv part and half  float64
 *   − weightOffset·s_w·Σx' (a Conv with all-ones weights per tile, then a batched MatMul)
 *   − inputOffset·s_w·Σq (a constant per channel), · s_a, + bias, then float32.
 *
 * Gemm/MatMul layers the same with a Gather of each tile's features and a batched MatMul (not
 * packed, one part).
 * The codes are the reference's exactly and everything after them runs in float64, so the
 * float32 output equals the reference's (which sums in float64 too) except where the two float64
 * sums, taken in different orders, straddle a float32 rounding boundary. Digital steps are written as the ONNX nodes they were.
 */
import { CimcError } from '../../base/diagnostics.js';
import { writeOnnxModel, type OnnxAttr, type OnnxModel, type OnnxValue } from '../../base/onnx-writer.js';
import type { DType, Tensor } from '../../base/tensor.js';
import { prepareCimLayer, type PreparedCimLayer } from '../reference/cim-layer.js';
import type { CimLayerData } from '../../plan/layer-data.js';
import { validateLayer } from '../../plan/validate-layer.js';
import { cimLayerDataFromPlan } from '../reference/executor.js';
import type { LoadedPlan } from '../../plan/reader.js';
import type { CimLayer, ConvGeometry, MatMulGeometry, RowTile } from '../../plan/types.js';
import { clamp, roundHalfEvenInt } from '../../base/rounding.js';
import { cellPerturbation, type VariationSpec } from '../reference/variation.js';
import { emitDigitalStep, planTensor } from './digital.js';
import { GraphBuilder, intAttr, intsAttr } from './graph-builder.js';

export interface LowerOptions {
  /** CIM layers as unquantized float layers (the `--float` reference path). */
  float?: boolean;
  /** Cell variation, applied to the cells as the reference runtime does (then not bit-exact: analog MACs). */
  variation?: VariationSpec;
  /** Plan values to expose as extra graph outputs (e.g. every CIM layer's output, for SQNR). */
  extraOutputs?: readonly string[];
  /**
   * Benchmark only, NOT the layer's numbers: each CIM layer is just its input gather and integer
   * grouped Conv/MatMul (the same shapes as the real lowering, cells scaled by 2^-8 to keep
   * magnitudes finite) and a float32 sum of the columns into the output channels — no input
   * quantization, ADC or dequantization. A lower bound on any exact lowering of this kind.
   */
  convOnly?: boolean;
  /** Pack two crossbar columns into one conv output channel where exact (default true; see columnPairs). */
  packColumns?: boolean;
}

export interface LoweredPlan {
  /** The ONNX model, as base/onnx-writer.ts describes it. */
  model: OnnxModel;
  /** The graph's default-domain opset (the plan's, at least 11). */
  opset: number;
  /** Graph outputs: the plan's outputs, then the extra outputs not among them. */
  outputs: string[];
  /** CIM convolutions emitted (one per conv part), and how many of them pack column pairs. */
  stats: LoweringStats;
}

export interface LoweringStats {
  convs: number;
  packedConvs: number;
  /** ADCs (one per conv part and half, or MatMul layer) lowered as one QuantizeLinear. */
  quantizeLinearAdcs: number;
}

/** Integer sums stay exact in float32 below this. */
const exactFloat32 = 2 ** 24;

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** Lowers a loaded plan to an ONNX model (see the file comment). */
export function lowerPlanToModel(loaded: LoadedPlan, options: LowerOptions = {}): LoweredPlan {
  const { plan } = loaded;
  const planOpset = plan.model.opset;
  if (!Number.isInteger(planOpset) || planOpset < 7) {
    throw new CimcError('CIM4005', `the ORT engine needs a plan of opset ≥ 7, this one has ${planOpset}`, { file: loaded.file, field: '/model/opset' });
  }
  const opset = Math.max(planOpset, 11);
  const taken = new Set<string>([...plan.values.map((v) => v.name), ...plan.inputs.map((v) => v.name), ...Object.keys(plan.constants)]);
  const b = new GraphBuilder(opset, taken);
  const stats: LoweringStats = { convs: 0, packedConvs: 0, quantizeLinearAdcs: 0 };
  const constants = new Map<string, Tensor>();
  for (const [name, ref] of Object.entries(plan.constants)) constants.set(name, planTensor(loaded, ref, `/constants/${name}`));

  plan.schedule.forEach((s, i) => {
    if (s.kind === 'digital') {
      emitDigitalStep(b, loaded, s, i, planOpset);
      return;
    }
    const l = plan.layers[s.layer];
    if (!l) throw new CimcError('CIM4002', `step ${s.name} names layer ${s.layer}, the plan has ${plan.layers.length}`, { file: loaded.file, field: `/schedule/${i}/layer` });
    const lo = new LayerLowering(b, loaded, l, s.layer, s.inputs[0], s.outputs[0], options, stats);
    if (options.float) lo.lowerFloat();
    else lo.lowerCim();
  });

  const valueTypes = new Map<string, { dtype: DType; shape: number[] }>();
  for (const v of [...plan.values, ...plan.inputs, ...plan.outputs]) valueTypes.set(v.name, { dtype: v.dtype as DType, shape: v.shape });
  const outputs = [...plan.outputs.map((o) => o.name)];
  for (const name of options.extraOutputs ?? []) {
    if (outputs.includes(name)) continue;
    if (!valueTypes.has(name)) throw new CimcError('CIM4005', `no value '${name}' in the plan to expose as an output`, { file: loaded.file });
    outputs.push(name);
  }
  for (const [name, t] of b.constants) constants.set(name, t);
  // An output that is a constant of the plan has the constant's type.
  const typed = (name: string): OnnxValue => {
    const c = constants.get(name);
    return { name, type: c ? { dtype: c.dtype, shape: c.shape } : valueTypes.get(name) };
  };
  const model: OnnxModel = {
    opsetImports: { '': opset },
    producer: 'cimc-ort-engine',
    graph: { name: 'cimc_ort', inputs: plan.inputs.map((v) => ({ name: v.name, type: valueTypes.get(v.name) })), outputs: outputs.map(typed), initializers: constants, nodes: b.nodes },
  };
  return { model, opset, outputs, stats };
}

/** The ONNX bytes of a lowered plan. */
export function lowerPlan(loaded: LoadedPlan, options: LowerOptions = {}): LoweredPlan & { bytes: Uint8Array } {
  const lowered = lowerPlanToModel(loaded, options);
  return { ...lowered, bytes: writeOnnxModel(lowered.model) };
}

/** One row tile's columns: which plan columns, their local output channels, and their cells. */
interface TileColumns {
  tile: RowTile;
  tileIndex: number;
  /** Column indices (into the layer's columns), in column order. */
  cols: Int32Array;
  /** Output channel within the group, per tile column. */
  outLocal: Int32Array;
  /**
   * Cell of tile row r in tile column j: cells[start[j] + r · stride] (the plan's cells in place,
   * or the reference kernel's prepared ones; index arithmetic rather than a view or a closure per
   * cell, which cost ResNet-18's lowering ≈ 0.6 s in calls and garbage).
   */
  cells: ArrayLike<number>;
  start: Float64Array;
  stride: number;
}

interface LayerCells {
  data: CimLayerData;
  tiles: TileColumns[];
  /** Largest cell value. */
  cellPeak: number;
}

/**
 * The layer's tiles reading the plan's uint8 cells in place (no float copies: VGG-16's
 * classifier alone has 4·10^8 cells), after the checks both engines make
 * (plan/validate-layer.ts). Shapes the checks leave out are checked by onnxruntime's own kernels.
 */
function layerCells(data: CimLayerData): LayerCells {
  const { columnsByTile, cellStart, cellPeak } = validateLayer(data);
  const ng = data.channelsPerGroup;
  const cells = data.cells;
  const tiles = data.rowTiles.map((tile, tileIndex): TileColumns => {
    const cols = columnsByTile[tileIndex];
    const outLocal = cols.map((c) => data.columns.outChannel[c] - tile.group * ng);
    const start = Float64Array.from(cols, (c) => cellStart[c]);
    return { tile, tileIndex, cols, outLocal, cells, start, stride: 1 };
  });
  return { data, tiles, cellPeak };
}

/** weights[base + r] += scale · cells[start + r · stride] for r < count (one tight loop per column). */
function addColumn(weights: Uint8Array | Uint16Array | Float32Array, base: number, cells: ArrayLike<number>, start: number, stride: number, count: number, scale: number): void {
  if (stride === 1 && weights instanceof Uint8Array && cells instanceof Uint8Array && scale === 1) {
    // The common unpacked case: plain byte copies.
    for (let r = 0; r < count; r++) weights[base + r] += cells[start + r];
    return;
  }
  for (let r = 0, i = start; r < count; r++, i += stride) weights[base + r] += scale * cells[i];
}

/** The same from the reference kernel's prepared layer (perturbed cells under variation). */
function preparedCells(p: PreparedCimLayer): LayerCells {
  let cellPeak = 0;
  const tiles = p.tiles.map((t): TileColumns => {
    const nc = t.cols.length;
    // u32: the cells the reference's float32 path multiplies (u may be dropped to save memory).
    const cells = t.u.length ? t.u : t.u32;
    for (let i = 0; i < cells.length; i++) cellPeak = Math.max(cellPeak, Math.abs(cells[i]));
    return { tile: t.tile, tileIndex: t.tileIndex, cols: t.cols, outLocal: t.outLocal, cells, start: Float64Array.from(t.cols, (_, j) => j), stride: nc };
  });
  return { data: p.data, tiles, cellPeak };
}

/** The column layout every tile is padded to: slot (tile, j, o) of S = tiles · J · Ng. */
interface SlotLayout {
  /** Groups. */
  groups: number;
  /** Row tiles per group (the most any group has; missing ones are all-zero). */
  tilesPerGroup: number;
  /** Columns per (tile, output channel): the most any pair has. */
  j: number;
  ng: number;
  /** Prepared tile by padded tile index (g · tilesPerGroup + τ), or undefined. */
  tileAt: (TileColumns | undefined)[];
  /** Slot of each (prepared tile, column j of the tile). */
  slotOf: Int32Array[];
}

function slotLayout(p: LayerCells, groups: number): SlotLayout {
  const ng = p.data.channelsPerGroup;
  const byGroup: TileColumns[][] = Array.from({ length: groups }, () => []);
  for (const t of p.tiles) byGroup[t.tile.group].push(t);
  const tilesPerGroup = Math.max(1, ...byGroup.map((ts) => ts.length));
  let j = 1;
  for (const t of p.tiles) {
    const count = new Int32Array(ng);
    for (const ol of t.outLocal) j = Math.max(j, ++count[ol]);
  }
  const tileAt: SlotLayout['tileAt'] = [];
  const slotOf: Int32Array[] = p.tiles.map(() => new Int32Array(0));
  for (let g = 0; g < groups; g++) {
    for (let tau = 0; tau < tilesPerGroup; tau++) {
      const t = byGroup[g][tau];
      const tt = g * tilesPerGroup + tau;
      tileAt.push(t);
      if (!t) continue;
      const count = new Int32Array(ng);
      const slots = new Int32Array(t.cols.length);
      t.outLocal.forEach((ol, k) => { slots[k] = (tt * j + count[ol]++) * ng + ol; });
      slotOf[t.tileIndex] = slots;
    }
  }
  return { groups, tilesPerGroup, j, ng, tileAt, slotOf };
}

/**
 * Whether clamp(round(M / Δ)) computed in float32 (Δ rounded to float32, a correctly rounded
 * float32 quotient) equals the reference's float64 code for every integer 0 ≤ M ≤ macMax. Both
 * are non-decreasing steps of M whose jumps sit within ±2 of (k − ½)·Δ (the two quotients differ
 * by < 2^−23 relative and M < 2^24), so comparing M around every boundary decides it.
 */
export function float32AdcIsExact(step: number, macMax: number, codeMax: number): boolean {
  const s32 = Math.fround(step);
  if (!(s32 > 0) || !Number.isFinite(s32) || macMax >= exactFloat32) return false;
  for (let k = 1; k <= codeMax; k++) {
    const edge = Math.floor((k - 0.5) * step);
    if (edge - 2 > macMax) break;
    const hi = Math.min(macMax, edge + 2);
    for (let m = Math.max(0, edge - 2); m <= hi; m++) {
      const code64 = roundHalfEvenInt(m / step);
      // A float64 quotient of two float32 values rounded to float32 is the correctly rounded float32 quotient.
      const code32 = roundHalfEvenInt(Math.fround(m / s32));
      // Plain loop, no closures: this runs for every column of every layer (380 k on ResNet-18).
      if (code64 !== code32 && clamp(code64, 0, codeMax) !== clamp(code32, 0, codeMax)) return false;
    }
  }
  return true;
}

class LayerLowering {
  private readonly p: LayerCells;
  private readonly name: string;
  /** Without Gaussian variation every cell, hence every MAC, is ≥ 0. */
  private readonly cellsNonNegative: boolean;
  /** Without variation the cells are integers 0 … 2^c − 1 (c ≤ 8). */
  private readonly integerCells: boolean;
  /** The largest MAC an input cycle can produce. */
  private macMax = 0;
  /** LowerOptions.convOnly (a benchmark's lower bound, not the layer's numbers). */
  private readonly convOnly: boolean;
  /** LowerOptions.packColumns. */
  private readonly pack: boolean;
  /** The largest driven input plane an input cycle applies. */
  private planeMax = 0;

  constructor(
    private readonly b: GraphBuilder,
    loaded: LoadedPlan,
    private readonly l: CimLayer,
    index: number,
    private readonly input: string,
    private readonly output: string,
    options: LowerOptions,
    private readonly stats: LoweringStats,
  ) {
    const data = cimLayerDataFromPlan(loaded, l, index);
    const perturb = options.variation && options.variation.sigma > 0 ? cellPerturbation(options.variation, index, l.bits.cell) : undefined;
    // Variation: the reference kernel's own perturbed cells; otherwise the plan's cells in place.
    this.p = perturb ? preparedCells(prepareCimLayer(data, perturb)) : layerCells(data);
    this.name = l.name;
    this.cellsNonNegative = !perturb || options.variation?.kind === 'lognormal';
    this.integerCells = !perturb && l.bits.cell <= 8;
    this.convOnly = options.convOnly === true;
    this.pack = options.packColumns !== false;
    if (!options.float) this.checkBounds();
  }

  private fail(message: string): never {
    throw new CimcError('CIM4005', message, { node: this.name, opType: this.l.opType });
  }

  /** Every MAC (and Σx') must be an integer below 2^24 for float32 to hold it exactly. */
  private checkBounds(): void {
    const d = this.p.data;
    const cellMax = 2 ** d.bits.cell - 1;
    const maxRows = d.rowTiles.reduce((m, t) => Math.max(m, t.rowCount), 0);
    const xDriven = d.activation.qmax + d.activation.inputOffset;
    const planeMax = Math.min(2 ** d.bits.dac - 1, xDriven);
    const mac = maxRows * planeMax * Math.min(cellMax, Math.ceil(this.p.cellPeak));
    this.macMax = mac;
    this.planeMax = planeMax;
    if (mac >= exactFloat32) {
      this.fail(`the largest MAC (${maxRows} rows × ${planeMax} × ${cellMax} = ${mac}) reaches 2^24: float32 convolutions in onnxruntime would not be exact; use the reference engine`);
    }
    if (d.weightOffset !== 0 && maxRows * xDriven >= exactFloat32) {
      this.fail(`Σx' over ${maxRows} rows can reach ${maxRows * xDriven} ≥ 2^24: not exact in float32; use the reference engine`);
    }
  }

  // Tensors are handed over without a copy (the arrays are built here and not touched again).
  private f64(hint: string, shape: readonly number[], data: Float64Array): string {
    return this.b.tensor(hint, { dtype: 'float64', shape, data });
  }

  private f32(hint: string, shape: readonly number[], data: Float32Array): string {
    return this.b.tensor(hint, { dtype: 'float32', shape, data });
  }

  /** Storage for cell weights up to maxWeight: uint8/uint16 when the cells are integers, else float32. */
  private cellArray(length: number, maxWeight = 255): Uint8Array | Uint16Array | Float32Array {
    if (!this.integerCells || maxWeight > 65535) return new Float32Array(length);
    return maxWeight > 255 ? new Uint16Array(length) : new Uint8Array(length);
  }

  /**
   * The conv output channels of a part's tiles: per tile, slot (j, o) of jSlots·ng holds column
   * pair [lo, hi] (indices into the tile's columns, −1 for none). Unpacked (shift 0): J slots,
   * one column each. Packed: two columns of one output channel share a slot with weights
   * lo + 2^shift·hi, so the conv computes M_lo + 2^shift·M_hi — half the MACs and outputs. Exact
   * when every M_lo < 2^shift and M_lo + 2^shift·M_hi < 2^24 (float32's integers; every partial
   * sum is smaller, as cells and driven inputs are ≥ 0), checked with each column's bound
   * (largest input plane) × Σ of its cells; a part that fails is not packed.
   */
  private columnPairs(tiles: readonly (TileColumns | undefined)[], J: number, ng: number): { jSlots: number; shift: number; slots: [number, number][][]; maxWeight: number } {
    const byChannel = tiles.map((t) => {
      const lists: number[][] = Array.from({ length: ng }, () => []);
      t?.outLocal.forEach((ol, jj) => lists[ol].push(jj));
      return lists;
    });
    const layout = (jSlots: number, pairsOf: (list: number[], t: TileColumns) => [number, number][]): [number, number][][] =>
      tiles.map((t, i) => {
        const slots: [number, number][] = Array.from({ length: jSlots * ng }, () => [-1, -1]);
        if (t) byChannel[i].forEach((list, ol) => pairsOf(list, t).forEach((pair, j) => { slots[j * ng + ol] = pair; }));
        return slots;
      });
    const unpacked = { jSlots: J, shift: 0, slots: layout(J, (list) => list.map((jj): [number, number] => [jj, -1])), maxWeight: 2 ** this.p.data.bits.cell - 1 };
    if (!this.pack || !this.integerCells || J < 2) return unpacked;
    const bound = (t: TileColumns, jj: number): number => {
      let sum = 0;
      const { cells, stride } = t;
      for (let r = 0, i = t.start[jj]; r < t.tile.rowCount; r++, i += stride) sum += cells[i];
      return this.planeMax * sum;
    };
    // Per (tile, channel): columns by bound, the smaller half as lo, each with a larger one as hi.
    let maxLo = 0;
    const pairs = new Map<TileColumns, Map<number[], [number, number][]>>();
    const bounds = new Map<TileColumns, Float64Array>();
    tiles.forEach((t, i) => {
      if (!t) return;
      const bt = Float64Array.from(t.cols, (_, jj) => bound(t, jj));
      bounds.set(t, bt);
      const m = new Map<number[], [number, number][]>();
      for (const list of byChannel[i]) {
        const sorted = [...list].sort((a, c) => bt[a] - bt[c]);
        const half = Math.ceil(sorted.length / 2);
        const ps: [number, number][] = [];
        for (let k = 0; k < half; k++) {
          const hiIndex = sorted.length - 1 - k;
          ps.push([sorted[k], hiIndex >= half ? sorted[hiIndex] : -1]);
          maxLo = Math.max(maxLo, bt[sorted[k]]);
        }
        m.set(list, ps);
      }
      pairs.set(t, m);
    });
    const shift = Math.max(1, Math.ceil(Math.log2(maxLo + 1)));
    for (const [t, m] of pairs) {
      const bt = bounds.get(t)!;
      for (const ps of m.values()) for (const [lo, hi] of ps) if (hi >= 0 && bt[lo] + 2 ** shift * bt[hi] >= exactFloat32) return unpacked;
    }
    const cellMax = 2 ** this.p.data.bits.cell - 1;
    return { jSlots: Math.ceil(J / 2), shift, slots: layout(Math.ceil(J / 2), (list, t) => pairs.get(t)!.get(list)!), maxWeight: cellMax * (1 + 2 ** shift) };
  }

  /**
   * Cell weights: stored as uint8 and cast to float32 in-graph (onnxruntime folds the Cast when
   * the session is created), which keeps the ONNX bytes 4× smaller (VGG-16 stays below
   * protobuf's 2 GB); perturbed cells (variation) are real numbers and stay float32.
   */
  private cellWeights(hint: string, shape: readonly number[], data: Uint8Array | Uint16Array | Float32Array): string {
    if (this.convOnly) {
      let peak = 1;
      for (let i = 0; i < data.length; i++) peak = Math.max(peak, data[i]);
      return this.f32(hint, shape, Float32Array.from(data, (v) => v / (64 * peak)));
    }
    if (data instanceof Float32Array) return this.f32(hint, shape, data);
    return this.b.cast(this.b.tensor(hint, { dtype: data instanceof Uint16Array ? 'uint16' : 'uint8', shape, data }), 'float32');
  }

  /** s_a as a float64 scalar value (a constant, or computed from the input in-graph). */
  private activationScale(xd: string, perSample: boolean): { value: string; static: number | undefined } {
    const a = this.p.data.activation;
    if (a.scale !== null) return { value: this.b.scalar('s_a', 'float64', a.scale), static: a.scale };
    const b = this.b;
    const src = a.signed ? b.op('Abs', [xd]) : xd;
    // One scale per sample (the reference's loop over the batch axis of a conv input).
    let m = perSample ? b.reduceMax(src, [1, 2, 3], true) : b.reduceMaxAll(src);
    if (!a.signed) m = b.op('Max', [m, b.scalar('zero', 'float64', 0)]);
    const positive = b.op('Greater', [m, b.scalar('zero', 'float64', 0)]);
    const value = b.op('Where', [positive, b.op('Div', [m, b.scalar('qmax', 'float64', a.qmax)]), b.scalar('one', 'float64', 1)]);
    return { value, static: undefined };
  }

  /** x' = clamp(round(x / s_a)) + inputOffset as float32 (exact small integers). */
  private drive(x: string, perSample = false): { xp: string; s: { value: string; static: number | undefined } } {
    const b = this.b;
    const a = this.p.data.activation;
    const xd = b.cast(x, 'float64');
    const s = this.activationScale(xd, perSample);
    const q = b.clamp(b.op('Round', [b.op('Div', [xd, s.value])]), a.qmin, a.qmax, 'float64');
    let xp = b.cast(q, 'float32');
    if (a.inputOffset !== 0) xp = b.op('Add', [xp, b.scalar('input_offset', 'float32', a.inputOffset)]);
    return { xp, s };
  }

  /** The cycles' d-bit pieces of x' [N, ...rest] stacked as [cycles·N, ...rest] (x' itself for one cycle). */
  private planes(xp: string, shape: readonly number[]): string {
    const d = this.p.data;
    const bits = d.bits;
    const xMax = d.activation.qmax + d.activation.inputOffset;
    if (bits.cycles === 1 && xMax <= 2 ** bits.dac - 1) return xp;
    const b = this.b;
    const pow = new Float32Array(bits.cycles).map((_, k) => 2 ** (bits.dac * k));
    const lifted = b.reshape(xp, [1, ...shape]);
    const div = b.op('Div', [lifted, this.f32('cycle_pow', [bits.cycles, ...shape.map(() => 1)], pow)]);
    const piece = b.op('Mod', [b.op('Floor', [div]), b.scalar('dac_levels', 'float32', 2 ** bits.dac)], { fmod: intAttr(1) });
    return b.reshape(piece, [bits.cycles * shape[0], ...shape.slice(1)]);
  }

  /** ADC codes (float64) of the integer MACs, step broadcast from stepShape. */
  private adc(macs: string, steps: Float64Array, stepShape: readonly number[], macsShape: readonly number[]): string {
    const b = this.b;
    const d = this.p.data;
    if (d.bits.adc === 'ideal') return b.cast(macs, 'float64');
    const codeMax = d.bits.adcLevels - 1;
    // M ≥ 0 unless Gaussian variation made cells negative: then round(M/Δ) ≥ 0 needs no lower clamp.
    const lo = this.cellsNonNegative ? -Infinity : 0;
    if (this.integerCells && steps.every((step) => float32AdcIsExact(step, this.macMax, codeMax))) {
      const q = this.cellsNonNegative ? this.quantizeLinear(macs, steps, stepShape, macsShape) : undefined;
      if (q !== undefined) return q;
      // The same codes from float32 arithmetic (checked at every code boundary): half the bytes.
      const div = b.op('Div', [macs, this.f32('adc_step', stepShape, Float32Array.from(steps))]);
      return b.cast(b.clamp(b.op('Round', [div]), lo, codeMax, 'float32'), 'float64');
    }
    const div = b.op('Div', [b.cast(macs, 'float64'), this.f64('adc_step', stepShape, steps)]);
    return b.clamp(b.op('Round', [div]), lo, codeMax, 'float64');
  }

  /**
   * The float32 ADC as one QuantizeLinear (opset ≥ 13, L ≤ 256, M ≥ 0, steps already checked
   * by float32AdcIsExact): y = saturate(round_half_even(M / Δ) + z) into uint8 with z = 256 − L,
   * onnxruntime dividing by the float32 scale as the check assumes (tested against the
   * reference at every code boundary). For M ≥ 0, y ∈ [z, 255] and saturating at 255 is the clamp
   * at L − 1, so code = y − z, taken exactly by a DequantizeLinear (scale 1, zero point z) to
   * float32. Per-axis scales need one axis: the steps' varying axes (dropping the MACs' size-1
   * axes) must be adjacent, else (or below opset 13) undefined and the Div/Round/Clip path.
   */
  private quantizeLinear(macs: string, steps: Float64Array, stepShape: readonly number[], macsShape: readonly number[]): string | undefined {
    const b = this.b;
    const levels = this.p.data.bits.adcLevels;
    if (b.opset < 13 || levels > 256 || levels < 2) return undefined;
    const dims = macsShape.map((m, i) => ({ m, s: stepShape[i] })).filter((x) => x.m !== 1 || x.s !== 1);
    if (dims.some((x) => x.s !== 1 && x.s !== x.m)) return undefined;
    const varying = dims.flatMap((x, i) => (x.s !== 1 ? [i] : []));
    const first = varying[0] ?? 0;
    const last = varying[varying.length - 1] ?? -1;
    if (last - first + 1 !== varying.length) return undefined;
    const z = 256 - levels;
    const scale32 = Float32Array.from(steps);
    let x = macs;
    let attrs: Record<string, OnnxAttr> = {};
    let scale: string;
    let zero: string;
    let reshaped = false;
    if (varying.length === 0) {
      scale = b.tensor('adc_step', { dtype: 'float32', shape: [], data: scale32.subarray(0, 1) });
      zero = b.constant('adc_zero', 'uint8', [], [z]);
    } else {
      scale = b.tensor('adc_step', { dtype: 'float32', shape: [scale32.length], data: scale32 });
      zero = b.constant('adc_zero', 'uint8', [scale32.length], new Array<number>(scale32.length).fill(z));
      const axes = macsShape.flatMap((m, i) => (stepShape[i] !== 1 ? [i] : []));
      if (axes.length === 1) {
        attrs = { axis: intAttr(axes[0]) };
      } else {
        const outer = product(dims.slice(0, first).map((v) => v.m));
        const inner = product(dims.slice(last + 1).map((v) => v.m));
        x = b.reshape(macs, [outer, scale32.length, inner]);
        attrs = { axis: intAttr(1) };
        reshaped = true;
      }
    }
    const y = b.op('QuantizeLinear', [x, scale, zero], attrs);
    // y − z as float32 (exact small integers; 4 bytes a value where a Cast to float64 and a Sub
    // would read and write 8), then float64 for the dequantization.
    const codes = b.cast(b.op('DequantizeLinear', [y, b.scalar('one', 'float32', 1), b.constant('adc_zero', 'uint8', [], [z])]), 'float64');
    this.stats.quantizeLinearAdcs++;
    return reshaped ? b.reshape(codes, macsShape) : codes;
  }

  /** Per column: the factor dequantFactor·2^(d·k) (times s_a when static), by cycle. */
  private columnFactor(c: number, k: number, sStatic: number | undefined): number {
    const d = this.p.data;
    const div = 2 ** (d.bits.dac * k);
    return sStatic !== undefined ? sStatic * d.dequantFactor[c] * div : d.dequantFactor[c] * div;
  }

  /** The output tail: − corrections, · s_a (dynamic), + bias, to float32, named as the step's output. */
  private finish(y: string, s: { value: string; static: number | undefined }, channelShape: readonly number[], finalShape: readonly number[] | undefined): void {
    const b = this.b;
    const d = this.p.data;
    const ng = d.channelsPerGroup;
    const outChannels = this.l.geometry.kind === 'conv' ? this.l.geometry.outChannels : this.l.geometry.outFeatures;
    if (d.activation.inputOffset !== 0) {
      // inputOffset · s_w[t,o] · Σ_r q[r,o], per (tile, channel) the tile has columns for.
      const c1 = new Float64Array(outChannels);
      for (const t of this.p.tiles) {
        for (const ol of new Set(t.outLocal)) {
          const i = t.tileIndex * ng + ol;
          const sa = s.static ?? 1;
          c1[t.tile.group * ng + ol] += sa * d.weightScale[i] * (d.activation.inputOffset * d.weightSum[i]);
        }
      }
      y = b.op('Sub', [y, this.f64('input_offset_correction', channelShape, c1)]);
    }
    if (s.static === undefined) y = b.op('Mul', [y, s.value]);
    if (d.bias) y = b.op('Add', [y, this.f64('bias', channelShape, Float64Array.from(d.bias))]);
    if (finalShape) b.op('Reshape', [b.cast(y, 'float32'), b.int64s('shape', finalShape)], {}, this.output);
    else b.op('Cast', [y], { to: intAttr(1) }, this.output);
  }

  /**
   * Σ over the middle axis of x viewed as [outer, k, rest] (outer = 1: the leading axis) as a
   * MatMul by a row of ones: onnxruntime's ReduceSum over a short leading axis runs at ≈ 0.6 ns
   * per element ([4, 16384] float64: 43 µs), its MatMul by ones at 18 µs (float32: 39 vs 6 µs).
   * Float64 sums in another order, as the reduction's; returns [outer, 1, rest] (or [1, rest]).
   */
  private sumAxis(x: string, outer: number, k: number, rest: number, dtype: 'float32' | 'float64'): string {
    const b = this.b;
    const shape = outer === 1 ? [k, rest] : [outer, k, rest];
    return b.op('MatMul', [b.constant('ones', dtype, [1, k], new Array<number>(k).fill(1)), b.reshape(x, shape)]);
  }

  /**
   * Σ over cycles and over the tile-column axis of values laid out [cycles, n, G, cols, rest]
   * → [n, G, rest] (a batch of one: [G, 1, rest], or [1, rest] for one group). For one sample,
   * MatMuls by ones (see sumAxis; a 7-d ReduceSum over axes [0, 3] took a third of VGG-16's time).
   */
  private sumColumns(x: string, cycles: number, n: number, groups: number, cols: number, rest: number, dtype: 'float32' | 'float64' = 'float64'): string {
    const b = this.b;
    if (n > 1) return b.reduceSum(b.reshape(x, [cycles, n, groups, cols, rest]), [0, 3], false);
    if (groups === 1) return this.sumAxis(x, 1, cycles * cols, rest, dtype);
    const once = cycles > 1 ? this.sumAxis(x, 1, cycles, groups * cols * rest, dtype) : x;
    return this.sumAxis(once, groups, cols, rest, dtype);
  }

  lowerCim(): void {
    if (this.l.geometry.kind === 'conv') this.lowerConv(this.l.geometry);
    else this.lowerMatMul(this.l.geometry);
  }

  private lowerConv(g: ConvGeometry): void {
    const b = this.b;
    const d = this.p.data;
    const bits = d.bits;
    const [n, cin] = g.inputShape;
    const [h, w] = g.spatialDims === 2 ? [g.inputShape[2], g.inputShape[3]] : [1, g.inputShape[2]];
    const [oh, ow] = g.spatialDims === 2 ? [g.outputShape[2], g.outputShape[3]] : [1, g.outputShape[2]];
    const [kh, kw] = g.kernel;
    const area = kh * kw;
    const [pt, pl, pb, pr] = g.pads;
    const cinG = cin / g.groups;
    const lay = slotLayout(this.p, g.groups);
    const { tilesPerGroup, j: J, ng } = lay;
    const tiles = g.groups * tilesPerGroup;

    // Each padded tile's input channels (within its group) and how many it really touches.
    const chanLo = new Int32Array(tiles);
    const chanCount = new Int32Array(tiles);
    lay.tileAt.forEach((t, tt) => {
      if (!t) { chanCount[tt] = 0; return; }
      chanLo[tt] = Math.floor(t.tile.rowStart / area);
      chanCount[tt] = Math.floor((t.tile.rowStart + t.tile.rowCount - 1) / area) - chanLo[tt] + 1;
    });
    const mMax = Math.max(1, ...chanCount);
    /** The input channels of padded tiles tts, each padded to m channels; identity when that is the input as it is. */
    const gatherOf = (tts: readonly number[], m: number): { gather: number[]; identity: boolean } => {
      const gather: number[] = [];
      let identity = tts.length * m === cin;
      tts.forEach((tt, i) => {
        const grp = Math.floor(tt / tilesPerGroup);
        for (let mi = 0; mi < m; mi++) {
          const ch = grp * cinG + chanLo[tt] + Math.min(mi, Math.max(chanCount[tt] - 1, 0));
          gather.push(ch);
          if (ch !== i * m + mi || mi >= chanCount[tt]) identity = false;
        }
      });
      return { gather, identity };
    };
    const all = Array.from({ length: tiles }, (_, tt) => tt);
    const { gather, identity } = gatherOf(all, mMax);

    const x4 = g.spatialDims === 2 ? this.input : b.reshape(this.input, [n, cin, 1, w]);
    const { xp, s } = this.convOnly ? { xp: x4, s: { value: '', static: undefined } } : this.drive(x4, n > 1);
    const padded = pt || pl || pb || pr ? b.pad(xp, [0, 0, pt, pl, 0, 0, pb, pr], d.activation.inputOffset, 'float32') : xp;
    const hp = h + pt + pb;
    const wp = w + pl + pr;
    const planes = this.planes(padded, [n, cin, hp, wp]);
    const convAttrs = (group: number): Record<string, OnnxAttr> => ({
      group: intAttr(group), kernel_shape: intsAttr([kh, kw]), strides: intsAttr(g.strides), dilations: intsAttr(g.dilations), pads: intsAttr([0, 0, 0, 0]),
    });

    // Conv parts: with one group, tiles of equal channel counts share one grouped conv, so a short
    // last tile does not pad every tile to the longest (ResNet-20's 16-channel layers, 144 rows =
    // 126 + 18: one conv over 2 × 14 channels did 1.75× the MACs). With several groups, one conv.
    const parts: { tts: number[]; m: number }[] = [];
    if (g.groups === 1) {
      for (const tt of all) {
        const m = Math.max(1, chanCount[tt]);
        const part = parts.find((q) => q.m === m);
        if (part) part.tts.push(tt); else parts.push({ tts: [tt], m });
      }
    } else {
      parts.push({ tts: all, m: mMax });
    }
    let y: string | undefined;
    for (const part of parts) {
      const pTiles = part.tts.length;
      const m = part.m;
      const pk = this.columnPairs(part.tts.map((tt) => lay.tileAt[tt]), J, ng);
      const { jSlots, shift } = pk;
      const slots = pTiles * jSlots * ng;
      // Weights [slots, m, kh, kw] (packed: lo + 2^shift·hi), per slot and half (lo, hi) its ADC
      // steps [slots] and factors [cycles, slots] (1 and 0 where a slot has no hi column).
      const weights = this.cellArray(slots * m * area, pk.maxWeight);
      const steps = [new Float64Array(slots).fill(1), new Float64Array(slots).fill(1)];
      const factors = [new Float64Array(bits.cycles * slots), new Float64Array(bits.cycles * slots)];
      part.tts.forEach((tt, local) => {
        const t = lay.tileAt[tt];
        if (!t) return;
        pk.slots[local].forEach((pair, ps) => {
          const slot = local * jSlots * ng + ps;
          pair.forEach((jj, half) => {
            if (jj < 0) return;
            const c = t.cols[jj];
            const scale = half === 0 ? 1 : 2 ** shift;
            // Row `row` of the group is kernel position row mod area of input channel ⌊row / area⌋.
            const base = slot * m * area - chanLo[tt] * area + t.tile.rowStart;
            addColumn(weights, base, t.cells, t.start[jj], t.stride, t.tile.rowCount, scale);
            steps[half][slot] = bits.adc === 'ideal' ? 1 : d.adcStep[c];
            for (let k = 0; k < bits.cycles; k++) factors[half][k * slots + slot] = this.columnFactor(c, k, s.static);
          });
        });
      });
      const pg = parts.length === 1 ? { gather, identity } : gatherOf(part.tts, m);
      const gathered = pg.identity ? planes : b.op('Gather', [planes, b.int64s('tile_channels', pg.gather)], { axis: intAttr(1) });
      const macs = b.op('Conv', [gathered, this.cellWeights('cells', [slots, m, kh, kw], weights)], convAttrs(pTiles));
      this.stats.convs++;
      if (shift > 0) this.stats.packedConvs++;
      const cols = (pTiles / g.groups) * jSlots;
      let yp: string;
      if (this.convOnly) {
        yp = this.sumColumns(macs, bits.cycles, n, g.groups, cols, ng * oh * ow, 'float32');
      } else {
        const dequant = (m5: string, half: number): string => {
          const codes = this.adc(m5, steps[half], [1, 1, slots, 1, 1], [bits.cycles, n, slots, oh, ow]);
          const scaled = b.op('Mul', [codes, this.f64('dequant', [bits.cycles, 1, slots, 1, 1], factors[half])]);
          return this.sumColumns(scaled, bits.cycles, n, g.groups, cols, ng * oh * ow);
        };
        const m5 = b.reshape(macs, [bits.cycles, n, slots, oh, ow]);
        if (shift === 0) {
          yp = dequant(m5, 0);
        } else {
          // Unpack P = lo + 2^shift·hi (0 ≤ lo < 2^shift; every step exact in float32, P < 2^24).
          const hi = b.op('Floor', [b.op('Mul', [m5, b.scalar('unpack', 'float32', 2 ** -shift)])]);
          const lo = b.op('Sub', [m5, b.op('Mul', [hi, b.scalar('pack', 'float32', 2 ** shift)])]);
          yp = b.op('Add', [dequant(lo, 0), dequant(hi, 1)]);
        }
      }
      y = y === undefined ? yp : b.op('Add', [y, yp]);
    }
    if (this.convOnly) {
      b.op('Reshape', [y!, b.int64s('shape', g.outputShape)], {}, this.output);
      return;
    }
    y = b.reshape(y!, [n, g.outChannels, oh, ow]);

    if (d.weightOffset !== 0) {
      // Σx' over each tile's rows: a conv with all-ones weights on x' (pad channels zero).
      const ones = this.cellArray(tiles * mMax * area);
      const corr = new Float64Array(g.groups * ng * tilesPerGroup);
      for (const t of this.p.tiles) {
        const tt = lay.tileAt.indexOf(t);
        for (let r = 0; r < t.tile.rowCount; r++) {
          const row = t.tile.rowStart + r;
          ones[(tt * mMax + Math.floor(row / area) - chanLo[tt]) * area + (row % area)] = 1;
        }
        const tau = tt % tilesPerGroup;
        for (const ol of new Set(t.outLocal)) {
          const i = t.tileIndex * ng + ol;
          corr[(t.tile.group * ng + ol) * tilesPerGroup + tau] = (s.static ?? 1) * d.weightScale[i] * d.weightOffset;
        }
      }
      const xg = identity ? padded : b.op('Gather', [padded, b.int64s('tile_channels', gather)], { axis: intAttr(1) });
      const sums = b.op('Conv', [xg, this.cellWeights('ones', [tiles, mMax, kh, kw], ones)], convAttrs(tiles));
      const sd = b.reshape(b.cast(sums, 'float64'), [n, g.groups, tilesPerGroup, oh * ow]);
      const c = b.op('MatMul', [this.f64('weight_offset_correction', [g.groups, ng, tilesPerGroup], corr), sd]);
      y = b.op('Sub', [y, b.reshape(c, [n, g.outChannels, oh, ow])]);
    }
    const final = g.spatialDims === 2 ? undefined : g.outputShape;
    this.finish(y, s, [1, g.outChannels, 1, 1], final);
  }

  private lowerMatMul(g: MatMulGeometry): void {
    const b = this.b;
    const d = this.p.data;
    const bits = d.bits;
    const k = g.inFeatures;
    const nOut = g.outFeatures;
    const pixels = g.transposeInput ? g.inputShape[1] : product(g.inputShape.slice(0, -1));
    const lay = slotLayout(this.p, 1);
    const { tilesPerGroup: tiles, j: J } = lay;
    const slots = tiles * J * nOut;
    const x2 = g.transposeInput ? b.op('Transpose', [this.input], { perm: intsAttr([1, 0]) }) : b.reshape(this.input, [pixels, k]);
    const { xp, s } = this.convOnly ? { xp: x2, s: { value: '', static: undefined } } : this.drive(x2);

    const mMax = Math.max(1, ...lay.tileAt.map((t) => (t ? t.tile.rowCount : 0)));
    const needsZero = lay.tileAt.some((t) => !t || t.tile.rowCount < mMax);
    const gather = new Array<number>(tiles * mMax);
    lay.tileAt.forEach((t, tt) => {
      for (let mi = 0; mi < mMax; mi++) gather[tt * mMax + mi] = t && mi < t.tile.rowCount ? t.tile.rowStart + mi : k;
    });
    const weights = this.cellArray(tiles * mMax * J * nOut);
    const steps = new Float64Array(slots).fill(1);
    const factors = new Float64Array(tiles * bits.cycles * J * nOut);
    for (const t of this.p.tiles) {
      const tt = lay.tileAt.indexOf(t);
      const nc = t.cols.length;
      for (let jj = 0; jj < nc; jj++) {
        const c = t.cols[jj];
        const slot = lay.slotOf[t.tileIndex][jj];
        const within = slot - tt * J * nOut; // (j, o) inside the tile
        const { cells, stride } = t;
        for (let r = 0, i = t.start[jj]; r < t.tile.rowCount; r++, i += stride) weights[(tt * mMax + r) * J * nOut + within] = cells[i];
        steps[slot] = bits.adc === 'ideal' ? 1 : d.adcStep[c];
        for (let cy = 0; cy < bits.cycles; cy++) factors[(tt * bits.cycles + cy) * J * nOut + within] = this.columnFactor(c, cy, s.static);
      }
    }
    const xz = needsZero ? b.op('Concat', [xp, this.f32('zero_feature', [pixels, 1], new Float32Array(pixels))], { axis: intAttr(1) }) : xp;
    const kz = needsZero ? k + 1 : k;
    const planes = b.reshape(this.planes(xz, [1, pixels, kz]), [bits.cycles, pixels, kz]);
    const gathered = b.op('Gather', [planes, b.constant('tile_features', 'int64', [tiles, mMax], gather.map((v) => BigInt(v)))], { axis: intAttr(2) });
    const byTile = b.reshape(b.op('Transpose', [gathered], { perm: intsAttr([2, 0, 1, 3]) }), [tiles, bits.cycles * pixels, mMax]);
    const macs = b.op('MatMul', [byTile, this.cellWeights('cells', [tiles, mMax, J * nOut], weights)]);
    if (this.convOnly) {
      const sum = b.reduceSum(b.reshape(macs, [tiles * bits.cycles, pixels, J, nOut]), [0, 2], false);
      b.op('Reshape', [sum, b.int64s('shape', g.outputShape)], {}, this.output);
      return;
    }
    const codes = this.adc(b.reshape(macs, [tiles, bits.cycles, pixels, J, nOut]), steps, [tiles, 1, 1, J, nOut], [tiles, bits.cycles, pixels, J, nOut]);
    const scaled = b.op('Mul', [codes, this.f64('dequant', [tiles, bits.cycles, 1, J, nOut], factors)]);
    // [tiles, cycles, pixels, J, N]: the leading tiles·cycles, then J.
    const perPixel = this.sumAxis(scaled, 1, tiles * bits.cycles, pixels * J * nOut, 'float64');
    let y = b.reshape(J === 1 ? perPixel : this.sumAxis(perPixel, pixels, J, nOut, 'float64'), [pixels, nOut]);

    if (d.weightOffset !== 0) {
      const corr = new Float64Array(tiles * nOut);
      for (const t of this.p.tiles) {
        const tt = lay.tileAt.indexOf(t);
        for (const ol of new Set(t.outLocal)) corr[tt * nOut + ol] = (s.static ?? 1) * d.weightScale[t.tileIndex * nOut + ol] * d.weightOffset;
      }
      const xg = b.op('Gather', [xz, b.constant('tile_features', 'int64', [tiles, mMax], gather.map((v) => BigInt(v)))], { axis: intAttr(1) });
      const sums = b.cast(b.reduceSum(xg, [2], false), 'float64'); // [pixels, tiles]
      y = b.op('Sub', [y, b.op('MatMul', [sums, this.f64('weight_offset_correction', [tiles, nOut], corr)])]);
    }
    this.finish(y, s, [1, nOut], g.outputShape);
  }

  /** The float reference path: the layer with its unquantized weights. */
  lowerFloat(): void {
    const b = this.b;
    const d = this.p.data;
    const g = this.l.geometry;
    const ng = d.channelsPerGroup;
    const wm = d.weightMatrix;
    const bias = d.bias ? [this.f32('bias', [d.bias.length], Float32Array.from(d.bias))] : [];
    if (g.kind === 'conv') {
      const k = g.rowsPerGroup;
      const [kh, kw] = g.kernel;
      const w = new Float32Array(g.outChannels * k);
      for (let o = 0; o < g.outChannels; o++) {
        const grp = Math.floor(o / ng);
        for (let r = 0; r < k; r++) w[o * k + r] = wm[grp * k * ng + r * ng + (o - grp * ng)];
      }
      const cinG = g.inChannels / g.groups;
      const attrs: Record<string, OnnxAttr> = {
        group: intAttr(g.groups), kernel_shape: intsAttr([kh, kw]), strides: intsAttr(g.strides), dilations: intsAttr(g.dilations), pads: intsAttr(g.pads),
      };
      if (g.spatialDims === 2) {
        b.op('Conv', [this.input, this.f32('weight', [g.outChannels, cinG, kh, kw], w), ...bias], attrs, this.output);
      } else {
        const x4 = b.reshape(this.input, [g.inputShape[0], g.inChannels, 1, g.inputShape[2]]);
        const y = b.op('Conv', [x4, this.f32('weight', [g.outChannels, cinG, kh, kw], w), ...bias], attrs);
        b.op('Reshape', [y, b.int64s('shape', g.outputShape)], {}, this.output);
      }
      return;
    }
    const pixels = g.transposeInput ? g.inputShape[1] : product(g.inputShape.slice(0, -1));
    const x2 = g.transposeInput ? b.op('Transpose', [this.input], { perm: intsAttr([1, 0]) }) : b.reshape(this.input, [pixels, g.inFeatures]);
    let y = b.op('MatMul', [x2, this.f32('weight', [g.inFeatures, g.outFeatures], Float32Array.from(wm))]);
    if (bias.length) y = b.op('Add', [y, bias[0]]);
    b.op('Reshape', [y, b.int64s('shape', g.outputShape)], {}, this.output);
  }
}
