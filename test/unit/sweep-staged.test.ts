/**
 * The sweep's shared work and its merge rules, in-process: the staged compiler runs the
 * target-free prefix once and gives the plan compile() gives; merge refuses conflicting records.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CimcError } from '../../base/diagnostics.js';
import { compile } from '../../compiler/driver/compile.js';
import { createCompiler } from '../../compiler/driver/create-compiler.js';
import { serializePlan } from '../../plan/writer.js';
import { resolveTarget } from '../../targets/loader.js';
import { stagedCompiler } from '../../compiler/sweep/staged-compile.js';
import { mergeFolders } from '../../compiler/sweep/merge.js';
import type { SweepDefinition } from '../../compiler/sweep/definition.js';
import type { SweepRecord } from '../../compiler/sweep/record.js';

const model = path.resolve(import.meta.dirname, '..', '..', 'examples', 'models', 'mnist-cnn.onnx');
const compiler = createCompiler();

describe('staged compile', () => {
  it('runs the passes before the first target pass or varied option once, and gives compile()\'s plan', () => {
    const staged = stagedCompiler(compiler, model, {}, new Set(['adcBits', 'psumGranularity']));
    expect(staged.prefix).toEqual(['import-onnx', 'import-qdq', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm', 'select-cim']);
    const target = resolveTarget('seed-4b', compiler.targets);
    for (const options of [{ adcBits: 3 }, { adcBits: 4, psumGranularity: 'layer' as const }]) {
      const a = staged.compile(target, options);
      const b = compile({ model, target: 'seed-4b', options }).built;
      expect(serializePlan(a)).toBe(serializePlan(b));
      expect(Buffer.from(a.sidecar).equals(Buffer.from(b.sidecar))).toBe(true);
    }
    // A varied option of an early pass ends the prefix before that pass.
    expect(stagedCompiler(compiler, model, {}, new Set(['keepDigital'])).prefix.at(-1)).toBe('fold-batchnorm');
    expect(stagedCompiler(compiler, model, {}, new Set(['inputShapes'])).prefix).toEqual(['import-onnx', 'import-qdq', 'canonicalize']);
  });
});

describe('sweep merge', () => {
  const def: SweepDefinition = {
    sweepVersion: 1, model: { file: 'm.onnx', sha256: 'a' }, data: { inputs: 'x', labels: 'y', inputsSha256: 'b', labelsSha256: 'c', sha256: 'd' },
    target: 'seed-4b', axes: [{ name: 'adc-bits', values: ['3', '4'] }], gridSize: 2, evaluation: { engine: 'ref' },
  };
  const rec = (index: number, accuracy: number, ms = 1): SweepRecord => ({
    key: `k${index}`, index, point: { target: 'seed-4b', options: { adcBits: 3 + index } }, status: 'ok', command: 'c', ms,
    metrics: { accuracy, floatAccuracy: 1, agreement: 1, samples: 1, energyPj: 1, latencyNs: 1, inferencesPerSecond: 1, areaMm2: 1, topsPerWatt: 1, adcEnergyShare: 0, arrays: 1 },
  });
  const folder = (records: SweepRecord[], d: SweepDefinition = def): string => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cimc-merge-'));
    fs.writeFileSync(path.join(dir, 'sweep.json'), JSON.stringify(d));
    fs.writeFileSync(path.join(dir, 'results.jsonl'), records.map((r) => JSON.stringify(r) + '\n').join(''));
    return dir;
  };
  const codeOf = (f: () => unknown): string => {
    try { f(); } catch (e) { if (e instanceof CimcError) return `${e.code}: ${e.message}`; throw e; }
    return 'no error';
  };

  it('merges by index, tolerates identical duplicates (wall time aside) and refuses conflicts, gaps and other sweeps', () => {
    const m = mergeFolders([folder([rec(1, 0.5)]), folder([rec(0, 0.9), rec(1, 0.5, 99)])]);
    expect(m.records.map((r) => r.index)).toEqual([0, 1]);
    expect(codeOf(() => mergeFolders([folder([rec(0, 0.9), rec(1, 0.5)]), folder([rec(1, 0.6)])]))).toMatch(/^CIM5004: point 1 has different records in /);
    expect(codeOf(() => mergeFolders([folder([rec(0, 0.9)])]))).toBe('CIM5004: points missing from the shards: 1 (run the shards that hold them, then merge again)');
    expect(codeOf(() => mergeFolders([folder([rec(0, 0.9)]), folder([rec(1, 0.5)], { ...def, evaluation: { engine: 'ort' } })]))).toMatch(/^CIM5004: .* is another sweep than /);
  });
});
