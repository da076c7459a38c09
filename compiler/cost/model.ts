/**
 * The cost model: energy, latency, throughput and area of a mapped model (README "Cost model").
 *
 *   energy(layer)   = Σ events × energy per event (events.ts), by component, plus each periphery
 *                     block's power × the units of it the layer occupies × the layer's stage time
 *   cycle(layer)    = max(array read time, min(widest used columns, columns per ADC) × conversion time)
 *                     (the ADC converts its columns one after another while the next read settles)
 *   stage(layer)    = ⌈V / replicas⌉ · k · ⌈rows used / rows per activation⌉ · cycle
 *   latency         = Σ stages (one inference passes every layer);  throughput = 1 / max stage
 *   area            = per allocated array (arrays × replicas): R·C cells, ⌈C / columns per ADC⌉ ADCs,
 *                     R DACs, C sample-and-holds, a shift-add; plus the periphery blocks
 * Everything is per inference: one run of the plan divided by its batch. Layers kept digital cost
 * their MACs and bytes and take no time in the crossbar pipeline.
 */
import type { CostSpec } from '../../targets/cost.js';
import { adcAt, losslessAdcBits } from './adc-resolution.js';
import { layerEvents, type CostLayer, type LayerEvents } from './events.js';
import { outputVectors } from '../../plan/geometry.js';

export const energyComponents = ['adc', 'dac', 'sampleHold', 'array', 'shiftAdd', 'digital', 'buffer', 'periphery'] as const;
export type EnergyComponent = (typeof energyComponents)[number];
export const areaComponents = ['adc', 'dac', 'sampleHold', 'array', 'shiftAdd', 'periphery'] as const;
export type AreaComponent = (typeof areaComponents)[number];

/** The target numbers the model reads besides its cost figures. */
export interface CostTarget {
  array: { rows: number; cols: number; cellBits: number };
  activationBits: number;
  adc: { columnsPerAdc?: number };
}

export interface CostInput {
  layers: readonly CostLayer[];
  target: CostTarget;
  cost: CostSpec;
  /** Samples per run of the plan (its inputs' first dimension). */
  batch: number;
}

export interface LayerCost {
  name: string;
  opType: string;
  cim: boolean;
  replicas: number;
  /** Per inference. */
  events: LayerEvents;
  energyPj: Record<EnergyComponent, number>;
  totalEnergyPj: number;
  /** Array cycles per inference (after replication) and the time of one. */
  arrayCycles: number;
  cycleTimeNs: number;
  /** Time this layer's pipeline stage takes per inference. */
  stageTimeNs: number;
  /** ADC bits used ('ideal' costs as the lossless resolution), and ISAAC's lossless bound. */
  adcBits?: number | 'ideal';
  losslessAdcBits?: number;
  /** ADC energy this layer would spend at the lossless resolution, and what the bits used save. */
  adcEnergyLosslessPj?: number;
  adcEnergySavedPj?: number;
  /** Arrays allocated (arrays × replicas). */
  arrays: number;
  areaMm2: Record<AreaComponent, number>;
}

export interface CostTotals {
  energyPj: Record<EnergyComponent, number>;
  totalEnergyPj: number;
  latencyNs: number;
  inferencesPerSecond: number;
  /** Slowest CIM stage, which sets the throughput. */
  bottleneck?: string;
  /** Mean fraction of time a stage waits for the bottleneck: 1 − mean(stage) / max(stage). */
  idleFraction: number;
  /** 2 · MACs / energy. */
  topsPerWatt: number;
  macs: number;
  areaMm2: Record<AreaComponent, number>;
  totalAreaMm2: number;
  /** Area components the cost figures give no number for (counted as 0). */
  areaNotModelled: AreaComponent[];
  adcEnergyShare: number;
  adcAreaShare: number;
  adcEnergySavedPj: number;
  arrays: number;
}

export interface CostReport {
  /** Preset name, or 'inline'. */
  costName: string;
  layers: LayerCost[];
  totals: CostTotals;
}

const zeros = <K extends string>(keys: readonly K[]): Record<K, number> => Object.fromEntries(keys.map((k) => [k, 0])) as Record<K, number>;
const sum = (r: Readonly<Record<string, number>>): number => Object.values(r).reduce((a, b) => a + b, 0);

