/**
 * Σ over a conv layer's columns of factor · code, exactly in float32 and with few passes: the
 * uint8 ADC codes of every conv part and half, regrouped by output channel, go through one
 * grouped 1×1 Conv whose weights are the factors' fixed-point digits, then one float64 MatMul
 * weighs the digit sums.
 *
 * Per output channel o with columns c (every cycle k, part, half, tile and slot of o), factors
 * f_c (dequantFactor · 2^(d·k), · s_a when static) and codes 0 ≤ code_c ≤ L − 1:
 *   E = ⌈log2 max_c |f_c|⌉,  f_c / 2^E = Σ_l D[l,c] · 2^(−b·(l+1)) + ε_c,  D integers, |D| ≤ 2^b
 *   (digits by repeated rounding: each step exact in float64), |ε_c| ≤ 2^(−b·levels − 1)
 *   S_l = Σ_c D[l,c] · code_c     exact in float32: (L − 1) · columns · 2^b < 2^24 bounds every
 *                                 partial sum, whatever order onnxruntime adds in
 *   y   = Σ_l 2^(E − b·(l+1)) · S_l   (float64; the powers of two are exact)
 * so y is the reference's float64 Σ f_c·code_c up to ≈ 2^(−50) of the largest term (levels·b ≥ 50),
 * the size of float64's own rounding in the reference's sum, which the float32 output cannot see
 * except at a rounding boundary (as for any other order of the float64 sum).
 */
import { intAttr, intsAttr } from './graph-builder.js';
import type { LayerContext } from './layer-context.js';

/** One conv part and half: uint8 codes [cycles·n, slots, oh, ow] with slots in (tile, j, o) order. */
export interface CodeBlock {
  codes: string;
  /** Columns per group: slots / (groups · ng). */
  columnsPerGroup: number;
  /** [cycles, slots]: 0 where a slot holds no column. */
  factors: Float64Array;
}

export interface DigitSumShape {
  cycles: number;
  n: number;
  groups: number;
  ng: number;
  oh: number;
  ow: number;
  /** The codes' zero point (256 − L) and largest code (L − 1). */
  zero: number;
  codeMax: number;
}

const exactFloat32 = 2 ** 24;
/** Bits of each factor kept: levels · b ≥ this. */
const precisionBits = 50;

/** Bits per digit for `columns` codes ≤ codeMax a channel (0: too many columns for a useful digit). */
export function digitBits(columns: number, codeMax: number): number {
  let b = Math.floor(Math.log2(exactFloat32 / (codeMax * columns)));
  while (b > 0 && codeMax * columns * 2 ** b >= exactFloat32) b--;
  return b >= 6 ? b : 0;
}

/** The layer output before corrections, [n, groups · ng, oh, ow] float64, or undefined where the digits would be too short. */
export function digitSum(layer: LayerContext, blocks: readonly CodeBlock[], sh: DigitSumShape): string | undefined {
  const b = layer.b;
  const { cycles, n, groups, ng, oh, ow } = sh;
  const cg = blocks.reduce((s, x) => s + x.columnsPerGroup, 0);
  const perChannel = cycles * cg;
  const bits = digitBits(perChannel, sh.codeMax);
  if (bits === 0) return undefined;
  const levels = Math.ceil(precisionBits / bits);
  const outCh = groups * ng;
  const hw = oh * ow;

  // Digits D [outCh, levels, cycles, cg] and the weights 2^(E − b·(l+1)) [outCh, 1, levels].
  const digits = new Float32Array(outCh * levels * perChannel);
  const weigh = new Float64Array(outCh * levels);
  const f = new Float64Array(perChannel);
  for (let grp = 0; grp < groups; grp++) {
    for (let ol = 0; ol < ng; ol++) {
      const o = grp * ng + ol;
      let offset = 0;
      for (const blk of blocks) {
        const slots = blk.factors.length / cycles;
        for (let k = 0; k < cycles; k++) {
          for (let cc = 0; cc < blk.columnsPerGroup; cc++) f[k * cg + offset + cc] = blk.factors[k * slots + (grp * blk.columnsPerGroup + cc) * ng + ol];
        }
        offset += blk.columnsPerGroup;
      }
      let fmax = 0;
      for (const v of f) fmax = Math.max(fmax, Math.abs(v));
      const e = fmax > 0 ? Math.ceil(Math.log2(fmax)) : 0;
      for (let c = 0; c < perChannel; c++) {
        let r = f[c] / 2 ** e;
        for (let l = 0; l < levels; l++) {
          const v = r * 2 ** bits;
          const dgt = Math.round(v);
          digits[(o * levels + l) * perChannel + c] = dgt;
          r = v - dgt;
        }
      }
      for (let l = 0; l < levels; l++) weigh[o * levels + l] = 2 ** (e - bits * (l + 1));
    }
  }

  // Codes by output channel: [cycles, n, groups, cg, ng, hw] → [n, groups, ng, cycles, cg, hw].
  const parts = blocks.map((blk) => b.reshape(blk.codes, [cycles, n, groups, blk.columnsPerGroup, ng, hw]));
  const all = parts.length === 1 ? parts[0] : b.op('Concat', parts, { axis: intAttr(3) });
  const byChannel = b.reshape(b.op('Transpose', [all], { perm: intsAttr([1, 2, 4, 0, 3, 5]) }), [n, outCh * perChannel, oh, ow]);
  const codes = b.op('DequantizeLinear', [byChannel, b.scalar('one', 'float32', 1), b.constant('adc_zero', 'uint8', [], [sh.zero])]);
  const sums = b.op('Conv', [codes, b.f32('digits', [outCh * levels, perChannel, 1, 1], digits)], {
    group: intAttr(outCh), kernel_shape: intsAttr([1, 1]), strides: intsAttr([1, 1]), dilations: intsAttr([1, 1]), pads: intsAttr([0, 0, 0, 0]),
  });
  const s64 = b.reshape(b.cast(sums, 'float64'), [n, outCh, levels, hw]);
  const y = b.op('MatMul', [b.f64('digit_weights', [outCh, 1, levels], weigh), s64]);
  return b.reshape(y, [n, outCh, oh, ow]);
}
