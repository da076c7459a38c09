/**
 * onnxruntime-node sessions for lowered plans. onnxruntime-node is an optional peer dependency:
 * it is loaded on first use with a dynamic import, and a missing package is a one-line error.
 */
import { CimcError } from '../../base/diagnostics.js';
import type { LoadedPlan } from '../../plan/reader.js';
import type { PlanValue } from '../../plan/types.js';
import { makeTensor, toFloat32, type RtDType, type RtTensor } from '../../base/rt-tensor.js';
import type { VariationSpec } from '../reference/variation.js';
import { lowerPlan } from './lower-plan.js';
import { sampleBatch, stackSamples } from '../batch.js';

type Ort = typeof import('onnxruntime-node');
type OrtSession = import('onnxruntime-node').InferenceSession;
type OrtTensor = import('onnxruntime-node').Tensor;

let ortModule: Promise<Ort> | undefined;

/** The onnxruntime-node module, or a CimcError telling how to install it. */
export function loadOnnxRuntime(): Promise<Ort> {
  ortModule ??= import('onnxruntime-node').catch((e: unknown) => {
    ortModule = undefined;
    const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
    throw new CimcError('CIM5001', `--engine ort needs the optional package onnxruntime-node: npm install onnxruntime-node (${why})`, { field: '--engine' });
  });
  return ortModule;
}

export interface OrtEngineOptions {
  /** Run the CIM layers unquantized (the float reference path). */
  float?: boolean;
  variation?: VariationSpec;
  /** Plan values returned in addition to the outputs (e.g. CIM layer outputs). */
  extraOutputs?: readonly string[];
  /** ORT intra-op threads; default: ORT's choice (one per core). */
  intraOpNumThreads?: number;
  /** LowerOptions.packColumns (default true). */
  packColumns?: boolean;
  /** Default 'all'. The numbers do not depend on it (integer MACs are exact; the rest is float64). */
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'all';
}

/** Where the time of creating an engine went (ms). */
export interface OrtEngineTimings {
  lowerMs: number;
  sessionMs: number;
  onnxBytes: number;
}

const ortTypeToRt: Readonly<Record<string, RtDType>> = {
  float32: 'float32', float64: 'float64', int8: 'int8', uint8: 'uint8', int16: 'int16', int32: 'int32', int64: 'int64', bool: 'bool',
};

/** A plan lowered to ONNX and loaded into an onnxruntime session. */
export class OrtEngine {
  private constructor(
    private readonly ort: Ort,
    private readonly session: OrtSession,
    readonly inputs: readonly PlanValue[],
    /** Every graph output: the plan's outputs, then the extra ones. */
    readonly outputNames: readonly string[],
    readonly timings: OrtEngineTimings,
  ) {}

  static async create(loaded: LoadedPlan, options: OrtEngineOptions = {}): Promise<OrtEngine> {
    const ort = await loadOnnxRuntime();
    const t0 = performance.now();
    const lowered = lowerPlan(loaded, { float: options.float, variation: options.variation, extraOutputs: options.extraOutputs, packColumns: options.packColumns });
    const t1 = performance.now();
    const sessionOptions: import('onnxruntime-node').InferenceSession.SessionOptions = {
      graphOptimizationLevel: options.graphOptimizationLevel ?? 'all',
      logSeverityLevel: 3,
      // onnxruntime's QDQ transformers rewrite DequantizeLinear → op → QuantizeLinear groups into
      // quantized kernels (float biases become int32, Q/DQ pairs appear around MaxPool), which
      // changes a plan's digital QDQ numbers; the plan's semantics are the ONNX ops as written.
      extra: { session: { disable_quant_qdq: '1' } },
    };
    if (options.intraOpNumThreads !== undefined) sessionOptions.intraOpNumThreads = options.intraOpNumThreads;
    let session: OrtSession;
    try {
      session = await ort.InferenceSession.create(lowered.bytes, sessionOptions);
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new CimcError('CIM4005', `onnxruntime cannot load the lowered plan: ${why}`, { file: loaded.file });
    }
    const t2 = performance.now();
    return new OrtEngine(ort, session, loaded.plan.inputs, lowered.outputs, { lowerMs: t1 - t0, sessionMs: t2 - t1, onnxBytes: lowered.bytes.byteLength });
  }

  /** One inference; feeds must have the plan's input shapes. Returns every graph output. */
  async run(feeds: Record<string, RtTensor>): Promise<Record<string, RtTensor>> {
    const inputs: Record<string, OrtTensor> = {};
    for (const input of this.inputs) {
      const t = feeds[input.name];
      if (!t) throw new CimcError('CIM4004', `missing input '${input.name}'`);
      if (t.shape.length !== input.shape.length || t.shape.some((d, i) => d !== input.shape[i])) {
        throw new CimcError('CIM4004', `input '${input.name}' has shape [${t.shape.join(',')}], the plan was compiled for [${input.shape.join(',')}]`);
      }
      inputs[input.name] = input.dtype === 'float32' || t.dtype === 'float32'
        ? new this.ort.Tensor('float32', toFloat32(t), [...t.shape])
        : new this.ort.Tensor(t.dtype, t.data as never, [...t.shape]);
    }
    let results: Record<string, OrtTensor>;
    try {
      results = await this.session.run(inputs);
    } catch (e) {
      const why = e instanceof Error ? e.message.split('\n')[0] : String(e);
      throw new CimcError('CIM4005', `onnxruntime failed: ${why}`);
    }
    const out: Record<string, RtTensor> = {};
    for (const name of this.outputNames) {
      const r = results[name];
      const dtype = ortTypeToRt[r.type];
      if (!dtype) throw new CimcError('CIM4005', `output '${name}' has type ${r.type}, which the runtime does not hold`);
      out[name] = makeTensor(dtype, r.dims, r.data as RtTensor['data']);
    }
    return out;
  }

  /**
   * Runs a batch along the first axis of the one input, one sample at a time (plans are compiled
   * with batch 1); outputs are concatenated along the first axis, like executeBatch.
   */
  async runBatch(batch: RtTensor, options: { onSample?(i: number, n: number): void } = {}): Promise<RtTensor[]> {
    const batchIn = sampleBatch(this.inputs, batch);
    const n = batchIn.count;
    const outs: Float32Array[][] = this.outputNames.map(() => []);
    const shapes: number[][] = [];
    for (let i = 0; i < n; i++) {
      const r = await this.run({ [batchIn.input.name]: batchIn.sample(i) });
      this.outputNames.forEach((name, k) => {
        outs[k].push(toFloat32(r[name]));
        shapes[k] = [...r[name].shape];
      });
      options.onSample?.(i + 1, n);
    }
    return this.outputNames.map((_, k) => stackSamples(outs[k], shapes[k] ?? [1]));
  }

  async release(): Promise<void> {
    await this.session.release();
  }
}
