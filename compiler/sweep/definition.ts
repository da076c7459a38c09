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
  data: { inputs: string; labels: string; calib?: string; sha256: string };
  target: string;
  cost?: string;
  axes: AxisSpec[];
  gridSize: number;
  evaluation: { limit?: number; engine: 'ref' | 'ort' };
}

export const sha256Hex = (b: string | Uint8Array): string => createHash('sha256').update(b).digest('hex');

export const fileSha256 = (file: string): string => sha256Hex(fs.readFileSync(file));

/** The data hash: inputs, labels (and calibration inputs), each file's hash in that order. */
export function dataSha256(inputs: string, labels: string, calib?: string): string {
  return sha256Hex([fileSha256(inputs), fileSha256(labels), calib ? fileSha256(calib) : ''].join('\n'));
}

/** The part two folders must share to be one sweep (file names may differ between machines). */
export function definitionIdentity(d: SweepDefinition): string {
  return JSON.stringify({ model: d.model.sha256, data: d.data.sha256, target: d.target, cost: d.cost ?? null, axes: d.axes, gridSize: d.gridSize, evaluation: d.evaluation });
}
