/** Builds the plan document and its sidecar from a placed graph (design §5). */
import { CimcError } from '../../base/diagnostics.js';
import type { Attr, Graph, Node } from '../ir/ir.js';
import { isFloatDType, type Tensor } from '../../base/tensor.js';
import type { CimLayer, DigitalStep, Plan, PlanAttr, PlanDType, PlanStep, PlanValue, TensorRef } from '../../plan/types.js';
import { planVersion } from '../../plan/types.js';
import { encodePlanAttr } from '../../plan/attrs.js';
import type { TargetSpec } from '../../targets/target.js';
import { layerReport, matrixOps, reportTotals } from './report-figures.js';
import { weightRange } from '../cim/weight-quant.js';
import { SidecarWriter, type PlanArray } from '../../plan/sidecar.js';
import { builtPlan, type BuiltPlan } from '../../plan/built-plan.js';
import { isPackedBits } from '../../plan/packed-bits.js';
import { derivedDequantFactors, sameFactors } from '../../plan/dequant-factor.js';
import '../cim/annotations.js';

export type { BuiltPlan } from '../../plan/built-plan.js';

export interface BuildPlanInput {
  graph: Graph;
  target: TargetSpec;
  options: Record<string, unknown>;
  model: { file: string; sha256: string };
  generator: string;
  embed: boolean;
  sidecarUri: string;
  calibration: Plan['calibration'];
  /** Store each layer's float weight matrix (plan version 3 leaves it out by default). */
  keepFloatWeights?: boolean;
}

function tensorRef(w: SidecarWriter, t: Tensor, where: { node?: string }): TensorRef {
  const shape = [...t.shape];
  const d = t.data;
  if (isFloatDType(t.dtype) && t.dtype !== 'float64') return w.add('float32', shape, d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>));
  switch (t.dtype) {
    case 'float64': return w.add('float64', shape, d as Float64Array);
    case 'int8': return w.add('int8', shape, d as Int8Array);
    case 'uint8': return w.add('uint8', shape, d as Uint8Array);
    case 'bool': return w.add('bool', shape, d as Uint8Array);
    case 'int16': return w.add('int16', shape, d as Int16Array);
    case 'int32': return w.add('int32', shape, d as Int32Array);
    case 'int64': return w.add('int64', shape, d as BigInt64Array);
    case 'uint16': case 'uint32': return w.add('int64', shape, BigInt64Array.from(Array.from(d as ArrayLike<number>, (v) => BigInt(v))));
    default:
      throw new CimcError('CIM2005', `constant of type ${t.dtype} cannot be stored in a plan`, where);
  }
}

/** An attribute in the plan's encoding (plan/attrs.ts): INT(S) and STRING(S) plain, FLOAT(S) tagged so they keep their kind. */
function planAttr(w: SidecarWriter, a: Attr, node: Node, key: string): PlanAttr {
  switch (a.kind) {
    case 'int': case 'float': case 'string': case 'ints': case 'floats': case 'strings': return encodePlanAttr(a);
    case 'tensor': return encodePlanAttr({ kind: 'tensor', value: tensorRef(w, a.value, { node: node.name }) });
    default:
      throw new CimcError('CIM2005', `attribute '${key}' holds a ${a.kind}; control flow cannot be emitted into a plan (fold it or bind shapes so canonicalize removes it)`, { node: node.name, opType: node.opType });
  }
}

function add(w: SidecarWriter, dtype: PlanDType, data: PlanArray, shape?: number[]): TensorRef {
  return w.add(dtype, shape ?? [data.length], data);
}

/** A per-column or per-channel tensor, deflated where that pays (plan/sidecar.ts). */
function addDeflated(w: SidecarWriter, dtype: PlanDType, data: PlanArray, shape?: number[]): TensorRef {
  return w.add(dtype, shape ?? [data.length], data, undefined, true);
}

