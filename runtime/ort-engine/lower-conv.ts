/**
 * A CIM conv layer as ONNX (lower-plan.ts has the equations): row tiles are the groups of a
 * grouped Conv over the driven input's cycle planes, one output channel per crossbar column
 * (or packed column pair), then ADC, dequantization and the corrections.
 *
 * convLayout works out the shapes, the conv parts and their weights as plain data; lowerConv
 * emits the nodes.
 */
import type { OnnxAttr } from '../../base/onnx-writer.js';
import type { ConvGeometry } from '../../plan/types.js';
import { adc, adcCodesU8, u8AdcApplies } from './adc.js';
import { addColumn, cellArray, cellWeights, type CellArray } from './cell-weights.js';
import { columnFactor, finishOutput, sumColumns } from './dequantize.js';
import { digitBits, digitSum, type CodeBlock } from './digit-sum.js';
import { drive, planes } from './drive-input.js';
import { intAttr, intsAttr } from './graph-builder.js';
import type { LayerContext } from './layer-context.js';
import { columnPairs, slotLayout, type ColumnPairs, type SlotLayout } from './slot-layout.js';

/** Input channels gathered for some padded tiles, and whether that is the input as it is. */
export interface ChannelGather {
  channels: number[];
  identity: boolean;
}

/** One grouped Conv of a layer: some padded tiles, each padded to the same input channel count. */
export interface ConvPart {
  /** Padded tile indices (group · tilesPerGroup + τ). */
  tiles: number[];
  /** Input channels per tile. */
  channels: number;
  pairs: ColumnPairs;
  /** Conv output channels: tiles · jSlots · Ng. */
  slots: number;
  /** [slots, channels, kh, kw] (packed: lo + 2^shift·hi). */
  weights: CellArray;
  /** Per half (lo, hi): ADC steps [slots], 1 where a slot has no such column. */
  steps: [Float64Array, Float64Array];
  /** Per half: dequantization factors [cycles, slots], 0 where a slot has no such column. */
  factors: [Float64Array, Float64Array];
  gather: ChannelGather;
  /** Tile columns per group: (tiles / groups) · jSlots. */
  columnsPerGroup: number;
}

export interface ConvLayout {
  n: number;
  cin: number;
  h: number;
  w: number;
  oh: number;
  ow: number;
  kh: number;
  kw: number;
  area: number;
  /** [top, left, bottom, right] */
  pads: readonly [number, number, number, number];
  slots: SlotLayout;
  /** Padded tiles: groups · tilesPerGroup. */
  tiles: number;
  /** Per padded tile: its first input channel within the group, and how many channels it touches. */
  chanLo: Int32Array;
  chanCount: Int32Array;
  /** The most channels a tile touches (at least 1). */
  mMax: number;
  /** Every padded tile's channels, each padded to mMax. */
  gather: ChannelGather;
  parts: ConvPart[];
}

/** The attributes of a CIM Conv: the layer's window, no padding (the driven input is padded). */
export function convAttrs(g: ConvGeometry, group: number): Record<string, OnnxAttr> {
  const [kh, kw] = g.kernel;
  return { group: intAttr(group), kernel_shape: intsAttr([kh, kw]), strides: intsAttr(g.strides), dilations: intsAttr(g.dilations), pads: intsAttr([0, 0, 0, 0]) };
}

