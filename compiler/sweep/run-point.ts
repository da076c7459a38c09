/** One point of a sweep: compile in memory, cost it, run its CIM path; a coded error is its record. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { formatDiagnostic, isCimcError } from '../../base/diagnostics.js';
import { openPlan } from '../../plan/reader.js';
import { serializePlan, writePlan } from '../../plan/writer.js';
import { planCost } from '../cost/plan-cost.js';
import type { TargetSpec } from '../../targets/target.js';
import type { CompileOptions } from '../pass-manager/pass.js';
import { accuracyOf, predictions, type Engine, type EvalData } from './accuracy.js';
import type { GridPoint } from './grid.js';
import type { SweepMetrics, SweepRecord } from './record.js';
import type { StagedCompiler } from './staged-compile.js';

export interface PointJob {
  grid: GridPoint;
  key: string;
  target: TargetSpec;
  command: string;
}

export interface PointEnv {
  compiler: StagedCompiler;
  data: EvalData;
  engine: Engine;
  /**
   * The float path's predictions (the sweep's baseline, computed once); undefined when the
   * baseline plan could not be built, and then each point's own float path is run.
   */
  floatPredictions(): Promise<readonly number[] | undefined>;
  /** DIR/plans with --keep-plans. */
  plansDir?: string;
}

export async function runPoint(job: PointJob, env: PointEnv): Promise<SweepRecord> {
  const start = performance.now();
  const base = { key: job.key, index: job.grid.index, point: job.grid.point, command: job.command };
  try {
    const sidecarUri = `${job.key}.bin`;
    const built = env.compiler.compile(job.target, { ...(job.grid.point.options as CompileOptions), sidecarUri });
    if (env.plansDir) {
      fs.mkdirSync(env.plansDir, { recursive: true });
      writePlan(built, path.join(env.plansDir, `${job.key}.json`));
    }
    // The plan as a reader sees it (schema and hashes checked), as `cimc eval` would load it.
    const loaded = openPlan(JSON.parse(serializePlan(built)), path.join(env.plansDir ?? '.', `${job.key}.json`), built.sidecar);
    const cost = planCost(loaded.plan);
    const cim = await predictions(loaded, env.data, env.engine);
    const float = (await env.floatPredictions()) ?? await predictions(loaded, env.data, env.engine, true);
    const acc = accuracyOf(cim, float, env.data.labels);
    const t = cost?.totals;
    const metrics: SweepMetrics = {
      ...acc,
      energyPj: t?.totalEnergyPj ?? NaN, latencyNs: t?.latencyNs ?? NaN, inferencesPerSecond: t?.inferencesPerSecond ?? NaN,
      areaMm2: t?.totalAreaMm2 ?? NaN, topsPerWatt: t?.topsPerWatt ?? NaN, adcEnergyShare: t?.adcEnergyShare ?? NaN,
      arrays: loaded.plan.report.totals.arrays,
    };
    return { ...base, status: 'ok', metrics, ms: Math.round(performance.now() - start) };
  } catch (e) {
    if (!isCimcError(e)) throw e;
    return { ...base, status: 'error', error: { code: e.code, message: formatDiagnostic(e.diagnostic) }, ms: Math.round(performance.now() - start) };
  }
}
