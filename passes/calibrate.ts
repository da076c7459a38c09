/**
 * calibrate: run the float model on calibration inputs, set each CIM layer's activation scale
 * from its input values, and choose every ADC step from the measured distribution of the MACs
 * of its column (or array/layer at coarser granularity). Without --calib it changes nothing
 * and the plan keeps the analytic estimate (and says so).
 */
import type { Node } from '../compiler/ir/ir.js';
import { CimcError } from '../base/diagnostics.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOption } from '../compiler/pass-manager/option-values.js';
import { fact } from '../compiler/pass-manager/facts.js';
import type { CimQuantization } from '../compiler/cim/annotations.js';
import { adcKeys, calibratedAdcSteps, type AdcRange } from '../compiler/cim/adc-steps.js';
import { columnWeightFactorsOf, dequantFactors } from '../compiler/cim/dequant-factor.js';
import { layerDataFromAnnotations } from '../compiler/calibration/layer-data.js';
import { executableFromGraph } from '../compiler/calibration/graph-executable.js';
import { chooseActivationScale, Reservoir } from '../compiler/calibration/activation-scale.js';
import { MacHistograms } from '../compiler/calibration/mac-histogram.js';
import { activationEncoding } from '../plan/activation.js';
import { prepareCimLayer, runCimLayer, type PreparedCimLayer } from '../runtime/reference/cim-layer.js';
import { execute } from '../runtime/reference/executor.js';
import { readNpy } from '../base/npy.js';
import { makeTensor, toFloat32, type RtTensor } from '../base/rt-tensor.js';

declare module '../compiler/ir/ir.js' {
  interface GraphAnnotations {
    /** Set by calibrate. */
    calibration?: { samples: number; adcRange: string };
  }
}

export function parseAdcRange(v: unknown): AdcRange {
  if (v === undefined || v === 'mse') return { kind: 'mse' };
  const m = typeof v === 'string' ? /^sigma:([0-9]*\.?[0-9]+)$/.exec(v) : null;
  if (!m) throw new CimcError('CIM2006', `--adc-range must be mse or sigma:K, got '${String(v)}'`, { field: '--adc-range' });
  return { kind: 'sigma', k: Number(m[1]) };
}

interface LayerState {
  node: Node;
  reservoir: Reservoir;
  scale?: number;
  /** Activation encoding chosen from the calibration data, when it differs. */
  activation?: CimQuantization['activation'];
  prepared?: PreparedCimLayer;
  hist?: MacHistograms;
}

/** The `adcRange` option's values: 'mse' or 'sigma:K'. */
export type AdcRangeText = 'mse' | `sigma:${number}`;

/** A tensor given in memory (what readNpy and makeTensor return). */
function checkTensor(v: unknown, flag: string): RtTensor {
  const t = v as Partial<RtTensor> | null;
  if (typeof t === 'object' && t !== null && Array.isArray(t.shape) && ArrayBuffer.isView(t.data)) return t as RtTensor;
  throw new CimcError('CIM2006', `${flag} must be a tensor (readNpy or makeTensor), got '${String(v)}'`, { field: flag });
}

/** The options calibrate reads: their one declaration (flags, explain, types and checks come from it). */
export const calibrateOptions = defineOptions({
  calib: {
    type: 'string', flag: '--calib <x.npy>',
    description: 'calibration inputs (.npy, batch along the first axis): measure activation scales and ADC steps',
  },
  calibData: {
    type: 'tensor', flag: false, check: checkTensor,
    description: 'calibration inputs as a tensor in memory, instead of a --calib file',
  },
  calibSamples: { type: 'integer', min: 1, default: 256, flag: '--calib-samples <n>', description: 'how many calibration samples to use' },
  adcRange: {
    type: 'adc-range', default: 'mse', flag: '--adc-range <mse|sigma:K>',
    check: (v: unknown): AdcRangeText => (parseAdcRange(v), v as AdcRangeText),
    description: "ADC step from squared-error minimisation ('mse') or a mean + K·std clip ('sigma:K')",
  },
});

