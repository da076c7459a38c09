/** Import features real exports use: external data, Loop/If subgraphs (inspect shows them). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { onnx } from '../../base/onnx-proto.js';
import { Graph, type Node } from '../../compiler/ir/ir.js';
import { makeTensor } from '../../base/tensor.js';
import { exportOnnxBytes } from '../../compiler/onnx/export.js';
import { importOnnxFile } from '../../compiler/onnx/import.js';
import { cimc, expectUserError, fixture, tempDir } from '../helpers/cli.js';
import { maxRelError, runOrt } from '../helpers/ort.js';
import { readNpy } from '../../base/npy.js';
import { toFloat32 } from '../../base/rt-tensor.js';

/** Moves every initializer of a model into `weights.bin` next to it, as torch.onnx does for >2 GB models. */
function withExternalData(src: string, dir: string): string {
  const model = onnx.ModelProto.decode(fs.readFileSync(src));
  const chunks: Buffer[] = [];
  let offset = 0;
  for (const t of model.graph!.initializer ?? []) {
    const raw = Buffer.from(t.rawData ?? new Uint8Array());
    if (raw.length < 64) continue;
    t.externalData = [
      { key: 'location', value: 'weights.bin' },
      { key: 'offset', value: String(offset) },
      { key: 'length', value: String(raw.length) },
    ];
    t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
    t.rawData = new Uint8Array();
    chunks.push(raw);
    offset += raw.length;
    const pad = (4096 - (offset % 4096)) % 4096; // aligned like onnx's save_model
    chunks.push(Buffer.alloc(pad));
    offset += pad;
  }
  fs.writeFileSync(path.join(dir, 'weights.bin'), Buffer.concat(chunks));
  const file = path.join(dir, 'model.onnx');
  fs.writeFileSync(file, onnx.ModelProto.encode(model).finish());
  return file;
}

describe('external data', () => {
  it('a model with external weights imports to the same constants and compiles to the same plan', () => {
    const dir = tempDir();
    const file = withExternalData(fixture('examples/models/mnist-cnn.onnx'), dir);
    expect(fs.statSync(file).size).toBeLessThan(20_000);
    const a = importOnnxFile(fixture('examples/models/mnist-cnn.onnx'));
    const b = importOnnxFile(file);
    for (const [name, t] of a.constants) expect(Array.from(b.constants.get(name)!.data as Float32Array)).toEqual(Array.from(t.data as Float32Array));
    expect(cimc(['compile', file, '-o', path.join(dir, 'p.json')]).code).toBe(0);
    expect(cimc(['compile', fixture('examples/models/mnist-cnn.onnx'), '-o', path.join(dir, 'q.json')]).code).toBe(0);
    expect(fs.readFileSync(path.join(dir, 'p.bin')).equals(fs.readFileSync(path.join(dir, 'q.bin')))).toBe(true);
  });

  it('and runs the same in onnxruntime (the file is valid ONNX)', async () => {
    const dir = tempDir();
    const file = withExternalData(fixture('examples/models/mnist-cnn.onnx'), dir);
    const x = readNpy(fixture('examples/data/mnist-sample-x.npy'));
    const feeds = { input: { dims: [...x.shape], data: toFloat32(x) } };
    const a = await runOrt(fixture('examples/models/mnist-cnn.onnx'), feeds);
    const b = await runOrt(file, feeds);
    expect(maxRelError(a.logits.data as Float32Array, b.logits.data as Float32Array)).toBe(0);
  });

  it('a missing external file is a coded error naming the tensor', () => {
    const dir = tempDir();
    const file = withExternalData(fixture('examples/models/mnist-cnn.onnx'), dir);
    fs.rmSync(path.join(dir, 'weights.bin'));
    expect(expectUserError(cimc(['inspect', file]), 'CIM1003')).toMatch(/weights\.bin/);
  });
});

describe('control flow', () => {
  function loopModel(): Uint8Array {
    const f = (shape: number[], v: number[]) => makeTensor('float32', shape, v);
    const body = new Graph({
      name: 'body', opset: 13, opsetImports: { '': 13 },
      inputs: ['iter', 'cond_in', 'acc_in'], outputs: ['cond_out', 'acc_out'],
      nodes: [
        { name: 'body_id', opType: 'Identity', domain: '', inputs: ['cond_in'], outputs: ['cond_out'], attrs: {} },
        { name: 'body_add', opType: 'Add', domain: '', inputs: ['acc_in', 'one'], outputs: ['acc_out'], attrs: {} },
      ],
      constants: new Map([['one', f([1, 4], [1, 1, 1, 1])]]),
      values: new Map([
        ['iter', { dtype: 'int64', shape: [] }], ['cond_in', { dtype: 'bool', shape: [] }], ['acc_in', { dtype: 'float32', shape: [1, 4] }],
        ['cond_out', { dtype: 'bool', shape: [] }], ['acc_out', { dtype: 'float32', shape: [1, 4] }],
      ]),
    });
    const nodes: Node[] = [
      { name: 'relu', opType: 'Relu', domain: '', inputs: ['x'], outputs: ['r'], attrs: {} },
      { name: 'loop', opType: 'Loop', domain: '', inputs: ['trips', 'cond', 'r'], outputs: ['looped'], attrs: { body: { kind: 'graph', value: body } } },
      { name: 'after', opType: 'Relu', domain: '', inputs: ['looped'], outputs: ['y'], attrs: {} },
    ];
    const g = new Graph({
      name: 'main', opset: 13, opsetImports: { '': 13 }, inputs: ['x'], outputs: ['y'], nodes,
      constants: new Map([['trips', makeTensor('int64', [], [3n])], ['cond', makeTensor('bool', [], [1])]]),
      values: new Map([['x', { dtype: 'float32', shape: [1, 4] }], ['y', { dtype: 'float32', shape: [1, 4] }]]),
    });
    return exportOnnxBytes(g);
  }

  it('inspect shows a Loop and its neighbours, warning that it cannot type them', () => {
    const dir = tempDir();
    const file = path.join(dir, 'loop.onnx');
    fs.writeFileSync(file, loopModel());
    const r = cimc(['inspect', file, '--json']);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/warning CIM2001 .*loop.*Loop/);
    const j = JSON.parse(r.stdout);
    expect(j.ops).toMatchObject({ Relu: 2, Loop: 1 });
    expect(j.nodes.map((n: { name: string }) => n.name)).toEqual(['relu', 'loop', 'after']);
    expect(j.nodes[0].outputs[0].shape).toEqual([1, 4]);
    expect(j.nodes[1].outputs[0].shape).toBeNull();
    expect(cimc(['inspect', file, '--print-ir-after', 'import-onnx']).stderr).toMatch(/body_add/);
  });

  it('compile refuses it with a coded error naming the Loop', () => {
    const dir = tempDir();
    const file = path.join(dir, 'loop.onnx');
    fs.writeFileSync(file, loopModel());
    expect(expectUserError(cimc(['compile', file, '--report']), 'CIM2001')).toMatch(/loop/);
  });
});
