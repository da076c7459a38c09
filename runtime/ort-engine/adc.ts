/**
 * ONNX fragments for the ADC: code = clamp(round(M / Δ_col), 0, L − 1) of the integer MACs, in
 * float32 where every code boundary is checked to match the reference (one QuantizeLinear where
 * its form fits), else in float64; an ideal ADC passes M through.
 */
import type { OnnxAttr } from '../../base/onnx-writer.js';
import { float32AdcIsExact } from './exactness.js';
import { intAttr } from './graph-builder.js';
import type { LayerContext } from './layer-context.js';

const product = (dims: readonly number[]): number => dims.reduce((a, b) => a * b, 1);

/** ADC codes (float64) of the integer MACs, step broadcast from stepShape. */
export function adc(layer: LayerContext, macs: string, steps: Float64Array, stepShape: readonly number[], macsShape: readonly number[]): string {
  const b = layer.b;
  const d = layer.cells.data;
  if (d.bits.adc === 'ideal') return b.cast(macs, 'float64');
  const codeMax = d.bits.adcLevels - 1;
  // M ≥ 0 unless Gaussian variation made cells negative: then round(M/Δ) ≥ 0 needs no lower clamp.
  const lo = layer.cellsNonNegative ? -Infinity : 0;
  if (layer.integerCells && steps.every((step) => float32AdcIsExact(step, layer.bounds.macMax, codeMax))) {
    const q = layer.cellsNonNegative ? quantizeLinear(layer, macs, steps, stepShape, macsShape) : undefined;
    if (q !== undefined) return q;
    // The same codes from float32 arithmetic (checked at every code boundary): half the bytes.
    const div = b.op('Div', [macs, b.f32('adc_step', stepShape, Float32Array.from(steps))]);
    return b.cast(b.clamp(b.op('Round', [div]), lo, codeMax, 'float32'), 'float64');
  }
  const div = b.op('Div', [b.cast(macs, 'float64'), b.f64('adc_step', stepShape, steps)]);
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
function quantizeLinear(layer: LayerContext, macs: string, steps: Float64Array, stepShape: readonly number[], macsShape: readonly number[]): string | undefined {
  const b = layer.b;
  const levels = layer.cells.data.bits.adcLevels;
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
  layer.stats.quantizeLinearAdcs++;
  return reshaped ? b.reshape(codes, macsShape) : codes;
}

/**
 * The ADC codes of x [N, slots, …] (integer MACs times 2^shift, per-slot steps along axis 1) as
 * uint8 y = code + (256 − L), one QuantizeLinear, or undefined where that form is not exact (the
 * conditions of quantizeLinear above, every step checked by float32AdcIsExact). x = 2^shift·M
 * (the hi half of packed columns, P − M_lo) is quantized with steps 2^shift·Δ: scaling both by a
 * power of two leaves the float32 quotient, hence the code, unchanged (x < 2^24 stays exact).
 */
export function adcCodesU8(layer: LayerContext, x: string, steps: Float64Array, shift: number): string | undefined {
  const b = layer.b;
  if (!u8AdcApplies(layer, steps)) return undefined;
  const z = 256 - layer.cells.data.bits.adcLevels;
  const scale = b.tensor('adc_step', { dtype: 'float32', shape: [steps.length], data: Float32Array.from(steps, (v) => v * 2 ** shift) });
  const zero = b.constant('adc_zero', 'uint8', [steps.length], new Array<number>(steps.length).fill(z));
  layer.stats.quantizeLinearAdcs++;
  return b.op('QuantizeLinear', [x, scale, zero], { axis: intAttr(1) });
}

/** Whether adcCodesU8 gives the reference's codes for these steps. */
export function u8AdcApplies(layer: LayerContext, steps: Float64Array): boolean {
  const d = layer.cells.data;
  const levels = d.bits.adcLevels;
  if (d.bits.adc === 'ideal' || !layer.integerCells || !layer.cellsNonNegative || layer.b.opset < 13 || levels > 256 || levels < 2) return false;
  return steps.every((step) => float32AdcIsExact(step, layer.bounds.macMax, levels - 1));
}
