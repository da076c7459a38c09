/**
 * ONNX fragments for the input side of a CIM layer: the activation scale s_a, the driven input
 * x' = clamp(round(x / s_a), qmin, qmax) + inputOffset, and its d-bit input cycles.
 */
import { intAttr } from './graph-builder.js';
import type { LayerContext } from './layer-context.js';

/** s_a as a float64 value (a scalar, or one per sample), and its number when the plan fixes it. */
export interface ActivationScale {
  value: string;
  static: number | undefined;
}

/**
 * Where a dynamic s_a is taken from: the whole input (undefined), or one per sample: `samples`
 * items of x viewed as [samples, rest] (a conv's batch axis; a MatMul's leading axis, or a Gemm
 * transA column, i.e. a row of x). The scale comes back as [x's leading dim, 1, …] of x's rank
 * (each sample's value repeated over its rows), broadcasting over x and over the layer output.
 */
export interface SampleView {
  samples: number;
  rank: number;
}

/**
 * s_a (a constant, or computed from the input in-graph). The max is taken on float32 x (|x| and
 * max are exact there), then s_a = m / qmax in float64 as the reference divides.
 */
function activationScale(layer: LayerContext, x: string, shape: readonly number[], view: SampleView | undefined): ActivationScale {
  const b = layer.b;
  const a = layer.cells.data.activation;
  if (a.scale !== null) return { value: b.scalar('s_a', 'float64', a.scale), static: a.scale };
  const src = a.signed ? b.op('Abs', [x]) : x;
  let m: string;
  if (view && view.samples > 1) {
    const rest = shape.reduce((p, d) => p * d, 1) / view.samples;
    const perSample = b.reduceMax(b.reshape(src, [view.samples, rest]), [1], true);
    const ones = new Array<number>(view.rank - 1).fill(1);
    const lead = shape[0];
    m = lead === view.samples
      ? b.reshape(perSample, [lead, ...ones])
      : b.reshape(b.op('Expand', [b.reshape(perSample, [view.samples, 1]), b.int64s('shape', [view.samples, lead / view.samples])]), [lead, ...ones]);
  } else {
    m = b.reduceMaxAll(src);
  }
  m = b.cast(m, 'float64');
  if (!a.signed) m = b.op('Max', [m, b.scalar('zero', 'float64', 0)]);
  const positive = b.op('Greater', [m, b.scalar('zero', 'float64', 0)]);
  const value = b.op('Where', [positive, b.op('Div', [m, b.scalar('qmax', 'float64', a.qmax)]), b.scalar('one', 'float64', 1)]);
  return { value, static: undefined };
}

/** x' = clamp(round(x / s_a)) + inputOffset as float32 (exact small integers); x has `shape`. */
export function drive(layer: LayerContext, x: string, shape: readonly number[], view?: SampleView): { xp: string; s: ActivationScale } {
  const b = layer.b;
  const a = layer.cells.data.activation;
  const s = activationScale(layer, x, shape, view);
  const xd = b.cast(x, 'float64');
  const q = b.clamp(b.op('Round', [b.op('Div', [xd, s.value])]), a.qmin, a.qmax, 'float64');
  let xp = b.cast(q, 'float32');
  if (a.inputOffset !== 0) xp = b.op('Add', [xp, b.scalar('input_offset', 'float32', a.inputOffset)]);
  return { xp, s };
}

/** The cycles' d-bit pieces of x' [N, ...rest] stacked as [cycles·N, ...rest] (x' itself for one cycle). */
export function planes(layer: LayerContext, xp: string, shape: readonly number[]): string {
  const d = layer.cells.data;
  const bits = d.bits;
  const xMax = d.activation.qmax + d.activation.inputOffset;
  if (bits.cycles === 1 && xMax <= 2 ** bits.dac - 1) return xp;
  const b = layer.b;
  const pow = new Float32Array(bits.cycles).map((_, k) => 2 ** (bits.dac * k));
  const lifted = b.reshape(xp, [1, ...shape]);
  const div = b.op('Div', [lifted, b.f32('cycle_pow', [bits.cycles, ...shape.map(() => 1)], pow)]);
  const piece = b.op('Mod', [b.op('Floor', [div]), b.scalar('dac_levels', 'float32', 2 ** bits.dac)], { fmod: intAttr(1) });
  return b.reshape(piece, [bits.cycles * shape[0], ...shape.slice(1)]);
}
