/**
 * Lowers a plan to an ONNX graph that computes the same numbers as the reference runtime
 * (runtime/reference/cim-layer.ts, design §4), for onnxruntime.
 *
 * One CIM conv layer (the seed's formulation: row tiles are the groups of a grouped conv):
 *
 *   x' = clamp(round(x / s_a), qmin, qmax) + inputOffset        float64: Div, Round, Min/Max
 *   s_a dynamic (uncalibrated plans): max|x| (signed) or max(0, max x) over the sample (a conv's
 *   batch item; a MatMul/Gemm input's leading index, with transA a column), / qmax
 *   pad x' with the driven zero level inputOffset (the conv itself pads nothing)
 *   x_k = ⌊x' / 2^(d·k)⌋ mod 2^d, the cycles stacked on the batch axis
 *   gather each row tile's input channels (tiles padded to the largest), then a Conv with
 *   group = number of row tiles: output channel (tile, j, o) holds the j-th column of output
 *   channel o in that tile (its slices and polarities), its weights the column's cells; a dense
 *   tile that cuts kernels has zero weights outside its rows. With one group, tiles of different
 *   channel counts (a short last tile) get one such Conv each ("conv parts"). M is an integer
 *   < 2^24, exact in float32 (checked; CIM4005 otherwise).
 *   Packed columns (columnPairs in slot-layout.ts, where exact): one output channel holds two columns of the same
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
 *   float32AdcIsExact (exactness.ts) covers it. Otherwise (or where the steps vary along non-adjacent axes)
 *   Div, Round, Clip.
 *   Σ over cycles, tiles and columns of dequantFactor·2^(d·k)·code: where every ADC of the layer
 *   is such a QuantizeLinear (packed: M_hi = ⌊P·2^−B⌋, M_lo = P − 2^B·M_hi), the uint8 codes of
 *   all parts and halves, regrouped by output channel, go through one grouped 1×1 Conv whose
 *   weights are the factors' fixed-point digits (exact float32 integer sums), then one float64
 *   MatMul weighs the digit sums (digit-sum.ts); otherwise one Mul by a constant
 *   [cycles, columns] and a MatMul by a row of ones per conv part and half  float64
 *   − weightOffset·s_w·Σx' (a Conv with all-ones weights per tile, then a batched MatMul)
 *   − inputOffset·s_w·Σq (a constant per channel), · s_a, + bias, then float32.
 *
 * Gemm/MatMul layers the same with a Gather of each tile's features and a batched MatMul (not
 * packed, one part).
 * The codes are the reference's exactly and everything after them runs in float64, so the
 * float32 output equals the reference's (which sums in float64 too) except where the two float64
 * sums, taken in different orders, straddle a float32 rounding boundary. Digital steps are written as the ONNX nodes they were.
 *
 * This file is the driver (the schedule walk and the model around it). The rest, one job a file:
 *   layer-cells.ts     the layer's cells by row tile (after plan/validate-layer.ts)
 *   layer-context.ts   what one layer's lowering works with
 *   exactness.ts       the 2^24 bounds and float32AdcIsExact
 *   slot-layout.ts     where each column lands among the output channels (slots, column pairs)
 *   cell-weights.ts    the Conv/MatMul weight tensors built from the cells
 *   drive-input.ts     s_a, x' and its input cycles            adc.ts  the ADC codes
 *   dequantize.ts      Σ of factor · code, corrections, bias, the float32 output
 *   digit-sum.ts       the exact Σ of factor · code as a grouped 1×1 Conv of factor digits
 *   lower-conv.ts, lower-matmul.ts, lower-float.ts   per kind of layer
 *   digital.ts         digital steps back to ONNX nodes         graph-builder.ts  names and nodes
 */
import { CimcError } from '../../base/diagnostics.js';
import { writeOnnxModel, type OnnxModel, type OnnxValue } from '../../base/onnx-writer.js';
import type { DType, Tensor } from '../../base/tensor.js';
import type { LoadedPlan } from '../../plan/reader.js';
import { emitDigitalStep, planTensor } from './digital.js';
import { GraphBuilder } from './graph-builder.js';
import { layerContext, type LayerContext } from './layer-context.js';
import { lowerConv } from './lower-conv.js';
import { lowerFloat } from './lower-float.js';
import { lowerMatMul } from './lower-matmul.js';
import type { LowerOptions, LoweringStats } from './lower-options.js';

export type { LowerOptions, LoweringStats } from './lower-options.js';