function scaleEvents(e: LayerEvents, f: number): LayerEvents {
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, v * f])) as unknown as LayerEvents;
}

/** Units of each hierarchy level a layer's allocated arrays occupy (layers do not share groups). */
function units(arrays: number, cost: CostSpec): { array: number; group: number; tile: number } {
  const h = cost.hierarchy;
  const group = h ? Math.ceil(arrays / h.arraysPerGroup) : arrays;
  const tile = h ? Math.ceil(group / h.groupsPerTile) : group;
  return { array: arrays, group, tile };
}

export interface StageTiming { arrayCycles: number; cycleTimeNs: number; stageTimeNs: number }

/** The cost figures a stage's time depends on. */
export interface TimingFigures {
  adc: Pick<CostSpec['adc'], 'conversionTimeNs' | 'columnsPerAdc'>;
  array: Pick<CostSpec['array'], 'readTimeNs' | 'rowsPerActivation'>;
}

/**
 * Time of a crossbar layer's pipeline stage per inference: ⌈V / replicas⌉ · k · rounds array
 * cycles, each the slower of the array read and the ADC converting its columns in turn.
 */
export function stageTiming(l: NonNullable<CostLayer['layout']>, replicas: number, batch: number, target: CostTarget, cost: TimingFigures): StageTiming {
  const columnsPerAdc = cost.adc.columnsPerAdc ?? target.adc.columnsPerAdc ?? 1;
  const maxRows = Math.max(0, ...l.arrays.map((a) => a.rowsUsed));
  const maxCols = Math.max(0, ...l.arrays.map((a) => a.colsUsed));
  const vectors = Math.ceil(outputVectors(l.geometry) / batch / replicas);
  const rounds = Math.max(1, Math.ceil(maxRows / (cost.array.rowsPerActivation ?? target.array.rows)));
  const arrayCycles = vectors * l.bits.cycles * rounds;
  const cycleTimeNs = Math.max(cost.array.readTimeNs, Math.min(maxCols, columnsPerAdc) * cost.adc.conversionTimeNs);
  return { arrayCycles, cycleTimeNs, stageTimeNs: arrayCycles * cycleTimeNs };
}

function layerCost(layer: CostLayer, input: CostInput): LayerCost {
  const { cost, target, batch } = input;
  const perInference = 1 / batch;
  const events = scaleEvents(layerEvents(layer, target.activationBits), perInference);
  const energyPj = zeros(energyComponents);
  const areaMm2 = zeros(areaComponents);
  energyPj.digital = events.digitalMacs * cost.digital.energyPerMacPj;
  energyPj.buffer = (events.bytesIn + events.bytesOut) * cost.digital.energyPerBytePj;
  const base = { name: layer.name, opType: layer.opType, replicas: layer.replicas, events, energyPj, areaMm2 };
  const l = layer.layout;
  if (!l) return { ...base, cim: false, totalEnergyPj: sum(energyPj), arrayCycles: 0, cycleTimeNs: 0, stageTimeNs: 0, arrays: 0 };

  const { rows, cols } = target.array;
  const columnsPerAdc = cost.adc.columnsPerAdc ?? target.adc.columnsPerAdc ?? 1;
  const maxRows = Math.max(0, ...l.arrays.map((a) => a.rowsUsed));
  const lossless = losslessAdcBits(maxRows, l.bits.cell, l.bits.dac);
  const costedBits = l.bits.adc === 'ideal' ? lossless : l.bits.adc;
  const adc = adcAt(cost.adc, costedBits);
  const adcLossless = adcAt(cost.adc, lossless);

  energyPj.adc = events.adcConversions * adc.energyPj;
  energyPj.sampleHold = events.sampleHolds * cost.sampleHold.energyPerSamplePj;
  energyPj.shiftAdd = events.shiftAdds * cost.shiftAdd.energyPerOpPj;
  energyPj.dac = events.rowActivations * cost.dac.energyPerActivationPj;
  energyPj.array = events.cellOps * cost.array.energyPerCellOpPj;

  const { arrayCycles, cycleTimeNs, stageTimeNs } = stageTiming(l, layer.replicas, batch, target, cost);

  const arrays = l.arrays.length * layer.replicas;
  const u = units(arrays, cost);
  for (const b of cost.blocks ?? []) energyPj.periphery += b.powerMw * u[b.per] * stageTimeNs; // mW × ns = pJ

  const adcsPerArray = Math.ceil(cols / columnsPerAdc);
  areaMm2.array = arrays * rows * cols * (cost.array.areaPerCellMm2 ?? 0);
  areaMm2.adc = arrays * adcsPerArray * (adc.areaMm2 ?? 0);
  areaMm2.dac = arrays * rows * (cost.dac.areaMm2 ?? 0);
  areaMm2.sampleHold = arrays * cols * (cost.sampleHold.areaMm2 ?? 0);
  areaMm2.shiftAdd = arrays * (cost.shiftAdd.areaMm2 ?? 0);
  for (const b of cost.blocks ?? []) areaMm2.periphery += (b.areaMm2 ?? 0) * u[b.per];

  const adcEnergyLosslessPj = events.adcConversions * adcLossless.energyPj;
  return {
    ...base, cim: true, totalEnergyPj: sum(energyPj), arrayCycles, cycleTimeNs, stageTimeNs,
    adcBits: l.bits.adc, losslessAdcBits: lossless, adcEnergyLosslessPj, adcEnergySavedPj: adcEnergyLosslessPj - energyPj.adc,
    arrays,
  };
}

