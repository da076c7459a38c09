/** Reading a sweep folder back (for `cimc sweep report`), and the hook that writes its reports. */
import * as fs from 'node:fs';
import { CimcError } from '../../base/diagnostics.js';
import { readJsonFile } from '../../base/json-file.js';
import type { SweepDefinition } from './definition.js';
import type { SweepRecord } from './record.js';
import { readResults } from './results-file.js';
import { definitionPath, resultsPath } from './run-sweep.js';

export interface SweepFolder {
  definition: SweepDefinition;
  records: SweepRecord[];
}

export function readSweepFolder(dir: string): SweepFolder {
  const file = definitionPath(dir);
  if (!fs.existsSync(file)) throw new CimcError('CIM5003', `${dir} has no sweep.json: not a sweep folder`, { file });
  return { definition: readJsonFile(file, 'CIM5003', 'sweep definition') as SweepDefinition, records: readResults(resultsPath(dir)).records };
}

/**
 * Writes the folder's report files after a sweep (or a merge). Today: nothing beyond
 * results.csv. TODO(sweep-html): write DIR/report.html with renderSweepHtml(definition, records)
 * from compiler/sweep/html/render.ts once that branch is merged.
 */
export function writeSweepReport(dir: string): void {
  readSweepFolder(dir);
}
