#!/usr/bin/env node
/**
 * Generates the corpus of broken and hostile inputs in test/fixtures/bad-inputs/ and its
 * manifest cases.json (file, command, extra args, expected error code, what the message names).
 *
 *   npm run build && node scripts/make-bad-inputs.mjs
 *
 * Every input is derived deterministically: ONNX cases from examples/models/mnist-cnn.onnx
 * (through onnx-proto, or byte-level for truncation/bit flips), plan cases from a tiny
 * Gemm+Relu model compiled with the built compiler (dist/). Re-running it rewrites the same
 * bytes, except plans, which change when the plan format or the compiler's numbers change;
 * test/cli/bad-inputs.test.ts checks that the plan baseline still loads and runs.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import onnxProto from 'onnx-proto';

const onnx = onnxProto.onnx;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const defaultOutDir = path.join(root, 'test', 'fixtures', 'bad-inputs');
// --out DIR writes somewhere else (test/cli/bad-inputs.test.ts compares that with the committed corpus).
const outArg = process.argv.indexOf('--out');
const outDir = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : defaultOutDir;
const mnistRel = '../../../examples/models/mnist-cnn.onnx';
const mnistBytes = fs.readFileSync(path.join(root, 'examples', 'models', 'mnist-cnn.onnx'));

if (!fs.existsSync(path.join(root, 'dist', 'compiler', 'driver', 'compile.js'))) {
  console.error('build first: npx tsc -p .');
  process.exit(1);
}
const { compile } = await import(path.join(root, 'dist', 'compiler', 'driver', 'compile.js'));
const { serializePlan } = await import(path.join(root, 'dist', 'plan', 'writer.js'));

// Start from an empty folder (keeps the corpus exactly what this script makes).
if (outDir === defaultOutDir) fs.rmSync(outDir, { recursive: true, force: true });
else if (fs.existsSync(outDir) && fs.readdirSync(outDir).length) throw new Error(`--out ${outDir} must be empty`);
fs.mkdirSync(outDir, { recursive: true });

/** @type {{ file: string, command: string[], args?: string[], code: string, mentions: string, description: string }[]} */
const cases = [];
const write = (rel, data) => {
  const p = path.join(outDir, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
};
const addCase = (c) => {
  if (cases.some((o) => o.file === c.file && JSON.stringify(o.command) === JSON.stringify(c.command) && JSON.stringify(o.args ?? []) === JSON.stringify(c.args ?? []))) {
    throw new Error(`duplicate case ${c.file}`);
  }
  cases.push(c);
};

// ---- ONNX ------------------------------------------------------------------------------

const mnist = () => onnx.ModelProto.decode(mnistBytes);
const encode = (m) => onnx.ModelProto.encode(m).finish();
const node = (m, name) => {
  const n = m.graph.node.find((x) => x.name === name);
  if (!n) throw new Error(`no node ${name}`);
  return n;
};
const init = (m, name) => {
  const t = m.graph.initializer.find((x) => x.name === name);
  if (!t) throw new Error(`no initializer ${name}`);
  return t;
};
const conv0 = '/features/features.0/Conv';
const conv4 = '/features/features.4/Conv';
const relu2 = '/features/features.2/Relu';
const relu6 = '/features/features.6/Relu';
const gemm = '/classifier/Gemm';

/** A model case: `mutate` edits a decoded copy of the MNIST CNN. */
function model(name, description, mutate, expect, command = ['inspect'], args) {
  const m = mnist();
  mutate(m);
  write(`${name}.onnx`, encode(m));
  addCase({ file: `${name}.onnx`, command, ...(args ? { args } : {}), ...expect, description });
}
/** A case from raw bytes. */
function bytesCase(file, description, bytes, expect, command = ['inspect']) {
  write(file, bytes);
  addCase({ file, command, ...expect, description });
}

const decodes = (b) => {
  try { onnx.ModelProto.decode(b); return true; } catch { return false; }
};

// byte level
bytesCase('onnx-truncated.onnx', 'the first 5000 bytes of a valid model', mnistBytes.subarray(0, 5000), { code: 'CIM1001', mentions: 'protobuf' }, ['compile']);
bytesCase('onnx-truncated-1-byte.onnx', 'a valid model missing its last byte (inside the opset import)', mnistBytes.subarray(0, mnistBytes.length - 1), { code: 'CIM1001', mentions: 'protobuf' });
{
  // xorshift32: deterministic "random" bytes
  let s = 0x9e3779b9;
  const rnd = new Uint8Array(4096);
  for (let i = 0; i < rnd.length; i++) { s ^= s << 13; s >>>= 0; s ^= s >>> 17; s ^= s << 5; s >>>= 0; rnd[i] = s & 0xff; }
  if (decodes(rnd)) throw new Error('random bytes decode; pick another seed');
  bytesCase('onnx-random-bytes.onnx', '4096 pseudo-random bytes (xorshift32)', rnd, { code: 'CIM1001', mentions: 'protobuf' });
}
bytesCase('onnx-empty.onnx', 'an empty file (decodes as a model without a graph)', new Uint8Array(0), { code: 'CIM1001', mentions: '/graph' });
bytesCase('onnx-text.onnx', 'a text file with an .onnx name', Buffer.from('this is not a model\n'), { code: 'CIM1001', mentions: 'protobuf' });
{
  // Bit flip in the first tag byte: field 1 (ir_version) 0x08 -> 0x88, a varint that swallows the next bytes.
  const b = Uint8Array.from(mnistBytes);
  if (b[0] !== 0x08) throw new Error('mnist-cnn.onnx does not start with ir_version');
  b[0] ^= 0x80;
  if (decodes(b)) throw new Error('bit flip 0:7 still decodes');
  bytesCase('onnx-bitflip-tag.onnx', 'bit 7 of byte 0 flipped: the first tag becomes a longer varint and the next field has an invalid wire type', b, { code: 'CIM1001', mentions: 'wire type' });
}
{
  // Bit flip in the graph's length prefix (field 7, varint at byte 0x14): the graph claims 16384 more bytes than the file has.
  const b = Uint8Array.from(mnistBytes);
  if (b[0x13] !== 0x3a || b[0x16] !== 0x06) throw new Error('unexpected graph length prefix in mnist-cnn.onnx');
  b[0x16] ^= 0x01;
  if (decodes(b)) throw new Error('bit flip 0x16:0 still decodes');
  bytesCase('onnx-bitflip-length.onnx', "bit 0 of byte 0x16 flipped: the graph's length prefix points past the end of the file", b, { code: 'CIM1001', mentions: 'index out of range' }, ['compile']);
}
{
  // Bit flip inside the first occurrence of 'features.4.weight' (the Conv's input, nodes come first).
  const b = Uint8Array.from(mnistBytes);
  const at = Buffer.from(b).indexOf('features.4.weight');
  b[at + 'features.4.weight'.length - 1] ^= 0x01; // ...weight -> ...weighu
  bytesCase('onnx-bitflip-node-input.onnx', "bit 0 flipped in a node's input name: the Conv reads 'features.4.weighu', which nothing defines", b, { code: 'CIM1005', mentions: conv4 });
}
{
  // Bit flip in the opset version varint at the end of the file: 13 -> 77.
  const b = Uint8Array.from(mnistBytes);
  const at = b.length - 1;
  if (b[at] !== 13 || b[at - 1] !== 0x10) throw new Error('mnist-cnn.onnx does not end with opset version 13');
  b[at] ^= 0x40;
  bytesCase('onnx-bitflip-opset.onnx', 'bit 6 flipped in the opset version: 13 becomes 77', b, { code: 'CIM1002', mentions: 'opset 77' });
}

// graph structure
model('onnx-cycle', 'the first Conv reads the Relu after it (Conv -> BatchNorm -> Relu -> Conv)', (m) => {
  node(m, conv0).input[0] = '/features/features.2/Relu_output_0';
}, { code: 'CIM1005', mentions: 'cycle' }, ['compile']);
model('onnx-undefined-input', "the Gemm reads 'ghost', which no node, input or initializer defines", (m) => {
  node(m, gemm).input[0] = 'ghost';
}, { code: 'CIM1005', mentions: gemm });
model('onnx-duplicate-node-output', 'two Relu nodes write the same value', (m) => {
  node(m, relu6).output[0] = node(m, relu2).output[0];
}, { code: 'CIM1005', mentions: relu6 });
model('onnx-output-shadows-initializer', 'a node writes a value that is also an initializer', (m) => {
  node(m, relu2).output[0] = 'features.4.weight';
}, { code: 'CIM1005', mentions: relu2 });
model('onnx-duplicate-graph-output', "the graph lists its output 'logits' twice", (m) => {
  m.graph.output.push(onnx.ValueInfoProto.create(m.graph.output[0]));
}, { code: 'CIM1005', mentions: 'logits' });
model('onnx-empty-graph-output', 'the graph declares no outputs', (m) => {
  m.graph.output = [];
}, { code: 'CIM1005', mentions: '/graph/output' }, ['compile']);
model('onnx-unnamed-graph-output', 'a graph output with an empty name', (m) => {
  m.graph.output.push(onnx.ValueInfoProto.create({ name: '' }));
}, { code: 'CIM1005', mentions: '/graph/output' });
model('onnx-output-never-produced', "a graph output 'nothing' that no node writes", (m) => {
  m.graph.output.push(onnx.ValueInfoProto.create({ name: 'nothing' }));
}, { code: 'CIM1005', mentions: 'nothing' });
model('onnx-node-no-op-type', 'a node with an empty op_type', (m) => {
  node(m, relu2).opType = '';
}, { code: 'CIM1005', mentions: relu2 });

// tensors
model('onnx-negative-dim', 'an initializer with dimension -16', (m) => {
  init(m, 'features.0.weight').dims[0] = -16;
}, { code: 'CIM1003', mentions: 'features.0.weight' });
model('onnx-enormous-dim', 'an initializer of shape [2^40, 64] (must be refused before allocating)', (m) => {
  init(m, 'classifier.weight').dims[0] = 2 ** 40;
}, { code: 'CIM1003', mentions: 'classifier.weight' }, ['compile']);
model('onnx-enormous-input-dim', 'the graph input declares a height of 2^40 (must not allocate)', (m) => {
  m.graph.input[0].type.tensorType.shape.dim[2] = onnx.TensorShapeProto.Dimension.create({ dimValue: 2 ** 40 });
}, { code: 'CIM2002', mentions: '/graph/input/input' }, ['compile']);
model('onnx-constant-of-shape-huge', 'ConstantOfShape of a constant shape [2^20, 2^20] feeding the classifier (folding and inference must refuse it, not allocate)', (m) => {
  m.graph.initializer.push(onnx.TensorProto.create({ name: 'huge_dims', dataType: 7, dims: [2], int64Data: [2 ** 20, 2 ** 20] }));
  m.graph.node.splice(m.graph.node.length - 1, 0, onnx.NodeProto.create({ name: 'huge_fill', opType: 'ConstantOfShape', input: ['huge_dims'], output: ['huge_fill_out'] }));
  m.graph.node.splice(m.graph.node.length - 1, 0, onnx.NodeProto.create({ name: 'huge_add', opType: 'Add', input: ['/features/features.12/Flatten_output_0', 'huge_fill_out'], output: ['huge_sum'] }));
  node(m, gemm).input[0] = 'huge_sum';
}, { code: 'CIM2002', mentions: 'huge_fill' });
model('onnx-tile-huge', 'Tile of the flattened features by [2^16, 2^16]', (m) => {
  m.graph.initializer.push(onnx.TensorProto.create({ name: 'huge_repeats', dataType: 7, dims: [2], int64Data: [2 ** 16, 2 ** 16] }));
  m.graph.node.splice(m.graph.node.length - 1, 0, onnx.NodeProto.create({ name: 'huge_tile', opType: 'Tile', input: ['/features/features.12/Flatten_output_0', 'huge_repeats'], output: ['tiled'] }));
  node(m, gemm).input[0] = 'tiled';
}, { code: 'CIM2002', mentions: 'huge_tile' });
model('onnx-enormous-reshape', 'a Reshape to [2^20, 2^20, 16] (the inferred value is too large)', (m) => {
  m.graph.initializer.push(onnx.TensorProto.create({ name: 'huge_shape', dataType: 7, dims: [3], int64Data: [2 ** 20, 2 ** 20, 16] }));
  m.graph.node.splice(3, 0, onnx.NodeProto.create({ name: 'huge_reshape', opType: 'Reshape', input: ['/features/features.2/Relu_output_0', 'huge_shape'], output: ['huge'] }));
  node(m, '/features/features.3/MaxPool').input[0] = 'huge';
}, { code: 'CIM2002', mentions: 'huge_reshape' });
model('onnx-negative-input-dim', 'the graph input declares a height of -28 (read as an unnamed dim that nothing binds)', (m) => {
  m.graph.input[0].type.tensorType.shape.dim[2] = onnx.TensorShapeProto.Dimension.create({ dimValue: -28 });
}, { code: 'CIM2003', mentions: '/graph/input/input' });
model('onnx-raw-data-short', 'raw_data 4 bytes shorter than the shape needs', (m) => {
  const t = init(m, 'features.0.weight');
  t.rawData = t.rawData.subarray(0, t.rawData.length - 4);
}, { code: 'CIM1003', mentions: 'features.0.weight' });
model('onnx-typed-data-count', 'float_data with 3 values for a shape of 16 elements', (m) => {
  const t = init(m, 'features.1.bias');
  t.rawData = new Uint8Array(0);
  t.floatData = [1, 2, 3];
}, { code: 'CIM1003', mentions: 'features.1.bias' });
model('onnx-unknown-dtype', 'an initializer with data type 99', (m) => {
  init(m, 'features.0.weight').dataType = 99;
}, { code: 'CIM1003', mentions: 'data type 99' });
model('onnx-wrong-dtype', 'float32 weights relabelled int64: raw_data is half the bytes the shape needs', (m) => {
  init(m, 'features.0.weight').dataType = 7;
}, { code: 'CIM1003', mentions: 'features.0.weight' });
model('onnx-int32-weights', 'float32 weight bytes relabelled int32 (same size): Conv input and weight types differ', (m) => {
  init(m, 'features.0.weight').dataType = 6;
}, { code: 'CIM2002', mentions: conv0 }, ['compile']);
model('onnx-input-unknown-elem-type', 'the graph input has element type 99', (m) => {
  m.graph.input[0].type.tensorType.elemType = 99;
}, { code: 'CIM1007', mentions: 'input' });
model('onnx-unnamed-initializer', 'an initializer without a name', (m) => {
  m.graph.initializer[0].name = '';
}, { code: 'CIM1003', mentions: '/graph/initializer/0' });

// operators, domains, opsets, attributes
model('onnx-unknown-op', "a Relu renamed to the unknown op 'Frobnicate'", (m) => {
  node(m, relu2).opType = 'Frobnicate';
}, { code: 'CIM2001', mentions: relu2 }, ['compile']);
model('onnx-unknown-domain', "a Relu in the custom domain 'com.acme'", (m) => {
  node(m, relu2).domain = 'com.acme';
  m.opsetImport.push(onnx.OperatorSetIdProto.create({ domain: 'com.acme', version: 1 }));
}, { code: 'CIM2001', mentions: 'com.acme' });
model('onnx-missing-opset', 'no opset_import at all', (m) => {
  m.opsetImport = [];
}, { code: 'CIM1002', mentions: '/opset_import' });
model('onnx-opset-too-new', 'default-domain opset 99', (m) => {
  m.opsetImport[0].version = 99;
}, { code: 'CIM1002', mentions: 'opset 99' });
model('onnx-opset-too-old', 'default-domain opset 6', (m) => {
  m.opsetImport[0].version = 6;
}, { code: 'CIM1002', mentions: 'opset 6' });
model('onnx-constant-no-value', 'a Constant node without a value attribute', (m) => {
  m.graph.node.unshift(onnx.NodeProto.create({ name: 'empty_constant', opType: 'Constant', output: ['c0'] }));
}, { code: 'CIM1007', mentions: 'empty_constant' });
model('onnx-constant-sparse-value', 'a Constant node whose value is a sparse tensor', (m) => {
  m.graph.node.unshift(onnx.NodeProto.create({
    name: 'sparse_constant', opType: 'Constant', output: ['c0'],
    attribute: [onnx.AttributeProto.create({ name: 'sparse_value', type: onnx.AttributeProto.AttributeType.SPARSE_TENSOR, sparseTensor: {} })],
  }));
}, { code: 'CIM1007', mentions: 'sparse_constant' });
model('onnx-conv-group-3', 'Conv group=3 with 16 input channels', (m) => {
  node(m, conv4).attribute.find((a) => a.name === 'group').i = 3;
}, { code: 'CIM2002', mentions: conv4 });
model('onnx-conv-stride-0', 'Conv strides [0, 0]', (m) => {
  node(m, conv4).attribute.find((a) => a.name === 'strides').ints = [0, 0];
}, { code: 'CIM2002', mentions: conv4 });
model('onnx-attribute-bad-type', 'an attribute with type code 99', (m) => {
  node(m, relu2).attribute.push(onnx.AttributeProto.create({ name: 'weird', type: 99 }));
}, { code: 'CIM1007', mentions: relu2 });

// external data: every case lives in this folder; data.bin is a real 64-byte file here.
write('data.bin', new Uint8Array(64));
const external = (location, extra = {}) => (m) => {
  const t = init(m, 'features.1.bias');
  t.rawData = new Uint8Array(0);
  t.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
  t.externalData = [
    ...(location === undefined ? [] : [{ key: 'location', value: location }]),
    ...Object.entries(extra).map(([key, value]) => ({ key, value })),
  ];
};
model('onnx-external-dotdot', "external data location '../bad-inputs/data.bin' (climbs out of the folder)", external('../bad-inputs/data.bin'), { code: 'CIM1004', mentions: '../bad-inputs/data.bin' }, ['compile']);
model('onnx-external-absolute', "external data location '/etc/passwd'", external('/etc/passwd'), { code: 'CIM1004', mentions: '/etc/passwd' });
model('onnx-external-past-end', 'external data offset 1000 in a 64-byte file', external('data.bin', { offset: '1000' }), { code: 'CIM1003', mentions: 'data.bin' });
model('onnx-external-length-past-end', 'external data offset 0, length 4096 in a 64-byte file', external('data.bin', { offset: '0', length: '4096' }), { code: 'CIM1003', mentions: 'data.bin' });
model('onnx-external-bad-offset', "external data offset 'lots'", external('data.bin', { offset: 'lots' }), { code: 'CIM1003', mentions: 'features.1.bias' });
model('onnx-external-missing-file', 'external data file that does not exist', external('no-such-file.bin'), { code: 'CIM1003', mentions: 'no-such-file.bin' });
model('onnx-external-no-location', 'external data without a location entry', external(undefined), { code: 'CIM1003', mentions: 'features.1.bias' });
{
  // A symlink inside a model folder pointing at a file outside it.
  const m = mnist();
  external('weights.bin')(m);
  write('external-symlink/model.onnx', encode(m));
  fs.symlinkSync('../data.bin', path.join(outDir, 'external-symlink', 'weights.bin'));
  addCase({ file: 'external-symlink/model.onnx', command: ['compile'], code: 'CIM1004', mentions: 'weights.bin', description: 'external data through a symlink (weights.bin -> ../data.bin) that leaves the model folder' });
}

// ---- quantization parameters (QDQ weights; CIM1008) -------------------------------------

/**
 * The first conv's weight replaced by DequantizeLinear('qdq_w', int8 zeros, scale, zero point),
 * at opset 21, with the parameters `p` gives (each case breaks one of them).
 */
function qdqCase(name, description, p, mentions = 'qdq_w') {
  model(name, description, (m) => {
    m.opsetImport.find((o) => !o.domain).version = 21;
    const conv = node(m, conv0);
    const wName = conv.input[1];
    const w = init(m, wName);
    const dims = w.dims.map(Number);
    const count = dims.reduce((a, b) => a * b, 1);
    m.graph.initializer = m.graph.initializer.filter((t) => t !== w);
    const dtype = p.dtype ?? 3; // int8
    const bytes = p.dataBytes ?? (dtype === 22 ? Math.ceil(count / 2) : count);
    m.graph.initializer.push({ name: 'qdq_w_data', dims, dataType: dtype, rawData: new Uint8Array(bytes) });
    const f32 = (values) => new Uint8Array(new Float32Array(values).buffer);
    m.graph.initializer.push({ name: 'qdq_w_scale', dims: p.scaleDims ?? [], dataType: 1, rawData: f32(p.scale ?? [0.1]) });
    const zpCount = (p.scaleDims ?? []).reduce((a, b) => a * b, 1);
    m.graph.initializer.push({ name: 'qdq_w_zp', dims: p.scaleDims ?? [], dataType: p.zpType ?? dtype, rawData: new Uint8Array(p.zpType === 5 ? 2 * zpCount : (dtype === 22 ? Math.ceil(zpCount / 2) : zpCount)) });
    const attribute = [];
    if (p.axis !== undefined) attribute.push({ name: 'axis', type: onnx.AttributeProto.AttributeType.INT, i: p.axis });
    if (p.blockSize !== undefined) attribute.push({ name: 'block_size', type: onnx.AttributeProto.AttributeType.INT, i: p.blockSize });
    const at = m.graph.node.indexOf(conv);
    m.graph.node.splice(at, 0, { name: 'qdq_w', opType: 'DequantizeLinear', input: ['qdq_w_data', 'qdq_w_scale', 'qdq_w_zp'], output: [wName], attribute });
  }, { code: 'CIM1008', mentions }, ['compile']);
}
qdqCase('qdq-scale-zero', 'a weight DequantizeLinear with scale 0', { scale: [0] });
qdqCase('qdq-scale-negative', 'a weight DequantizeLinear with scale -0.5', { scale: [-0.5] });
qdqCase('qdq-scale-nan', 'a weight DequantizeLinear with a NaN scale', { scale: [NaN] });
qdqCase('qdq-zero-point-type', 'int8 weights with a uint8 zero point', { zpType: 2 });
qdqCase('qdq-axis-out-of-range', 'per-axis weight scales along axis 7 of a rank-4 weight', { axis: 7, scale: Array(16).fill(0.1), scaleDims: [16] });
qdqCase('qdq-scale-shape', 'per-axis weight scales: 3 of them for an axis of 16', { axis: 0, scale: [0.1, 0.1, 0.1], scaleDims: [3] });
qdqCase('qdq-int4-length', 'int4 weights (opset 21) whose packed data is 3 bytes short', { dtype: 22, dataBytes: 69 }, 'qdq_w_data');
qdqCase('qdq-block-size', 'block_size 3 along axis 0 (16 channels, which it does not divide) with a scale shaped for blocks of 1', { axis: 0, blockSize: 3, scale: Array(16 * 9).fill(0.1), scaleDims: [16, 1, 3, 3] });
qdqCase('qdq-block-size-negative', 'a negative block_size', { axis: 0, blockSize: -1, scale: Array(16 * 9).fill(0.1), scaleDims: [16, 1, 3, 3] });

// ---- targets ---------------------------------------------------------------------------

const seed = JSON.parse(fs.readFileSync(path.join(root, 'targets', 'builtin', 'seed-4b.json'), 'utf8'));
const target = (name, description, mutate, expect) => {
  const t = structuredClone(seed);
  t.name = name;
  mutate(t);
  write(`${name}.json`, JSON.stringify(t, null, 2) + '\n');
  addCase({ file: `${name}.json`, command: ['targets', 'validate'], ...expect, description });
};
target('target-rows-zero', 'array.rows = 0', (t) => { t.array.rows = 0; }, { code: 'CIM3002', mentions: '/array/rows' });
target('target-missing-weight-bits', 'weightBits missing', (t) => { delete t.weightBits; }, { code: 'CIM3002', mentions: '/weightBits' });
target('target-extra-field', 'an unknown property array.depth', (t) => { t.array.depth = 3; }, { code: 'CIM3002', mentions: '/array/depth' });
target('target-string-bits', 'activationBits given as the string "4"', (t) => { t.activationBits = '4'; }, { code: 'CIM3002', mentions: '/activationBits' });
target('target-adc-bits-99', 'adc.bits = 99', (t) => { t.adc.bits = 99; }, { code: 'CIM3002', mentions: '/adc/bits' });
target('target-bad-encoding', "encoding 'ternary'", (t) => { t.encoding = 'ternary'; }, { code: 'CIM3002', mentions: '/encoding' });
target('target-dac-exceeds-act', 'dacBits 8 > activationBits 4 (impossible)', (t) => { t.dacBits = 8; }, { code: 'CIM3004', mentions: '/dacBits' });
target('target-cell-exceeds-weight', 'array.cellBits 8 > weightBits 4 (impossible)', (t) => { t.array.cellBits = 8; }, { code: 'CIM3004', mentions: '/array/cellBits' });
addCase({ file: mnistRel, command: ['compile'], args: ['-t', 'target-cell-exceeds-weight.json'], code: 'CIM3004', mentions: 'target-cell-exceeds-weight.json', description: 'compile -t with an impossible target file' });
write('target-not-json.json', '{ "name": "x", "array": { rows: 128 } }\n');
addCase({ file: 'target-not-json.json', command: ['targets', 'validate'], code: 'CIM3001', mentions: 'JSON', description: 'not JSON (unquoted key)' });
write('target-array.json', '[1, 2, 3]\n');
addCase({ file: 'target-array.json', command: ['targets', 'validate'], code: 'CIM3002', mentions: 'object', description: 'JSON, but an array instead of an object' });

// ---- plans -----------------------------------------------------------------------------

/** A tiny model: y = Relu(Gemm(x[1,4], W[3,4]ᵀ) + b). */
function tinyModel() {
  const f32 = (name, dims, values) => onnx.TensorProto.create({ name, dataType: 1, dims, rawData: new Uint8Array(Float32Array.from(values).buffer) });
  const vi = (name, dims) => onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: 1, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
  return onnx.ModelProto.create({
    irVersion: 8, producerName: 'cimc bad-inputs',
    opsetImport: [{ domain: '', version: 13 }],
    graph: {
      name: 'tiny',
      node: [
        { name: 'fc', opType: 'Gemm', input: ['x', 'W', 'b'], output: ['h'], attribute: [{ name: 'transB', type: onnx.AttributeProto.AttributeType.INT, i: 1 }] },
        { name: 'act', opType: 'Relu', input: ['h'], output: ['y'] },
      ],
      initializer: [
        f32('W', [3, 4], [0.5, -0.25, 0.75, 1, -1, 0.125, 0.5, -0.5, 0.25, 0.25, -0.75, 0.5]),
        f32('b', [3], [0.1, -0.2, 0.3]),
      ],
      input: [vi('x', [1, 4])],
      output: [vi('y', [1, 3])],
    },
  });
}
const tinyPath = path.join(outDir, 'tiny-gemm.onnx');
write('tiny-gemm.onnx', encode(tinyModel()));
const built = (embed, sidecarUri) => compile({ model: tinyPath, target: 'seed-4b', options: { embed, sidecarUri } }).built;

const embedded = built(true, 'plan.bin');
write('plan-good.json', serializePlan(embedded));
const sidecarBuilt = built(false, 'plan-sidecar-good.bin');
write('plan-sidecar-good.json', serializePlan(sidecarBuilt));
write('plan-sidecar-good.bin', sidecarBuilt.sidecar);

const plan = (name, description, mutate, expect, command = ['validate'], args) => {
  const p = JSON.parse(serializePlan(embedded));
  mutate(p);
  write(`${name}.json`, JSON.stringify(p, null, 1) + '\n');
  addCase({ file: `${name}.json`, command, ...(args ? { args } : {}), ...expect, description });
};
const sidecarPlan = (name, description, mutatePlan, mutateBin, expect, command = ['validate']) => {
  const p = JSON.parse(serializePlan(sidecarBuilt));
  p.buffers[0].uri = `${name}.bin`;
  mutatePlan(p);
  write(`${name}.json`, JSON.stringify(p, null, 1) + '\n');
  const bin = Uint8Array.from(sidecarBuilt.sidecar);
  const out = mutateBin(bin);
  if (out) write(`${name}.bin`, out);
  addCase({ file: `${name}.json`, command, ...expect, description });
};
const runArgs = ['--input', 'tiny-x.npy'];
const layerName = embedded.plan.layers[0].name;
const b64 = (typed) => Buffer.from(typed.buffer, typed.byteOffset, typed.byteLength).toString('base64');

write('plan-not-json.json', '{"planVersion": 1, "generator": \n');
addCase({ file: 'plan-not-json.json', command: ['validate'], code: 'CIM4001', mentions: 'JSON', description: 'a truncated JSON document' });
write('plan-empty.json', '');
addCase({ file: 'plan-empty.json', command: ['report'], code: 'CIM4001', mentions: 'JSON', description: 'an empty file' });
plan('plan-wrong-version', 'planVersion 99', (p) => { p.planVersion = 99; }, { code: 'CIM4002', mentions: '/planVersion' });
plan('plan-missing-layers', 'the layers field removed', (p) => { delete p.layers; }, { code: 'CIM4002', mentions: '/layers' }, ['report']);
plan('plan-negative-dim', 'a value with dimension -1', (p) => { p.inputs[0].shape[0] = -1; }, { code: 'CIM4002', mentions: '/inputs/0/shape/0' });
plan('plan-bad-dtype', "a tensor of dtype 'complex64' (named as the dtype, not as a missing sidecar field)", (p) => { p.layers[0].adcStep.dtype = 'complex64'; }, { code: 'CIM4002', mentions: '/layers/0/adcStep/dtype' });
plan('plan-tensor-both-storages', 'an embedded tensor that also claims a sidecar sha256', (p) => { p.layers[0].cells.sha256 = '0'.repeat(64); }, { code: 'CIM4002', mentions: '/layers/0/cells/sha256' });
sidecarPlan('plan-missing-sidecar', 'the sidecar .bin file is absent', () => {}, () => undefined, { code: 'CIM4003', mentions: 'plan-missing-sidecar.bin' });
sidecarPlan('plan-sidecar-modified', 'one sidecar byte changed under a plan that also carries a whole-sidecar sha256 (as earlier builds wrote)', (p) => { p.buffers[0].sha256 = createHash('sha256').update(sidecarBuilt.sidecar).digest('hex'); }, (b) => { b[b.length - 1] ^= 0x01; return b; }, { code: 'CIM4003', mentions: '/buffers/0/sha256' });
sidecarPlan('plan-sidecar-cell-flipped', "one byte of the first layer's cells changed (its tensor sha256 no longer matches)", () => {}, (b) => { b[sidecarBuilt.plan.layers[0].cells.byteOffset] ^= 0x01; return b; }, { code: 'CIM4003', mentions: '/layers/0/cells' });
sidecarPlan('plan-packed-float', 'packedBits on a float64 tensor', (p) => { p.layers[0].adcStep.packedBits = 2; }, (b) => b, { code: 'CIM4002', mentions: '/layers/0/adcStep/packedBits' });
sidecarPlan('plan-packed-length', 'cells claimed packed 4 bits a value where the bytes hold 2 (byte count does not match)', (p) => { p.layers[0].cells.packedBits = 4; }, (b) => b, { code: 'CIM4002', mentions: '/layers/0/cells' });
sidecarPlan('plan-sidecar-short', 'the sidecar is 8 bytes shorter than the plan says', () => {}, (b) => b.subarray(0, b.length - 8), { code: 'CIM4003', mentions: '/buffers/0/byteLength' });
sidecarPlan('plan-tensor-hash', "a tensor's sha256 does not match its bytes", (p) => { p.layers[0].cells.sha256 = '0'.repeat(64); }, (b) => b, { code: 'CIM4003', mentions: '/layers/0/cells' });
sidecarPlan('plan-tensor-range', "a tensor's byteOffset is past the end of the sidecar", (p) => { p.layers[0].cells.byteOffset = 1 << 20; }, (b) => b, { code: 'CIM4003', mentions: '/layers/0/cells' });
plan('plan-tensor-length', "adcStep's shape says one more element than its bytes hold", (p) => { p.layers[0].adcStep.shape[0] += 1; }, { code: 'CIM4002', mentions: '/layers/0/adcStep' });
plan('plan-bad-base64-length', 'the bias tensor holds 3 bytes', (p) => { p.layers[0].bias.base64 = Buffer.from([1, 2, 3]).toString('base64'); }, { code: 'CIM4002', mentions: '/layers/0/bias' }, ['run'], runArgs);
plan('plan-bad-row-tile', 'column 0 points at row tile 7, the layer has 1', (p) => {
  const ref = p.layers[0].columns.rowTile;
  const v = new Int32Array(Uint8Array.from(Buffer.from(ref.base64, 'base64')).buffer);
  v[0] = 7;
  ref.base64 = b64(v);
}, { code: 'CIM4002', mentions: layerName }, ['run'], runArgs);
plan('plan-bad-out-channel', 'column 0 points at output channel 99', (p) => {
  const ref = p.layers[0].columns.outChannel;
  const v = new Int32Array(Uint8Array.from(Buffer.from(ref.base64, 'base64')).buffer);
  v[0] = 99;
  ref.base64 = b64(v);
}, { code: 'CIM4002', mentions: layerName }, ['run'], runArgs);
plan('plan-cell-overflow', 'a cell value 255 in a 2-bit-cell array (cells stored a byte each, not packed)', (p) => {
  const ref = p.layers[0].cells;
  const stored = new Uint8Array(Buffer.from(ref.base64, 'base64'));
  const bits = ref.packedBits ?? 8;
  const v = Uint8Array.from({ length: ref.shape[0] }, (_, i) => (bits === 8 ? stored[i] : (stored[(i * bits) >> 3] >> ((i * bits) & 7)) & ((1 << bits) - 1)));
  delete ref.packedBits;
  v[0] = 255;
  ref.base64 = b64(v);
}, { code: 'CIM4002', mentions: layerName }, ['run'], runArgs);
plan('plan-bad-layer-index', 'a cim step naming layer 5 of 1', (p) => {
  p.schedule.find((s) => s.kind === 'cim').layer = 5;
}, { code: 'CIM4002', mentions: '/schedule/0/layer' }, ['run'], runArgs);
plan('plan-step-reads-undefined', "the Relu step reads 'ghost'", (p) => {
  p.schedule.find((s) => s.kind === 'digital').inputs[0] = 'ghost';
}, { code: 'CIM4002', mentions: '/schedule/1/inputs/0' }, ['run'], runArgs);
plan('plan-output-never-produced', "the last step writes 'y2', so the plan output 'y' is never produced", (p) => {
  p.schedule.find((s) => s.kind === 'digital').outputs[0] = 'y2';
}, { code: 'CIM4002', mentions: '/outputs/0' }, ['run'], runArgs);
plan('plan-output-shape-mismatch', 'the plan declares its output [1, 4]; the steps compute [1, 3]', (p) => {
  p.outputs[0].shape = [1, 4];
}, { code: 'CIM4005', mentions: '/outputs/0' }, ['run'], runArgs);
plan('plan-geometry-output-shape', "the layer's geometry says its output is [2, 3] for an input [1, 4]", (p) => {
  p.layers[0].geometry.outputShape[0] = 2;
}, { code: 'CIM4002', mentions: layerName }, ['run'], runArgs);
plan('plan-geometry-huge-input', "the layer's geometry says its input is [2^31, 4] (must not allocate)", (p) => {
  p.layers[0].geometry.inputShape[0] = 2 ** 31;
}, { code: 'CIM4002', mentions: layerName }, ['run'], runArgs);
plan('plan-bits-cycles', 'bits.cycles = 10^9 (must not loop for ever)', (p) => {
  p.layers[0].bits.cycles = 1e9;
}, { code: 'CIM4002', mentions: layerName }, ['run'], runArgs);
plan('plan-unknown-op', "a digital step with opType 'Frobnicate'", (p) => {
  p.schedule.find((s) => s.kind === 'digital').opType = 'Frobnicate';
}, { code: 'CIM4005', mentions: 'Frobnicate' }, ['run'], runArgs);

// ---- .npy inputs for `cimc run plan-good.json` -----------------------------------------

function npy(descr, shape, data, { version = 1 } = {}) {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const pre = version === 1 ? 10 : 12;
  header += ' '.repeat((64 - ((pre + header.length + 1) % 64)) % 64) + '\n';
  const out = new Uint8Array(pre + header.length + data.byteLength);
  out.set([0x93, ...Buffer.from('NUMPY'), version, 0], 0);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true); else dv.setUint32(8, header.length, true);
  out.set(Buffer.from(header, 'latin1'), pre);
  out.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), pre + header.length);
  return out;
}
const goodX = npy('<f4', [2, 4], Float32Array.from([1, 0.5, -0.25, 2, 0, 1, 1, -1]));
write('tiny-x.npy', goodX);
const npyCase = (name, description, bytes, expect) => {
  write(name, bytes);
  addCase({ file: 'plan-good.json', command: ['run'], args: ['--input', name], ...expect, description });
};
npyCase('npy-truncated.npy', 'a valid .npy missing its last 5 bytes', goodX.subarray(0, goodX.length - 5), { code: 'CIM4004', mentions: 'npy-truncated.npy' });
npyCase('npy-wrong-dtype.npy', "dtype '<c8' (complex64)", npy('<c8', [2, 4], new Float32Array(16)), { code: 'CIM4004', mentions: '<c8' });
npyCase('npy-big-endian.npy', "dtype '>f4' (big-endian)", npy('>f4', [2, 4], new Float32Array(8)), { code: 'CIM4004', mentions: '>f4' });
npyCase('npy-wrong-shape.npy', 'float32 [2, 5] for a plan input [1, 4] (the error names the file)', npy('<f4', [2, 5], new Float32Array(10)), { code: 'CIM4004', mentions: 'npy-wrong-shape.npy' });
write('npy-labels-wrong-count.npy', npy('<i4', [3], Int32Array.from([0, 1, 2])));
addCase({ file: 'plan-good.json', command: ['eval'], args: ['--inputs', 'tiny-x.npy', '--labels', 'npy-labels-wrong-count.npy'], code: 'CIM4004', mentions: 'npy-labels-wrong-count.npy', description: '3 labels for 2 inputs (the error names the labels file)' });
npyCase('npy-not-npy.npy', 'a text file', Buffer.from('1 2 3 4\n'), { code: 'CIM4004', mentions: 'magic' });
npyCase('npy-v2-no-header-length.npy', 'magic and version 2.0 but only 10 bytes (the 4-byte header length is cut)', Uint8Array.from([0x93, ...Buffer.from('NUMPY'), 2, 0, 0x10, 0]), { code: 'CIM4004', mentions: 'npy-v2-no-header-length.npy' });
npyCase('npy-huge-shape.npy', 'a header claiming shape (4294967296, 4) with 32 data bytes', npy('<f4', [2 ** 32, 4], new Float32Array(8)), { code: 'CIM4004', mentions: 'npy-huge-shape.npy' });