function notModelled(cost: CostSpec): AreaComponent[] {
  const out: AreaComponent[] = [];
  if (cost.adc.areaMm2 === undefined) out.push('adc');
  if (cost.dac.areaMm2 === undefined) out.push('dac');
  if (cost.sampleHold.areaMm2 === undefined) out.push('sampleHold');
  if (cost.array.areaPerCellMm2 === undefined) out.push('array');
  if (cost.shiftAdd.areaMm2 === undefined) out.push('shiftAdd');
  return out;
}

export function modelCost(input: CostInput): CostReport {
  const layers = input.layers.map((l) => layerCost(l, input));
  const energyPj = zeros(energyComponents);
  const areaMm2 = zeros(areaComponents);
  for (const l of layers) {
    for (const k of energyComponents) energyPj[k] += l.energyPj[k];
    for (const k of areaComponents) areaMm2[k] += l.areaMm2[k];
  }
  const stages = layers.filter((l) => l.cim && l.stageTimeNs > 0);
  const slowest = stages.reduce<LayerCost | undefined>((a, b) => (!a || b.stageTimeNs > a.stageTimeNs ? b : a), undefined);
  const maxStage = slowest?.stageTimeNs ?? 0;
  const meanStage = stages.length ? stages.reduce((s, l) => s + l.stageTimeNs, 0) / stages.length : 0;
  const totalEnergyPj = sum(energyPj);
  const totalAreaMm2 = sum(areaMm2);
  const macs = input.layers.reduce((s, l) => s + l.macs, 0) / input.batch;
  return {
    costName: input.cost.name ?? 'inline',
    layers,
    totals: {
      energyPj, totalEnergyPj,
      latencyNs: layers.reduce((s, l) => s + l.stageTimeNs, 0),
      inferencesPerSecond: maxStage > 0 ? 1e9 / maxStage : 0,
      bottleneck: slowest?.name,
      idleFraction: maxStage > 0 ? 1 - meanStage / maxStage : 0,
      topsPerWatt: totalEnergyPj > 0 ? (2 * macs) / totalEnergyPj : 0,
      macs,
      areaMm2, totalAreaMm2, areaNotModelled: notModelled(input.cost),
      adcEnergyShare: totalEnergyPj > 0 ? energyPj.adc / totalEnergyPj : 0,
      adcAreaShare: totalAreaMm2 > 0 ? areaMm2.adc / totalAreaMm2 : 0,
      adcEnergySavedPj: layers.reduce((s, l) => s + (l.adcEnergySavedPj ?? 0), 0),
      arrays: layers.reduce((s, l) => s + l.arrays, 0),
    },
  };
}
