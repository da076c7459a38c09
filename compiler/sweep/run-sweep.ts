/**
 * Runs a prepared sweep into a folder: DIR/sweep.json (the definition), DIR/results.jsonl (one
 * record per finished point, appended and fsynced in completion order) and DIR/results.csv
 * (rewritten atomically after every point, by index). Rerunning the same sweep into the same
 * folder resumes: finished keys are skipped, a torn last line is cut off first.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from '../../base/diagnostics.js';
import { readJsonFile } from '../../base/json-file.js';
import { writeFileAtomic } from '../../base/output-file.js';
import { compileCommand } from './command-line.js';
import { resultsCsv } from './csv.js';
import { definitionIdentity, type SweepDefinition } from './definition.js';
import { pointKey } from './point-key.js';
import type { PreparedSweep } from './prepare.js';
import type { SweepRecord } from './record.js';
import { appendRecord, dropTornLine, readResults } from './results-file.js';
import type { PointJob } from './run-point.js';
import { inThread, localPointEnv, type RunnerFactory } from './point-runner.js';
import { inShard, type Shard } from './shard.js';

export interface RunOptions {
  dir: string;
  keepPlans?: boolean;
  shard?: Shard;
  onRecord?(r: SweepRecord, done: number, total: number): void;
  /** Runs points in parallel (worker-pool.ts); default: one at a time in this thread. */
  runner?: RunnerFactory;
}

export interface SweepOutcome {
  definition: SweepDefinition;
  /** Every record in the folder (earlier runs' included), in file order. */
  records: SweepRecord[];
  ran: number;
  skipped: number;
}

export const resultsPath = (dir: string): string => path.join(dir, 'results.jsonl');
export const definitionPath = (dir: string): string => path.join(dir, 'sweep.json');
export const csvPath = (dir: string): string => path.join(dir, 'results.csv');

/** Writes sweep.json, or checks that the folder's is this sweep's (a folder holds one sweep). */
function claimFolder(dir: string, def: SweepDefinition): void {
  const file = definitionPath(dir);
  if (fs.existsSync(file)) {
    const old = readJsonFile(file, 'CIM5003', 'sweep definition') as SweepDefinition;
    if (definitionIdentity(old) !== definitionIdentity(def)) {
      throw new CimcError('CIM5003', `${dir} holds another sweep (its sweep.json differs in model, data, axes or evaluation); use another -o folder`, { file });
    }
    return;
  }
  writeFileAtomic(file, JSON.stringify(def, null, 2) + '\n');
}

/** The jobs of this run: the shard's points, each with its key, target and command. */
export function pointJobs(s: PreparedSweep, shard?: Shard): PointJob[] {
  const { definition: def, request: req } = s;
  return s.points.filter((g) => inShard(g.index, shard)).map((grid) => {
    const target = s.targetOf(grid);
    const key = pointKey({ modelSha256: def.model.sha256, dataSha256: def.data.sha256, target, options: grid.point.options, evaluation: def.evaluation });
    return { grid, key, target, command: compileCommand(req.model, grid, req.calib) };
  });
}

export async function runSweep(s: PreparedSweep, o: RunOptions): Promise<SweepOutcome> {
  const { definition: def } = s;
  fs.mkdirSync(o.dir, { recursive: true });
  claimFolder(o.dir, def);
  const file = resultsPath(o.dir);
  const existing = readResults(file);
  dropTornLine(file, existing);
  const records = [...existing.records];
  const done = new Set(records.map((r) => r.key));
  const jobs = pointJobs(s, o.shard);
  const todo = jobs.filter((j) => !done.has(j.key));
  const env = localPointEnv(s, o.keepPlans ? path.join(o.dir, 'plans') : undefined);
  // A pool gets the baseline computed here, once; in this thread it is computed on first use.
  const runner = todo.length > 1 && o.runner ? o.runner(await env.floatPredictions()) : inThread(env);
  let finished = jobs.length - todo.length;
  const finish = (r: SweepRecord): void => {
    appendRecord(file, r);
    records.push(r);
    writeFileAtomic(csvPath(o.dir), resultsCsv(def, records));
    o.onRecord?.(r, ++finished, jobs.length);
  };
  try {
    // Up to `parallel` points in flight, taken in grid order; each record is appended as it comes.
    let next = 0;
    const lane = async (): Promise<void> => {
      while (next < todo.length) finish(await runner.run(todo[next++]));
    };
    await Promise.all(Array.from({ length: Math.min(runner.parallel, todo.length) }, lane));
  } finally {
    await runner.close();
  }
  writeFileAtomic(csvPath(o.dir), resultsCsv(def, records));
  return { definition: def, records, ran: todo.length, skipped: jobs.length - todo.length };
}
