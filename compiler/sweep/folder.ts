/** Reading a sweep folder back (for `cimc sweep report`), and writing its HTML report. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { writeFileAtomic } from '../../base/output-file.js';
import { renderSweepHtml } from './html/render.js';
import type { SweepDefinition as PageDefinition } from './html/definition.js';
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

/** The page's view of a sweep definition (compiler/sweep/html/definition.ts). */
export function pageDefinition(d: SweepDefinition): PageDefinition {
  // Axis values are kept as written; the page matches them to the records' parsed values.
  const parsed = (v: string): string | number => (/^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v);
  return {
    model: d.model,
    axes: d.axes.map((a) => ({ name: a.name, values: a.values.map(parsed) })),
    points: d.gridSize,
    data: { file: d.data.inputs, sha256: d.data.sha256 },
    ...(d.evaluation.limit !== undefined ? { samples: d.evaluation.limit } : {}),
  };
}

/** The sweep's HTML page: charts with the Pareto fronts, the sortable table, every point's command. */
export function sweepHtml(folder: SweepFolder): string {
  return renderSweepHtml(pageDefinition(folder.definition), folder.records);
}

/** Writes the folder's report after a sweep (or a merge): DIR/report.html, atomically. */
export function writeSweepReport(dir: string): void {
  writeFileAtomic(path.join(dir, 'report.html'), sweepHtml(readSweepFolder(dir)));
}
