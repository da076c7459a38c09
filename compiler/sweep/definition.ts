/**
 * DIR/sweep.json: what a sweep is (model and data by content, axes, evaluation settings). Shards
 * and resumed runs must have the same definition, so `cimc sweep merge` compares these and a
 * rerun into the same folder refuses another sweep's folder.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import type { AxisSpec } from './grid.js';

export interface SweepDefinition {
  sweepVersion: 1;
  model: { file: string; sha256: string };
  /** The files as given, each file's sha256, and `sha256`: the hash of those hashes (the resume key's). */
  data: { inputs: string; labels: string; calib?: string; inputsSha256: string; labelsSha256: string; calibSha256?: string; sha256: string };
  target: string;
  cost?: string;
  axes: AxisSpec[];
  gridSize: number;
  evaluation: { limit?: number; engine: 'ref' | 'ort' };
}

export const sha256Hex = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');

export const fileSha256 = (file: string): string => sha256Hex(fs.readFileSync(file));

/** The data hash: inputs, labels (and calibration inputs), each file's hash in that order. */
export function dataHashes(inputs: string, labels: string, calib?: string): Pick<SweepDefinition['data'], 'inputsSha256' | 'labelsSha256' | 'calibSha256' | 'sha256'> {
  const inputsSha256 = fileSha256(inputs);
  const labelsSha256 = fileSha256(labels);
  const calibSha256 = calib ? fileSha256(calib) : undefined;
  return { inputsSha256, labelsSha256, ...(calibSha256 ? { calibSha256 } : {}), sha256: sha256Hex([inputsSha256, labelsSha256, calibSha256 ?? ''].join('\n')) };
}

/** The part two folders must share to be one sweep (file names may differ between machines). */
export function definitionIdentity(d: SweepDefinition): string {
  return JSON.stringify({ model: d.model.sha256, data: d.data.sha256, target: d.target, cost: d.cost ?? null, axes: d.axes, gridSize: d.gridSize, evaluation: d.evaluation });
}