export function convLayout(layer: LayerContext, g: ConvGeometry): ConvLayout {
  const d = layer.cells.data;
  const bits = d.bits;
  const [n, cin] = g.inputShape;
  const [h, w] = g.spatialDims === 2 ? [g.inputShape[2], g.inputShape[3]] : [1, g.inputShape[2]];
  const [oh, ow] = g.spatialDims === 2 ? [g.outputShape[2], g.outputShape[3]] : [1, g.outputShape[2]];
  const [kh, kw] = g.kernel;
  const area = kh * kw;
  const [pt, pl, pb, pr] = g.pads;
  const cinG = cin / g.groups;
  const lay = slotLayout(layer.cells, g.groups);
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
  const gatherOf = (tts: readonly number[], m: number): ChannelGather => {
    const channels: number[] = [];
    let identity = tts.length * m === cin;
    tts.forEach((tt, i) => {
      const grp = Math.floor(tt / tilesPerGroup);
      for (let mi = 0; mi < m; mi++) {
        const ch = grp * cinG + chanLo[tt] + Math.min(mi, Math.max(chanCount[tt] - 1, 0));
        channels.push(ch);
        if (ch !== i * m + mi || mi >= chanCount[tt]) identity = false;
      }
    });
    return { channels, identity };
  };
  const all = Array.from({ length: tiles }, (_, tt) => tt);
  const gather = gatherOf(all, mMax);

  // Conv parts: with one group, tiles of equal channel counts share one grouped conv, so a short
  // last tile does not pad every tile to the longest (ResNet-20's 16-channel layers, 144 rows =
  // 126 + 18: one conv over 2 × 14 channels did 1.75× the MACs). With several groups, one conv.
  const groupsOfTiles: { tts: number[]; m: number }[] = [];
  if (g.groups === 1) {
    for (const tt of all) {
      const m = Math.max(1, chanCount[tt]);
      const part = groupsOfTiles.find((q) => q.m === m);
      if (part) part.tts.push(tt); else groupsOfTiles.push({ tts: [tt], m });
    }
  } else {
    groupsOfTiles.push({ tts: all, m: mMax });
  }
  const parts = groupsOfTiles.map(({ tts, m }): ConvPart => {
    const pk = columnPairs(layer, tts.map((tt) => lay.tileAt[tt]), J, ng);
    const { jSlots, shift } = pk;
    const slots = tts.length * jSlots * ng;
    // Weights [slots, m, kh, kw] (packed: lo + 2^shift·hi), per slot and half (lo, hi) its ADC
    // steps [slots] and factors [cycles, slots] (1 and 0 where a slot has no hi column).
    const weights = cellArray(layer, slots * m * area, pk.maxWeight);
    const steps: [Float64Array, Float64Array] = [new Float64Array(slots).fill(1), new Float64Array(slots).fill(1)];
    const factors: [Float64Array, Float64Array] = [new Float64Array(bits.cycles * slots), new Float64Array(bits.cycles * slots)];
    tts.forEach((tt, local) => {
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
          for (let k = 0; k < bits.cycles; k++) factors[half][k * slots + slot] = columnFactor(layer, c, k);
        });
      });
    });
    return {
      tiles: tts, channels: m, pairs: pk, slots, weights, steps, factors,
      gather: groupsOfTiles.length === 1 ? gather : gatherOf(tts, m),
      columnsPerGroup: (tts.length / g.groups) * jSlots,
    };
  });
  return { n, cin, h, w, oh, ow, kh, kw, area, pads: [pt, pl, pb, pr], slots: lay, tiles, chanLo, chanCount, mMax, gather, parts };
}

