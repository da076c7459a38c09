#!/usr/bin/env node
/**
 * Builds the benchmark models as cimc IR graphs with seeded random weights and BatchNorm
 * (random statistics), and writes them as ONNX (opset 13) through compiler/onnx/export.ts:
 *
 *   resnet20-seed1.onnx   ResNet-20 for CIFAR (3×32×32, 1×1-conv shortcuts)          0.27 M params
 *   resnet18-seed1.onnx   ResNet-18 (3×224×224)                                      11.7 M
 *   resnet50-seed1.onnx   ResNet-50 (3×224×224, bottlenecks)                          25.6 M
 *   vgg16-seed1.onnx      VGG-16 with BN (3×224×224, 4096-wide classifier)           138 M
 *
 * into bench/models/ (git-ignored). A model already there is kept. No Python, no downloads:
 * needs only `npm ci` (which builds dist/).
 *
 *   node bench/build-models.mjs [--force] [--only resnet20,resnet18]
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const dist = (p) => import(path.join(root, 'dist', p));
const { Graph } = await dist('compiler/ir/ir.js');
const { exportOnnxFile } = await dist('compiler/onnx/export.js');
const { uniformSource: mulberry32 } = await dist('base/random.js'); // the runtime's seeded PRNG

export const modelsDir = path.join(here, 'models');

class ModelBuilder {
  constructor(name, seed, inputShape) {
    this.name = name;
    this.rand = mulberry32(seed);
    this.nodes = [];
    this.constants = new Map();
    this.values = new Map([['input', { dtype: 'float32', shape: inputShape }]]);
    this.count = 0;
    this.params = 0;
  }

  fresh(kind) { return `${kind}_${this.count++}`; }

  tensor(kind, shape, fill) {
    const name = this.fresh(kind);
    const n = shape.reduce((a, b) => a * b, 1);
    const data = new Float32Array(n);
    for (let i = 0; i < n; i++) data[i] = fill();
    this.constants.set(name, { dtype: 'float32', shape, data });
    this.params += n;
    return name;
  }

  int64(kind, values) {
    const name = this.fresh(kind);
    this.constants.set(name, { dtype: 'int64', shape: [values.length], data: BigInt64Array.from(values.map(BigInt)) });
    return name;
  }

  node(opType, inputs, attrs = {}) {
    const out = this.fresh(opType.toLowerCase());
    const a = {};
    for (const [k, v] of Object.entries(attrs)) a[k] = Array.isArray(v) ? { kind: 'ints', value: v } : Number.isInteger(v) ? { kind: 'int', value: v } : { kind: 'float', value: v };
    this.nodes.push({ name: `${opType}_${this.count++}`, opType, domain: '', inputs, outputs: [out], attrs: a });
    return out;
  }

  /**
   * Conv (Kaiming-uniform weights, no bias) + BatchNormalization (random statistics); the last
   * BN of a residual branch gets a small gamma (as zero-init-residual training starts), so deep
   * nets keep their activations in range.
   */
  convBn(x, cin, cout, k, stride, pad, gammaScale = 1) {
    const bound = Math.sqrt(6 / (cin * k * k));
    const w = this.tensor('w', [cout, cin, k, k], () => (2 * this.rand() - 1) * bound);
    const y = this.node('Conv', [x, w], { kernel_shape: [k, k], strides: [stride, stride], pads: [pad, pad, pad, pad] });
    const gamma = this.tensor('bn_gamma', [cout], () => gammaScale * (0.5 + this.rand()));
    const beta = this.tensor('bn_beta', [cout], () => 0.2 * this.rand() - 0.1);
    const mean = this.tensor('bn_mean', [cout], () => 0.2 * this.rand() - 0.1);
    const variance = this.tensor('bn_var', [cout], () => 0.5 + this.rand());
    return this.node('BatchNormalization', [y, gamma, beta, mean, variance], { epsilon: 1e-5 });
  }

  relu(x) { return this.node('Relu', [x]); }

  linear(x, fin, fout) {
    const bound = Math.sqrt(6 / fin);
    const w = this.tensor('fc_w', [fout, fin], () => (2 * this.rand() - 1) * bound);
    const b = this.tensor('fc_b', [fout], () => 0.02 * this.rand() - 0.01);
    return this.node('Gemm', [x, w, b], { transB: 1 });
  }

  graph(output, outputShape) {
    const last = this.nodes[this.nodes.length - 1];
    this.nodes[this.nodes.length - 1] = { ...last, outputs: ['logits'] };
    void output;
    this.values.set('logits', { dtype: 'float32', shape: outputShape });
    return new Graph({
      name: this.name, opset: 13, opsetImports: { '': 13 },
      inputs: ['input'], outputs: ['logits'], nodes: this.nodes, constants: this.constants, values: this.values,
    });
  }
}

function basicBlock(m, x, cin, cout, stride) {
  let y = m.relu(m.convBn(x, cin, cout, 3, stride, 1));
  y = m.convBn(y, cout, cout, 3, 1, 1, 0.3);
  const shortcut = stride !== 1 || cin !== cout ? m.convBn(x, cin, cout, 1, stride, 0) : x;
  return m.relu(m.node('Add', [y, shortcut]));
}

