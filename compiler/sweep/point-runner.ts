/**
 * Who runs a sweep's points: in this thread one at a time, or a pool (worker-pool.ts) running
 * several at once. Either way the main thread alone appends the records, so results.jsonl is
 * written by one writer and a record is never interleaved with another.
 */
import { isCimcError } from '../../base/diagnostics.js';
import { openPlan } from '../../plan/reader.js';
import { serializePlan } from '../../plan/writer.js';
import { predictions } from './accuracy.js';
import { implicitOptions, type PreparedSweep } from './prepare.js';
import type { SweepRecord } from './record.js';
import { runPoint, type PointEnv, type PointJob } from './run-point.js';
import { stagedCompiler } from './staged-compile.js';

export interface PointRunner {
  /** Points it runs at once. */
  readonly parallel: number;
  run(job: PointJob): Promise<SweepRecord>;
  close(): Promise<void>;
}

/** Builds a runner once the float baseline is known (a pool hands it to its workers). */
export type RunnerFactory = (baseline: readonly number[] | undefined) => PointRunner;

/**
 * A point's environment in this thread: the staged compiler and the data of a prepared sweep.
 * `baseline`: the float predictions when already known (a worker gets them from the main thread);
 * else they are computed on first use, once.
 */
export function localPointEnv(s: PreparedSweep, plansDir: string | undefined, baseline?: readonly number[]): PointEnv {
  const { request: req } = s;
  const fixed = { ...implicitOptions(req.options), ...(s.calibData ? { calibData: s.calibData } : {}) };
  const compiler = stagedCompiler(req.compiler, req.model, fixed,
    new Set(s.axes.flatMap((a) => (a.kind === 'option' ? [a.option.name] : []))));
  const data = { inputs: s.inputs, labels: s.labels, limit: req.limit };
  let cached: Promise<readonly number[] | undefined> | undefined = baseline && Promise.resolve(baseline);
  const env: PointEnv = {
    compiler, data, engine: req.engine, plansDir,
    floatPredictions: () => (cached ??= floatBaseline(s, env)),
  };
  return env;
}

/**
 * The float baseline: the float path of grid point 0's target with default options
 * (quantization does not touch the float path), so every shard and rerun gets the same numbers.
 */
async function floatBaseline(s: PreparedSweep, env: PointEnv): Promise<readonly number[] | undefined> {
  try {
    // Not calibrated: calibration changes activation scales and ADC steps, never the float path.
    // The float path reads the float weights, which plans leave out unless asked to keep them.
    const built = env.compiler.compile(s.targetOf(s.points[0]), { sidecarUri: 'baseline.bin', calibData: undefined, keepFloatWeights: true });
    const loaded = openPlan(JSON.parse(serializePlan(built)), 'baseline.json', built.sidecar);
    return await predictions(loaded, env.data, env.engine, true);
  } catch (e) {
    if (isCimcError(e)) return undefined;
    throw e;
  }
}

export function inThread(env: PointEnv): PointRunner {
  return { parallel: 1, run: (job) => runPoint(job, env), close: async () => {} };
}
