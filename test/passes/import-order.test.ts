/**
 * A model whose nodes are not in topological order (ONNX requires it; some writers and the fuzz
 * corpus break it) is sorted by import-onnx with a note, and compiles to the plan of the sorted
 * file. Before the fix, canonicalize dropped a node that was still read (verify-each: CIM2011).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, type Node } from '../../compiler/ir/ir.js';
import { exportOnnxFile } from '../../compiler/onnx/export.js';
import { compile } from '../../compiler/driver/compile.js';
import { gemmGraph } from '../helpers/ir-builders.js';
import { tempDir } from '../helpers/cli.js';

const dir = tempDir('cimc-order-');
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** x → Gemm → Relu → Gemm → y, with its nodes in the given order. */
function model(file: string, order: (nodes: Node[]) => Node[]): string {
  const g = gemmGraph(1, 8, 8);
  const fc = g.nodes[0];
  const second = gemmGraph(1, 8, 4, { seed: 9 });
  const nodes: Node[] = [
    { ...fc, outputs: ['h'] },
    { name: 'relu', opType: 'Relu', domain: '', inputs: ['h'], outputs: ['r'], attrs: {} },
    { ...second.nodes[0], name: 'fc2', inputs: ['r', 'B2'] },
  ];
  const constants = new Map([...g.constants, ['B2', second.constants.get('B')!]]);
  const values = new Map([...g.values, ['h', { dtype: 'float32' as const, shape: [1, 8] }], ['r', { dtype: 'float32' as const, shape: [1, 8] }], ['y', { dtype: 'float32' as const, shape: [1, 4] }]]);
  const out = path.join(dir, file);
  exportOnnxFile(new Graph({ name: 'two-gemms', opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'], nodes: order(nodes), constants, values }), out);
  return out;
}

describe('import-onnx: nodes out of topological order', () => {
  it('sorts them, notes it, and gives the sorted file\'s plan', () => {
    const sorted = compile({ model: model('sorted.onnx', (n) => n), verifyEach: true });
    const shuffled = compile({ model: model('shuffled.onnx', (n) => [n[2], n[0], n[1]]), verifyEach: true });
    expect(shuffled.diagnostics.map((d) => d.code)).toContain('CIM1005');
    expect(shuffled.diagnostics.find((d) => d.code === 'CIM1005')!.message).toMatch(/not in topological order.*sorted/);
    expect(sorted.diagnostics.map((d) => d.code)).not.toContain('CIM1005');
    expect(shuffled.built.plan.schedule.map((s) => s.name)).toEqual(['fc', 'relu', 'fc2']);
    const strip = (p: typeof sorted.built.plan) => ({ ...p, model: { ...p.model, file: '', sha256: '' } });
    expect(strip(shuffled.built.plan)).toEqual(strip(sorted.built.plan));
    expect(Buffer.from(shuffled.built.sidecar).equals(Buffer.from(sorted.built.sidecar))).toBe(true);
  });
});