export const calibrate = definePass({
  name: 'calibrate',
  summary: 'Measure activation ranges and per-column MAC distributions on calibration inputs; set activation scales and ADC steps.',
  requires: [fact('cim-quantized')],
  // Nothing new holds: without --calib it changes nothing, and place/emit-plan run either way.
  provides: [],
  options: Object.values(calibrateOptions),
  run(graph, ctx) {
    const source = readOption(ctx.options, calibrateOptions.calib);
    const given = readOption(ctx.options, calibrateOptions.calibData);
    if (source === undefined && given === undefined) return { graph, changed: false };
    const data = given ?? readNpy(String(source));
    const range = parseAdcRange(readOption(ctx.options, calibrateOptions.adcRange));
    if (graph.inputs.length !== 1) throw new CimcError('CIM2006', `--calib needs a model with one input; this one has ${graph.inputs.length}`);
    const inputName = graph.inputs[0];
    const inShape = graph.staticShape(inputName)!;
    if (data.shape.length !== inShape.length || data.shape.slice(1).some((d, i) => d !== inShape[i + 1])) {
      throw new CimcError('CIM4004', `calibration data has shape [${data.shape.join(',')}], the model input '${inputName}' is [${inShape.join(',')}]`, { field: '--calib' });
    }
    const requested = readOption(ctx.options, calibrateOptions.calibSamples);
    const samples = Math.min(requested, data.shape[0]);
    const perSample = inShape.reduce((a, b) => a * b, 1) / inShape[0];
    const batchOf = inShape[0];
    const x = toFloat32(data);
    const feed = (i: number): RtTensor => makeTensor('float32', inShape, x.slice(i * perSample, (i + batchOf) * perSample));

    const layers: LayerState[] = graph.nodes.filter((n) => n.annotations?.cim?.quant).map((node) => ({ node, reservoir: new Reservoir(1 << 18) }));
    const byInput = new Map<string, LayerState[]>();
    for (const l of layers) {
      const k = l.node.inputs[0];
      byInput.set(k, [...(byInput.get(k) ?? []), l]);
    }
    const exe = executableFromGraph(graph);
    const runs = Math.max(1, Math.floor(samples / batchOf));

    // Pass 1: activation ranges.
    for (let i = 0; i < runs; i++) {
      const f = feed(i * batchOf);
      const see = (name: string, v: RtTensor): void => {
        for (const l of byInput.get(name) ?? []) l.reservoir.add(toFloat32(v), l.node.annotations!.cim!.quant!.activation.signed);
      };
      see(inputName, f);
      execute(exe, { [inputName]: f }, { observe: see });
      ctx.progress?.((i + 1) / (2 * runs), 'calibration: activations');
    }
    const totalColumns = layers.reduce((s, l) => s + l.node.annotations!.cim!.mapping!.columns.array.length, 0);
    const bins = Math.max(64, Math.min(4096, Math.floor(2 ** 27 / Math.max(1, totalColumns))));
    for (const l of layers) {
      const cim = l.node.annotations!.cim!;
      const m = cim.mapping!;
      // An input that static analysis could not prove non-negative but that never goes negative
      // on the calibration data is driven unsigned: the offset 2^(a−1) would waste ADC range.
      // An imported input quantization (a Q/DQ pair of the model) keeps its scale: only the ADC steps are calibrated.
      if (cim.quant!.activationImported) { l.scale = cim.quant!.activation.scale!; }
      else if (cim.quant!.activation.signed && l.reservoir.min >= 0) l.activation = activationEncoding(m.bits.activation, false);
      const { qmin, qmax } = l.activation ?? cim.quant!.activation;
      if (!cim.quant!.activationImported) l.scale = chooseActivationScale(l.reservoir, qmin, qmax);
      const quant = l.activation ? { ...cim.quant!, activation: l.activation } : cim.quant!;
      l.prepared = prepareCimLayer(layerDataFromAnnotations(l.node.name, m, quant));
      const maxRows = Math.max(...m.rowTiles.map((t) => t.rowCount));
      l.hist = new MacHistograms(m.columns.array.length, maxRows * (2 ** m.bits.dac - 1) * (2 ** m.bits.cell - 1), bins);
    }

    // Pass 2: MAC distributions with the chosen activation scales.
    for (let i = 0; i < runs; i++) {
      const f = feed(i * batchOf);
      const see = (name: string, v: RtTensor): void => {
        for (const l of byInput.get(name) ?? []) {
          const hist = l.hist!;
          runCimLayer(l.prepared!, toFloat32(v), { activationScale: l.scale, observeMacs: (_t, _k, macs, pixels, cols) => hist.add(macs, pixels, cols) });
        }
      };
      see(inputName, f);
      execute(exe, { [inputName]: f }, { observe: see });
      ctx.progress?.(0.5 + (i + 1) / (2 * runs), 'calibration: partial sums');
    }

    const updated = new Map<string, CimQuantization>();
    for (const l of layers) {
      const cim = l.node.annotations!.cim!;
      const m = cim.mapping!;
      const q = cim.quant!;
      const { adcStep, clipRate } = calibratedAdcSteps(l.hist!, adcKeys(m, q.psumGranularity), m.bits.adcLevels, range);
      // f_col = (f_analytic / Δ_analytic) · Δ_col: the weight part recovered from the analytic factor.
      const dequantFactor = dequantFactors(columnWeightFactorsOf(q.dequantFactor, q.adcStep), adcStep);
      updated.set(l.node.name, {
        ...q, adcStep, dequantFactor,
        adcCalibration: m.bits.adc === 'ideal' ? 'ideal' : range.kind,
        activation: { ...(l.activation ?? q.activation), scale: l.scale! },
        clipRate,
      });
    }
    const nodes = graph.nodes.map((n): Node => {
      const q = updated.get(n.name);
      return q ? { ...n, annotations: { ...n.annotations, cim: { ...n.annotations!.cim!, quant: q } } } : n;
    });
    const adcRange = range.kind === 'mse' ? 'mse' : `sigma:${range.k}`;
    ctx.stats.set('calibrate.samples', runs * batchOf);
    return { graph: graph.with({ nodes, annotations: { ...graph.annotations, calibration: { samples: runs * batchOf, adcRange } } }), changed: true };
  },
});