export function lowerConv(layer: LayerContext, g: ConvGeometry): void {
  const b = layer.b;
  const d = layer.cells.data;
  const bits = d.bits;
  const L = convLayout(layer, g);
  const { n, cin, h, w, oh, ow, kh, kw, area, tiles, chanLo, mMax, gather } = L;
  const [pt, pl, pb, pr] = L.pads;
  const { tilesPerGroup, ng } = L.slots;

  const x4 = g.spatialDims === 2 ? layer.input : b.reshape(layer.input, [n, cin, 1, w]);
  const { xp, s } = drive(layer, x4, [n, cin, h, w], { samples: n, rank: 4 });
  const padded = pt || pl || pb || pr ? b.pad(xp, [0, 0, pt, pl, 0, 0, pb, pr], d.activation.inputOffset, 'float32') : xp;
  const cyclePlanes = planes(layer, padded, [n, cin, h + pt + pb, w + pl + pr]);

  const digits = digitSumApplies(layer, L);
  const blocks: CodeBlock[] = [];
  let y: string | undefined;
  for (const part of L.parts) {
    const { slots, steps, factors } = part;
    const shift = part.pairs.shift;
    const gathered = part.gather.identity ? cyclePlanes : b.op('Gather', [cyclePlanes, b.int64s('tile_channels', part.gather.channels)], { axis: intAttr(1) });
    const macs = b.op('Conv', [gathered, cellWeights(layer, 'cells', [slots, part.channels, kh, kw], part.weights)], convAttrs(g, part.tiles.length));
    layer.stats.convs++;
    if (shift > 0) layer.stats.packedConvs++;
    if (digits) {
      // uint8 codes per half; packed P = M_lo + 2^B·M_hi unpacked as below (Mod, a scalar fmod per
      // element, cost 25× a Floor).
      const block = (x: string, half: 0 | 1): CodeBlock => ({ codes: adcCodesU8(layer, x, steps[half], 0)!, columnsPerGroup: part.columnsPerGroup, factors: factors[half] });
      if (shift === 0) {
        blocks.push(block(macs, 0));
      } else {
        const hi = b.op('Floor', [b.op('Mul', [macs, b.scalar('unpack', 'float32', 2 ** -shift)])]);
        const lo = b.op('Sub', [macs, b.op('Mul', [hi, b.scalar('pack', 'float32', 2 ** shift)])]);
        blocks.push(block(lo, 0), block(hi, 1));
      }
      continue;
    }
    const dequant = (m5: string, half: number): string => {
      const codes = adc(layer, m5, steps[half], [1, 1, slots, 1, 1], [bits.cycles, n, slots, oh, ow]);
      const scaled = b.op('Mul', [codes, b.f64('dequant', [bits.cycles, 1, slots, 1, 1], factors[half])]);
      return sumColumns(layer, scaled, bits.cycles, n, g.groups, part.columnsPerGroup, ng * oh * ow);
    };
    const m5 = b.reshape(macs, [bits.cycles, n, slots, oh, ow]);
    let yp: string;
    if (shift === 0) {
      yp = dequant(m5, 0);
    } else {
      // Unpack P = lo + 2^shift·hi (0 ≤ lo < 2^shift; every step exact in float32, P < 2^24).
      const hi = b.op('Floor', [b.op('Mul', [m5, b.scalar('unpack', 'float32', 2 ** -shift)])]);
      const lo = b.op('Sub', [m5, b.op('Mul', [hi, b.scalar('pack', 'float32', 2 ** shift)])]);
      yp = b.op('Add', [dequant(lo, 0), dequant(hi, 1)]);
    }
    y = y === undefined ? yp : b.op('Add', [y, yp]);
  }
  if (digits) {
    const levels = d.bits.adcLevels;
    y = digitSum(layer, blocks, { cycles: bits.cycles, n, groups: g.groups, ng, oh, ow, zero: 256 - levels, codeMax: levels - 1 });
  }
  y = b.reshape(y!, [n, g.outChannels, oh, ow]);

  if (d.weightOffset !== 0) {
    // Σx' over each tile's rows: a conv with all-ones weights on x' (pad channels zero).
    const ones = cellArray(layer, tiles * mMax * area);
    const corr = new Float64Array(g.groups * ng * tilesPerGroup);
    for (const t of layer.cells.tiles) {
      const tt = L.slots.tileAt.indexOf(t);
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
    const xg = gather.identity ? padded : b.op('Gather', [padded, b.int64s('tile_channels', gather.channels)], { axis: intAttr(1) });
    const sums = b.op('Conv', [xg, cellWeights(layer, 'ones', [tiles, mMax, kh, kw], ones)], convAttrs(g, tiles));
    const sd = b.reshape(b.cast(sums, 'float64'), [n, g.groups, tilesPerGroup, oh * ow]);
    const c = b.op('MatMul', [b.f64('weight_offset_correction', [g.groups, ng, tilesPerGroup], corr), sd]);
    y = b.op('Sub', [y, b.reshape(c, [n, g.outChannels, oh, ow])]);
  }
  finishOutput(layer, y, s, [1, g.outChannels, 1, 1], g.spatialDims === 2 ? undefined : g.outputShape);
}

/**
 * Whether the layer's codes can be summed by digitSum: every half's ADC one exact uint8
 * QuantizeLinear, and digits of useful length for the columns of one output channel.
 */
function digitSumApplies(layer: LayerContext, L: ConvLayout): boolean {
  const halves = L.parts.flatMap((p) => (p.pairs.shift > 0 ? [p.steps[0], p.steps[1]] : [p.steps[0]]));
  if (!halves.every((steps) => u8AdcApplies(layer, steps))) return false;
  const d = layer.cells.data;
  const columns = d.bits.cycles * L.parts.reduce((s, p) => s + p.columnsPerGroup * (p.pairs.shift > 0 ? 2 : 1), 0);
  return digitBits(columns, d.bits.adcLevels - 1) > 0;
}