// ---- command-line values ---------------------------------------------------------------

const cli = (args, description, expect) => addCase({ file: mnistRel, command: [args[0]], args: args.slice(1), ...expect, description });
cli(['compile', '--adc-bits', '99'], '--adc-bits 99', { code: 'CIM2006', mentions: '--adc-bits' });
cli(['compile', '--adc-bits', 'lots'], '--adc-bits lots', { code: 'CIM2006', mentions: '--adc-bits' });
cli(['compile', '--weight-bits', '-3'], '--weight-bits -3', { code: 'CIM2006', mentions: '--weight-bits' });
cli(['inspect', '--input-shape', 'x=1xfoo'], '--input-shape x=1xfoo', { code: 'CIM1006', mentions: '--input-shape' });
cli(['inspect', '--input-shape', 'input=0x1x28x28'], '--input-shape with a zero dim', { code: 'CIM1006', mentions: '--input-shape' });
cli(['inspect', '--input-shape', 'input=1x1x28'], '--input-shape with the wrong rank', { code: 'CIM1006', mentions: 'input' });
cli(['compile', '--target', 'no-such-target'], 'an unknown target name', { code: 'CIM3003', mentions: 'no-such-target' });
cli(['compile', '--passes', 'import-onnx,frobnicate'], 'an unknown pass in --passes', { code: 'CIM2007', mentions: 'frobnicate' });
addCase({ file: 'plan-good.json', command: ['run'], args: ['--input', 'tiny-x.npy', '--variation', 'uniform:0.1'], code: 'CIM5001', mentions: '--variation', description: '--variation with an unknown distribution' });
addCase({ file: 'no-such-model.onnx', command: ['inspect'], code: 'CIM1001', mentions: 'ENOENT', description: 'a model file that does not exist' });

cases.sort((a, b) => a.file.localeCompare(b.file) || a.command.join(' ').localeCompare(b.command.join(' ')) || (a.args ?? []).join(' ').localeCompare((b.args ?? []).join(' ')));
fs.writeFileSync(path.join(outDir, 'cases.json'), JSON.stringify(cases, null, 1) + '\n');
console.log(`wrote ${cases.length} cases to ${path.join(path.relative(root, outDir), 'cases.json')}`);