export function buildPlan(input: BuildPlanInput): BuiltPlan {
  const { graph, target } = input;
  const w = new SidecarWriter(input.embed);
  const schedule: PlanStep[] = [];
  const layers: CimLayer[] = [];
  const usedConstants = new Set<string>();
  const reports = [];

  for (const node of graph.nodes) {
    const cim = node.annotations?.cim;
    const m = cim?.mapping;
    const q = cim?.quant;
    if (matrixOps.has(node.opType)) reports.push(layerReport(graph, node, target));
    if (m && q) {
      const index = layers.length;
      const range = weightRange(m.bits.weight, m.encoding);
      const report = reports[reports.length - 1];
      layers.push({
        name: node.name, opType: node.opType, input: node.inputs[0], output: node.outputs[0],
        geometry: m.geometry, bits: m.bits, encoding: m.encoding, sliceLayout: m.sliceLayout, tiling: m.tiling,
        packGroups: m.packGroups, rowTiles: m.rowTiles, colTiles: m.colTiles, arrays: m.arrays,
        activation: q.activation,
        weights: {
          granularity: q.weightGranularity, method: q.weightMethod,
          weightOffset: range.weightOffset, qmin: range.qmin, qmax: range.qmax,
          scaleCount: q.weightScaleCount,
        },
        adc: { granularity: q.psumGranularity, calibration: q.adcCalibration, stepCount: q.adcStepCount },
        // The per-column indices follow the layout's regular order (deflate shrinks them a
        // hundredfold); the steps, scales and sums repeat enough to pay too.
        columns: {
          array: addDeflated(w, 'int32', m.columns.array),
          arrayColumn: addDeflated(w, 'int32', m.columns.arrayColumn),
          rowTile: addDeflated(w, 'int32', m.columns.rowTile),
          outChannel: addDeflated(w, 'int32', m.columns.outChannel),
          slice: addDeflated(w, 'int32', m.columns.slice),
          polarity: addDeflated(w, 'int32', m.columns.polarity),
        },
        // 1-, 2- and 4-bit cells packed (a quarter of the bytes at 2-bit cells), wider ones a byte each.
        cells: w.add('uint8', [q.cells.length], q.cells, isPackedBits(m.bits.cell) ? m.bits.cell : undefined),
        adcStep: addDeflated(w, 'float64', q.adcStep),
        // Left out when a reader derives the very same doubles (plan/dequant-factor.ts).
        ...(sameFactors(derivedDequantFactors(m, q.weightScale, q.adcStep), q.dequantFactor) ? {} : { dequantFactor: add(w, 'float64', q.dequantFactor) }),
        weightScale: addDeflated(w, 'float64', q.weightScale, [m.rowTiles.length, m.channelsPerGroup]),
        weightSum: addDeflated(w, 'int32', q.weightSum, [m.rowTiles.length, m.channelsPerGroup]),
        ...(m.bias ? { bias: add(w, 'float32', m.bias) } : {}),
        // Only on request: the float path can take the weights from the model (compiler/driver/float-weights.ts).
        ...(input.keepFloatWeights ? { weightMatrix: add(w, 'float32', m.matrix, [m.geometry.groups, m.geometry.rowsPerGroup, m.channelsPerGroup]) } : {}),
        report,
        replicas: cim.replicas ?? 1,
      });
      schedule.push({ kind: 'cim', name: node.name, opType: node.opType, inputs: [node.inputs[0]], outputs: [node.outputs[0]], layer: index });
      continue;
    }
    const attrs: Record<string, PlanAttr> = {};
    for (const key of Object.keys(node.attrs).sort()) attrs[key] = planAttr(w, node.attrs[key], node, key);
    for (const i of node.inputs) if (i && graph.constants.has(i)) usedConstants.add(i);
    const step: DigitalStep = { kind: 'digital', name: node.name, opType: node.opType, inputs: [...node.inputs], outputs: [...node.outputs], attrs };
    if (node.domain) step.domain = node.domain;
    schedule.push(step);
  }
  for (const o of graph.outputs) if (graph.constants.has(o)) usedConstants.add(o);

  const constants: Record<string, TensorRef> = {};
  for (const name of [...usedConstants].sort()) constants[name] = tensorRef(w, graph.constants.get(name)!, {});

  const valueOf = (name: string): PlanValue => {
    const t = graph.typeOf(name);
    const shape = t?.shape;
    if (!t?.dtype || !shape || shape.some((d) => typeof d !== 'number')) {
      throw new CimcError('CIM2003', `value '${name}' has no static shape; bind inputs with --input-shape`, { field: name });
    }
    return { name, dtype: t.dtype, shape: shape as number[] };
  };
  const valueNames = new Set<string>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o) valueNames.add(o);
  const values = [...valueNames].map(valueOf);

  const plan: Plan = {
    planVersion,
    generator: input.generator,
    model: { file: input.model.file, sha256: input.model.sha256, opset: graph.opset },
    target: target as unknown as Plan['target'],
    options: input.options,
    calibration: input.calibration,
    inputs: graph.inputs.map(valueOf),
    outputs: graph.outputs.map(valueOf),
    values,
    constants,
    schedule,
    layers,
    // No sha256 of the whole sidecar: every tensor in it carries its own (hashing 100 MB twice
    // was a third of emit-plan's time).
    buffers: input.embed ? [] : [{ uri: input.sidecarUri, byteLength: w.byteLength }],
    report: { layers: reports, totals: reportTotals(graph, reports, target) },
  };
  return builtPlan(plan, w.chunks);
}
