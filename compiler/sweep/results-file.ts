/**
 * DIR/results.jsonl: one record per finished point, appended and fsynced as the point finishes,
 * so a crash loses at most the point being written. A torn last line (no newline: the process died
 * mid-write) is cut off before anything is appended; any other unreadable line is an error,
 * because silently dropping it would rerun or lose a point.
 */
import * as fs from 'node:fs';
import { CimcError } from '../../base/diagnostics.js';
import type { SweepRecord } from './record.js';

export interface ResultsFile {
  records: SweepRecord[];
  /** Bytes of the torn last line (0: none). */
  tornBytes: number;
}

export function readResults(file: string): ResultsFile {
  if (!fs.existsSync(file)) return { records: [], tornBytes: 0 };
  const text = fs.readFileSync(file, 'utf8');
  const end = text.lastIndexOf('\n') + 1;
  const records: SweepRecord[] = [];
  const lines = text.slice(0, end).split('\n').slice(0, -1);
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    try {
      records.push(JSON.parse(line) as SweepRecord);
    } catch {
      throw new CimcError('CIM5003', `line ${i + 1} is not a JSON record`, { file });
    }
  });
  return { records, tornBytes: Buffer.byteLength(text.slice(end)) };
}

/** Cuts off a torn last line, so the next append starts on a fresh line. */
export function dropTornLine(file: string, r: ResultsFile): void {
  if (!r.tornBytes) return;
  const size = fs.statSync(file).size;
  fs.truncateSync(file, size - r.tornBytes);
}

/** Appends one record as one line and flushes it to disk before returning. */
export function appendRecord(file: string, record: SweepRecord): void {
  const fd = fs.openSync(file, 'a');
  try {
    fs.writeSync(fd, JSON.stringify(record) + '\n');
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** The records sorted by grid index (what merge and the csv show). */
export const byIndex = (records: readonly SweepRecord[]): SweepRecord[] => [...records].sort((a, b) => a.index - b.index);
