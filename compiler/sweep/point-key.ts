/**
 * The resume key of a point: a content hash of everything that decides its record, so a rerun
 * skips exactly the points already finished with the same model, data, target, cost figures,
 * options and evaluation settings, whatever the files are called.
 */
import type { TargetSpec } from '../../targets/target.js';
import { sha256Hex } from './definition.js';
import type { SweepPoint } from './record.js';

/** JSON with object keys sorted, so the hash does not depend on key order. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v).sort().map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}

export interface KeyInputs {
  modelSha256: string;
  dataSha256: string;
  /** The resolved target, its cost figures included. */
  target: TargetSpec;
  options: SweepPoint['options'];
  evaluation: { limit?: number; engine: 'ref' | 'ort' };
}

export function pointKey(k: KeyInputs): string {
  return sha256Hex(canonicalJson({
    model: k.modelSha256, data: k.dataSha256, target: k.target, options: k.options,
    evaluation: { limit: k.evaluation.limit ?? null, engine: k.evaluation.engine },
  }));
}
