/**
 * `cimc sweep merge`: shard folders of one sweep into one. The definitions must be the same
 * sweep; every grid index must be present exactly once across the shards (the same point twice
 * with identical content is tolerated, e.g. a shard rerun elsewhere; two different records for
 * one index are refused), so a merged folder is exactly what one process would have written.
 */
import * as fs from 'node:fs';
import { CimcError } from '../../base/diagnostics.js';
import { readJsonFile } from '../../base/json-file.js';
import { writeFileAtomic } from '../../base/output-file.js';
import { resultsCsv } from './csv.js';
import { definitionIdentity, type SweepDefinition } from './definition.js';
import { canonicalJson } from './point-key.js';
import type { SweepRecord } from './record.js';
import { byIndex, readResults } from './results-file.js';
import { csvPath, definitionPath, resultsPath } from './run-sweep.js';

/** A record without its wall time: what must agree between two copies of a point. */
export const recordContent = (r: SweepRecord): string => {
  const { ms: _ms, ...rest } = r;
  return canonicalJson(rest);
};

export interface Merged {
  definition: SweepDefinition;
  records: SweepRecord[];
}

export function mergeFolders(dirs: readonly string[]): Merged {
  if (!dirs.length) throw new CimcError('CIM5001', 'sweep merge needs at least one folder');
  let definition: SweepDefinition | undefined;
  const byIdx = new Map<number, { record: SweepRecord; dir: string }>();
  for (const dir of dirs) {
    const file = definitionPath(dir);
    if (!fs.existsSync(file)) throw new CimcError('CIM5004', `${dir} has no sweep.json: not a sweep folder`, { file });
    const def = readJsonFile(file, 'CIM5004', 'sweep definition') as SweepDefinition;
    if (!definition) definition = def;
    else if (definitionIdentity(def) !== definitionIdentity(definition)) {
      throw new CimcError('CIM5004', `${dir} is another sweep than ${dirs[0]} (sweep.json differs in model, data, axes or evaluation)`, { file });
    }
    for (const r of readResults(resultsPath(dir)).records) {
      const seen = byIdx.get(r.index);
      if (seen && recordContent(seen.record) !== recordContent(r)) {
        throw new CimcError('CIM5004', `point ${r.index} has different records in ${seen.dir} and ${dir}`, { file: resultsPath(dir) });
      }
      if (!seen) byIdx.set(r.index, { record: r, dir });
    }
  }
  const def = definition!;
  const missing = Array.from({ length: def.gridSize }, (_, i) => i).filter((i) => !byIdx.has(i));
  if (missing.length) {
    const list = missing.slice(0, 10).join(', ') + (missing.length > 10 ? `, … (${missing.length} in all)` : '');
    throw new CimcError('CIM5004', `points missing from the shards: ${list} (run the shards that hold them, then merge again)`);
  }
  return { definition: def, records: byIndex([...byIdx.values()].map((v) => v.record)) };
}

export function writeMerged(out: string, m: Merged): void {
  fs.mkdirSync(out, { recursive: true });
  writeFileAtomic(definitionPath(out), JSON.stringify(m.definition, null, 2) + '\n');
  writeFileAtomic(resultsPath(out), m.records.map((r) => JSON.stringify(r) + '\n').join(''));
  writeFileAtomic(csvPath(out), resultsCsv(m.definition, m.records));
}