function bottleneck(m, x, cin, width, stride) {
  const cout = width * 4;
  let y = m.relu(m.convBn(x, cin, width, 1, 1, 0));
  y = m.relu(m.convBn(y, width, width, 3, stride, 1));
  y = m.convBn(y, width, cout, 1, 1, 0, 0.3);
  const shortcut = stride !== 1 || cin !== cout ? m.convBn(x, cin, cout, 1, stride, 0) : x;
  return m.relu(m.node('Add', [y, shortcut]));
}

function head(m, x, features, classes) {
  const pooled = m.node('GlobalAveragePool', [x]);
  const flat = m.node('Flatten', [pooled], { axis: 1 });
  return m.linear(flat, features, classes);
}

/** `batch` 'N' makes the batch axis symbolic (the same weights), for plans compiled with --input-shape. */
function resnet20(batch = 1) {
  const m = new ModelBuilder('resnet20_cifar', 20, [batch, 3, 32, 32]);
  let x = m.relu(m.convBn('input', 3, 16, 3, 1, 1));
  let cin = 16;
  for (const [width, stride] of [[16, 1], [32, 2], [64, 2]]) {
    for (let b = 0; b < 3; b++) { x = basicBlock(m, x, cin, width, b === 0 ? stride : 1); cin = width; }
  }
  return { m, out: head(m, x, 64, 10), outShape: [batch, 10] };
}

function stem(m) {
  const x = m.relu(m.convBn('input', 3, 64, 7, 2, 3));
  return m.node('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1] });
}

function resnet18() {
  const m = new ModelBuilder('resnet18', 18, [1, 3, 224, 224]);
  let x = stem(m);
  let cin = 64;
  for (const [width, stride] of [[64, 1], [128, 2], [256, 2], [512, 2]]) {
    for (let b = 0; b < 2; b++) { x = basicBlock(m, x, cin, width, b === 0 ? stride : 1); cin = width; }
  }
  return { m, out: head(m, x, 512, 1000), outShape: [1, 1000] };
}

function resnet50() {
  const m = new ModelBuilder('resnet50', 50, [1, 3, 224, 224]);
  let x = stem(m);
  let cin = 64;
  for (const [width, blocks, stride] of [[64, 3, 1], [128, 4, 2], [256, 6, 2], [512, 3, 2]]) {
    for (let b = 0; b < blocks; b++) { x = bottleneck(m, x, cin, width, b === 0 ? stride : 1); cin = width * 4; }
  }
  return { m, out: head(m, x, 2048, 1000), outShape: [1, 1000] };
}

function vgg16() {
  const m = new ModelBuilder('vgg16_bn', 16, [1, 3, 224, 224]);
  let x = 'input';
  let cin = 3;
  for (const v of [64, 64, 'M', 128, 128, 'M', 256, 256, 256, 'M', 512, 512, 512, 'M', 512, 512, 512, 'M']) {
    if (v === 'M') { x = m.node('MaxPool', [x], { kernel_shape: [2, 2], strides: [2, 2] }); continue; }
    x = m.relu(m.convBn(x, cin, v, 3, 1, 1));
    cin = v;
  }
  x = m.node('Flatten', [x], { axis: 1 });
  x = m.relu(m.linear(x, 512 * 7 * 7, 4096));
  x = m.relu(m.linear(x, 4096, 4096));
  return { m, out: m.linear(x, 4096, 1000), outShape: [1, 1000] };
}

export const benchModels = [
  { key: 'resnet20', file: 'resnet20-seed1.onnx', build: resnet20, input: [1, 3, 32, 32] },
  { key: 'resnet18', file: 'resnet18-seed1.onnx', build: resnet18, input: [1, 3, 224, 224] },
  { key: 'resnet50', file: 'resnet50-seed1.onnx', build: resnet50, input: [1, 3, 224, 224] },
  { key: 'vgg16', file: 'vgg16-seed1.onnx', build: vgg16, input: [1, 3, 224, 224] },
];

/** ResNet-20 with a symbolic batch axis 'N' (same weights): the bench compiles it for batch 64. */
export const batchedResnet20 = { key: 'resnet20N', file: 'resnet20-batchN-seed1.onnx', build: () => resnet20('N'), input: ['N', 3, 32, 32] };

/** Builds the models that are missing (all with force); returns their paths. */
export function buildModels({ force = false, only } = {}) {
  fs.mkdirSync(modelsDir, { recursive: true });
  const out = {};
  for (const spec of [...benchModels, batchedResnet20]) {
    if (only && !only.includes(spec.key === 'resnet20N' ? 'resnet20' : spec.key)) continue;
    const file = path.join(modelsDir, spec.file);
    out[spec.key] = file;
    if (!force && fs.existsSync(file)) continue;
    const t0 = performance.now();
    const { m, out: o, outShape } = spec.build();
    const graph = m.graph(o, outShape);
    const tmp = `${file}.tmp`;
    exportOnnxFile(graph, tmp, { producer: 'cimc-bench' });
    fs.renameSync(tmp, file);
    process.stderr.write(`built ${path.relative(root, file)}: ${(m.params / 1e6).toFixed(2)} M params, ${graph.nodes.length} nodes, ${(fs.statSync(file).size / 1e6).toFixed(1)} MB, ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);
  }
  return out;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const onlyArg = args.indexOf('--only');
  buildModels({ force: args.includes('--force'), only: onlyArg >= 0 ? args[onlyArg + 1].split(',') : undefined });
}