export interface LoweredPlan {
  /** The ONNX model, as base/onnx-writer.ts describes it. */
  model: OnnxModel;
  /** The graph's default-domain opset (the plan's, at least 11). */
  opset: number;
  /** Graph outputs: the plan's outputs, then the extra outputs not among them. */
  outputs: string[];
  /** CIM convolutions emitted (one per conv part), how many pack column pairs, QuantizeLinear ADCs. */
  stats: LoweringStats;
}

/** Emits one CIM layer, from layer.input to layer.output. */
export type CimLayerLowering = (layer: LayerContext) => void;

/** Lowers a loaded plan to an ONNX model (see the file comment). */
export function lowerPlanToModel(loaded: LoadedPlan, options: LowerOptions = {}): LoweredPlan {
  return lowerSchedule(loaded, options, options.float ? lowerFloat : lowerCimLayer);
}

/** The ONNX bytes of a lowered plan. */
export function lowerPlan(loaded: LoadedPlan, options: LowerOptions = {}): LoweredPlan & { bytes: Uint8Array } {
  const lowered = lowerPlanToModel(loaded, options);
  return { ...lowered, bytes: writeOnnxModel(lowered.model) };
}

function lowerCimLayer(layer: LayerContext): void {
  const g = layer.planLayer.geometry;
  if (g.kind === 'conv') lowerConv(layer, g);
  else lowerMatMul(layer, g);
}

/**
 * The plan's schedule as one ONNX graph: digital steps as the nodes they were, each CIM step by
 * `lowerLayer`, the plan's inputs and outputs (and options.extraOutputs) with their types.
 * (bench/lower-bound.mjs passes a lowering of its own: the engine's convs without the ADC.)
 */
export function lowerSchedule(loaded: LoadedPlan, options: LowerOptions, lowerLayer: CimLayerLowering): LoweredPlan {
  const { plan } = loaded;
  const planOpset = plan.model.opset;
  if (!Number.isInteger(planOpset) || planOpset < 7) {
    throw new CimcError('CIM4005', `the ORT engine needs a plan of opset ≥ 7, this one has ${planOpset}`, { file: loaded.file, field: '/model/opset' });
  }
  const opset = Math.max(planOpset, 11);
  const taken = new Set<string>([...plan.values.map((v) => v.name), ...plan.inputs.map((v) => v.name), ...Object.keys(plan.constants)]);
  const b = new GraphBuilder(opset, taken);
  const stats: LoweringStats = { convs: 0, packedConvs: 0, quantizeLinearAdcs: 0 };
  const initializers = new Map<string, Tensor>();
  for (const [name, ref] of Object.entries(plan.constants)) initializers.set(name, planTensor(loaded, ref, `/constants/${name}`));

  plan.schedule.forEach((s, i) => {
    if (s.kind === 'digital') {
      emitDigitalStep(b, loaded, s, i, planOpset);
      return;
    }
    const l = plan.layers[s.layer];
    if (!l) throw new CimcError('CIM4002', `step ${s.name} names layer ${s.layer}, the plan has ${plan.layers.length}`, { file: loaded.file, field: `/schedule/${i}/layer` });
    lowerLayer(layerContext(b, loaded, l, s.layer, s.inputs[0], s.outputs[0], options, stats));
  });

  const valueTypes = new Map<string, { dtype: DType; shape: number[] }>();
  for (const v of [...plan.values, ...plan.inputs, ...plan.outputs]) valueTypes.set(v.name, { dtype: v.dtype as DType, shape: v.shape });
  const outputs = [...plan.outputs.map((o) => o.name)];
  for (const name of options.extraOutputs ?? []) {
    if (outputs.includes(name)) continue;
    if (!valueTypes.has(name)) throw new CimcError('CIM4005', `no value '${name}' in the plan to expose as an output`, { file: loaded.file });
    outputs.push(name);
  }
  for (const [name, t] of b.constants) initializers.set(name, t);
  // An output that is a constant of the plan has the constant's type.
  const typed = (name: string): OnnxValue => {
    const c = initializers.get(name);
    return { name, type: c ? { dtype: c.dtype, shape: c.shape } : valueTypes.get(name) };
  };
  const model: OnnxModel = {
    opsetImports: { '': opset },
    producer: 'cimc-ort-engine',
    graph: { name: 'cimc_ort', inputs: plan.inputs.map((v) => ({ name: v.name, type: valueTypes.get(v.name) })), outputs: outputs.map(typed), initializers, nodes: b.nodes },
  };
  return { model, opset, outputs, stats };
}
