/** The messages between the chunk pool (chunk-pool.ts) and its workers (chunk-worker.ts). */
import { CimcError, type Diagnostic, type DiagnosticCode } from '../../../base/diagnostics.js';
import type { Chunk, PlanBatching } from '../../batch.js';
import type { ChunkEval } from '../evaluate.js';
import type { VariationSpec } from '../variation.js';
import { openPlan, withFloatWeights, type LoadedPlan } from '../../../plan/reader.js';

/** What every worker loads once: the plan document and its sidecar bytes, shared, not copied. */
export interface ChunkWorkerSetup {
  plan: unknown;
  file: string;
  sidecar: SharedArrayBuffer;
  /** The float path's weights when the plan does not carry them (LoadedPlan.floatWeights), in shared memory. */
  floatWeights?: Array<[string, Float32Array]>;
  variation?: VariationSpec;
  batching: PlanBatching;
}

/** The plan a worker was set up with, opened over the shared sidecar, with its float weights if any. */
export function openSetupPlan(setup: ChunkWorkerSetup): LoadedPlan {
  const loaded = openPlan(setup.plan, setup.file, new Uint8Array(setup.sidecar));
  return setup.floatWeights ? withFloatWeights(loaded, new Map(setup.floatWeights)) : loaded;
}

/** A task: consecutive chunks, run (outputs) or evaluated (figures). */
export type ChunkTask =
  | { kind: 'run'; chunks: Chunk[]; float: boolean }
  | { kind: 'eval'; chunks: Chunk[]; compareFloat: boolean };

/** Per chunk: each plan output's real samples (run), or its figures (eval). */
export type ChunkResults = { kind: 'run'; outputs: Float32Array[][] } | { kind: 'eval'; evals: ChunkEval[] };

export type ToWorker = { task: number } & ChunkTask;

/** Asks a worker to finish its tasks, free what it holds and end (chunk-pool.ts close()). */
export const closeMessage = { close: true } as const;
export const isClose = (m: unknown): m is typeof closeMessage => typeof m === 'object' && m !== null && 'close' in m;

/** An error as thrown in the worker: a CimcError's diagnostic, or any other error's message. */
export type WorkerError = { diagnostic: Diagnostic } | { message: string };

export type FromWorker = { task: number; results: ChunkResults } | { task: number; error: WorkerError };

export function toWorkerError(e: unknown): WorkerError {
  if (e instanceof CimcError) return { diagnostic: e.diagnostic };
  return { message: e instanceof Error ? e.message : String(e) };
}

/** The error as the worker threw it: a CimcError again, or an Error with the same message. */
export function fromWorkerError(w: WorkerError): Error {
  if ('diagnostic' in w) {
    const { code, message, severity: _severity, ...where } = w.diagnostic;
    return new CimcError(code as DiagnosticCode, message, where);
  }
  return new Error(w.message);
}
