/**
 * Fuzzing (fast-check): mutated models, plans, targets and .npy files go through the library
 * in-process, and every failure must be a CimcError: never a TypeError/RangeError, never a
 * hang. Models are mutated byte-wise (bit flips, deletions, insertions, truncation) and
 * field-wise through onnx-proto (dims, data types, attributes, names, nodes, opsets, external
 * data), then imported, run through the inspect pipeline and, for some, compiled.
 *
 *   npx vitest run test/cli/fuzz.test.ts               ~200 inputs, fixed seed (CI)
 *   npm run fuzz                                   FUZZ_RUNS=20000, a fresh seed each time, more models
 *   FUZZ_SEED=… FUZZ_RUNS=… npx vitest run test/cli/fuzz.test.ts   replay a failure fast-check reported
 *
 * Crashes found so far are kept as regression inputs (bottom of this file and
 * test/fixtures/bad-inputs/).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile } from '../../compiler/driver/compile.js';
import { isCimcError } from '../../base/diagnostics.js';
import { inspectGraph } from '../../compiler/driver/inspect.js';
import { importOnnxBytes } from '../../compiler/onnx/import.js';
import { onnx, type ModelProto } from '../../base/onnx-proto.js';
import { inspectPipeline } from '../../passes/index.js';
import { createCompiler } from '../../compiler/driver/create-compiler.js';
import { runModel } from '../../compiler/driver/run-model.js';
import { executableFromPlan, executeBatch } from '../../runtime/reference/executor.js';
import { openPlan } from '../../plan/reader.js';
import { parseNpy } from '../../base/npy.js';
import type { RtTensor } from '../../base/rt-tensor.js';
import { validateTarget } from '../../targets/loader.js';
import { fixture, tempDir } from '../helpers/cli.js';

const long = process.env.FUZZ_RUNS !== undefined;
const totalRuns = Number(process.env.FUZZ_RUNS ?? 200);
/** CI replays one fixed seed; a long run explores a new one unless FUZZ_SEED pins it. */
const seed = process.env.FUZZ_SEED !== undefined ? Number(process.env.FUZZ_SEED) : long ? Date.now() % 2 ** 31 : 20261127;
/** An input slower than this counts as a hang. */
const inputBudgetMs = Number(process.env.FUZZ_INPUT_MS ?? 10_000);
const runsFor = (share: number): number => Math.max(10, Math.round(totalRuns * share));
const params = (share: number): fc.Parameters<unknown> => ({ numRuns: runsFor(share), seed, endOnFailure: true });

const compiler = createCompiler();
const work = tempDir('cimc-fuzz-');
const badDir = fixture('test', 'fixtures', 'bad-inputs');
const models = [
  fixture('examples', 'models', 'mnist-cnn.onnx'),
  path.join(badDir, 'tiny-gemm.onnx'),
  ...(long ? [
    fixture('test', 'fixtures', 'models', 'torchvision', 'resnet20_cifar_opset17.onnx'),
    fixture('test', 'fixtures', 'models', 'blazeface', 'face_detection_front_128x128_barracuda.onnx'),
    fixture('node_modules', '@gutenye', 'ocr-models', 'assets', 'ch_ppocr_mobile_v2.0_cls_infer.onnx'),
  ] : []),
].map((file) => ({ file, bytes: new Uint8Array(fs.readFileSync(file)) }));

// ---- outcome bookkeeping --------------------------------------------------------------

const tally = { tried: 0, accepted: 0, userErrors: 0, compiled: 0, slowestMs: 0 };
const codes = new Map<string, number>();

/** Runs `f`; a CimcError is an expected outcome, anything else fails the property with the stack. */
function expectOnlyUserErrors(what: string, f: () => void): void {
  tally.tried++;
  const start = performance.now();
  try {
    f();
    tally.accepted++;
  } catch (e) {
    if (!isCimcError(e)) {
      const err = e as Error;
      throw new Error(`${what}: crashed with ${err?.constructor?.name ?? typeof e}: ${err?.message}\n${err?.stack ?? ''}`);
    }
    tally.userErrors++;
    codes.set(e.code, (codes.get(e.code) ?? 0) + 1);
  }
  const ms = performance.now() - start;
  tally.slowestMs = Math.max(tally.slowestMs, ms);
  if (ms > inputBudgetMs) throw new Error(`${what}: took ${ms.toFixed(0)} ms (budget ${inputBudgetMs} ms): a hang?`);
}

afterAll(() => {
  const byCode = [...codes].sort().map(([c, n]) => `${c} ${n}`).join(', ');
  console.log(`fuzz (seed ${seed}, replay with FUZZ_SEED=${seed} FUZZ_RUNS=${totalRuns}): ${tally.tried} inputs, ${tally.accepted} accepted (${tally.compiled} compiled), ${tally.userErrors} user errors [${byCode}], 0 crashes, slowest ${tally.slowestMs.toFixed(0)} ms`);
  fs.rmSync(work, { recursive: true, force: true });
});

// ---- models ---------------------------------------------------------------------------

let modelCounter = 0;
/** Import + the inspect pipeline (+ compile when asked and the model got that far). */
function checkModel(bytes: Uint8Array, withCompile: boolean): void {
  const file = path.join(work, `m${modelCounter++ % 8}.onnx`);
  fs.writeFileSync(file, bytes);
  expectOnlyUserErrors('model', () => {
    importOnnxBytes(bytes, { modelPath: file });
    const r = runModel({ modelPath: file, compiler, passes: inspectPipeline });
    inspectGraph(r.graph);
    if (withCompile) {
      compile({ model: file, compiler, options: { embed: true } });
      tally.compiled++;
    }
  });
}

const byteMutation = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.array(fc.tuple(fc.nat(), fc.nat(7)), { minLength: 1, maxLength: 8 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 64 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
);
type ByteMutation = typeof byteMutation extends fc.Arbitrary<infer T> ? T : never;

function applyBytes(src: Uint8Array, m: ByteMutation): Uint8Array {
  const n = src.length;
  switch (m.kind) {
    case 'flip': {
      const out = Uint8Array.from(src);
      for (const [at, bit] of m.at) out[at % n] ^= 1 << bit;
      return out;
    }
    case 'delete': {
      const at = m.at % n;
      return Uint8Array.from([...src.subarray(0, at), ...src.subarray(at + m.length)]);
    }
    case 'insert': {
      const at = m.at % (n + 1);
      const out = new Uint8Array(n + m.bytes.length);
      out.set(src.subarray(0, at));
      out.set(m.bytes, at);
      out.set(src.subarray(at), at + m.bytes.length);
      return out;
    }
    case 'truncate':
      return src.slice(0, m.at % n);
  }
}

/** Dims and counts that break things: zero, negative, 2^31, 2^40, beyond 2^53. */
const hostileInt = fc.oneof(
  fc.constantFrom(0, -1, 1, 2, 3, 7, 64, 65536, 2 ** 31, 2 ** 32 + 1, 2 ** 40, -(2 ** 40), 2 ** 53 + 2),
  fc.integer({ min: -1000, max: 100_000 }),
);
const hostileFloat = fc.oneof(fc.constantFrom(NaN, Infinity, -Infinity, 0, -0, 1e30, 1e-30), fc.double());
const opTypes = ['Conv', 'Gemm', 'MatMul', 'Reshape', 'Relu', 'Add', 'Concat', 'Flatten', 'MaxPool', 'Transpose', 'Squeeze', 'Unsqueeze',
  'Slice', 'Gather', 'Resize', 'Pad', 'Split', 'Softmax', 'BatchNormalization', 'GlobalAveragePool', 'AveragePool', 'ConvTranspose',
  'Expand', 'Tile', 'Where', 'Cast', 'Shape', 'Range', 'ReduceMean', 'Clip', 'Sum', 'Mul', 'Div', 'Sigmoid', 'HardSigmoid',
  'ConstantOfShape', 'If', 'Loop', 'Einsum', 'TopK', 'NonZero', 'DepthToSpace', 'InstanceNormalization', 'LayerNormalization', 'ArgMax',
  'Identity', 'Dropout', 'Constant', 'Size', 'Frobnicate'];
const attrNames = ['axis', 'axes', 'group', 'kernel_shape', 'pads', 'strides', 'dilations', 'perm', 'keepdims', 'transA', 'transB', 'alpha',
  'beta', 'auto_pad', 'mode', 'to', 'value', 'ceil_mode', 'allowzero', 'split', 'epsilon', 'output_shape', 'output_padding', 'blocksize'];

const fieldMutation = fc.record({
  kind: fc.constantFrom('init-dim', 'init-rank', 'init-dtype', 'init-raw', 'init-drop', 'init-name', 'vi-dim', 'vi-elem', 'vi-add',
    'attr-int', 'attr-ints', 'attr-float', 'attr-type', 'attr-drop', 'attr-add', 'attr-string', 'input-name', 'output-name', 'op-type',
    'node-drop', 'node-swap', 'node-domain', 'graph-output', 'opset', 'constant-node', 'external'),
  a: fc.nat(),
  b: fc.nat(),
  int: hostileInt,
  ints: fc.array(hostileInt, { maxLength: 6 }),
  float: hostileFloat,
  pick: fc.nat(),
});
type FieldMutation = typeof fieldMutation extends fc.Arbitrary<infer T> ? T : never;

function applyField(m: ModelProto, f: FieldMutation): void {
  const g = m.graph!;
  const nodes = g.node ??= [];
  const inits = g.initializer ??= [];
  const infos = [...(g.input ?? []), ...(g.output ?? []), ...(g.valueInfo ?? [])];
  const names = ['', 'ghost', ...nodes.flatMap((n) => n.output ?? []), ...inits.map((t) => t.name ?? ''), ...(g.input ?? []).map((v) => v.name ?? '')];
  const of = <T>(list: readonly T[], i: number): T | undefined => (list.length ? list[i % list.length] : undefined);
  const node = of(nodes, f.a);
  const init = of(inits, f.a);
  const attr = node ? of(node.attribute ?? [], f.b) : undefined;
  const AT = onnx.AttributeProto.AttributeType;
  switch (f.kind) {
    case 'init-dim': if (init?.dims?.length) init.dims[f.b % init.dims.length] = f.int; break;
    case 'init-rank': if (init) init.dims = f.ints; break;
    case 'init-dtype': if (init) init.dataType = f.b % 20; break;
    case 'init-raw':
      if (init?.rawData?.length) {
        const raw = Uint8Array.from(init.rawData);
        if (f.b % 3 === 0) init.rawData = raw.subarray(0, f.pick % raw.length);
        else {
          const floats = new DataView(raw.buffer);
          if (raw.length >= 4) floats.setFloat32(4 * (f.pick % Math.floor(raw.length / 4)), f.float, true);
          init.rawData = raw;
        }
      }
      break;
    case 'init-drop': if (inits.length) inits.splice(f.a % inits.length, 1); break;
    case 'init-name': if (init) init.name = of(names, f.b) ?? ''; break;
    case 'vi-dim': {
      const dims = of(infos, f.a)?.type?.tensorType?.shape?.dim;
      if (dims?.length) dims[f.b % dims.length] = onnx.TensorShapeProto.Dimension.create({ dimValue: f.int });
      break;
    }
    case 'vi-elem': { const t = of(infos, f.a)?.type?.tensorType; if (t) t.elemType = f.b % 20; break; }
    case 'vi-add':
      (g.valueInfo ??= []).push(onnx.ValueInfoProto.create({ name: of(names, f.a), type: { tensorType: { elemType: [1, 7, 0, 99][f.b % 4], shape: { dim: f.ints.map((d) => ({ dimValue: d })) } } } }));
      break;
    case 'attr-int': if (attr) { attr.type = AT.INT; attr.i = f.int; } break;
    case 'attr-ints': if (attr) { attr.type = AT.INTS; attr.ints = f.ints; } break;
    case 'attr-float': if (attr) { attr.type = AT.FLOAT; attr.f = f.float; } break;
    case 'attr-type': if (attr) attr.type = f.pick % 16; break;
    case 'attr-drop': if (node?.attribute?.length) node.attribute.splice(f.b % node.attribute.length, 1); break;
    case 'attr-add':
      node?.attribute?.push(onnx.AttributeProto.create(f.pick % 2
        ? { name: attrNames[f.b % attrNames.length], type: AT.INT, i: f.int }
        : { name: attrNames[f.b % attrNames.length], type: AT.INTS, ints: f.ints }));
      break;
    case 'attr-string':
      node?.attribute?.push(onnx.AttributeProto.create({ name: ['auto_pad', 'mode', 'equation', 'coordinate_transformation_mode'][f.b % 4], type: AT.STRING, s: new TextEncoder().encode(['SAME_UPPER', 'VALID', 'xx', 'linear', 'ij,jk->ik', 'ab...'][f.pick % 6]) }));
      break;
    case 'input-name': if (node) { const ins = node.input ??= []; if (ins.length && f.pick % 4) ins[f.b % ins.length] = of(names, f.pick) ?? ''; else ins.push(of(names, f.pick) ?? ''); } break;
    case 'output-name': if (node?.output?.length) node.output[f.b % node.output.length] = of(names, f.pick) ?? ''; break;
    case 'op-type': if (node) node.opType = opTypes[f.b % opTypes.length]; break;
    case 'node-drop': if (nodes.length) nodes.splice(f.a % nodes.length, 1); break;
    case 'node-swap': if (nodes.length > 1) { const i = f.a % nodes.length; const j = f.b % nodes.length; [nodes[i], nodes[j]] = [nodes[j], nodes[i]]; } break;
    case 'node-domain': if (node) node.domain = ['', 'ai.onnx', 'com.microsoft', 'ai.onnx.ml'][f.b % 4]; break;
    case 'graph-output': {
      const outs = g.output ??= [];
      if (f.b % 3 === 0 && outs.length) outs.splice(f.a % outs.length, 1);
      else if (f.b % 3 === 1 && outs.length) outs.push(onnx.ValueInfoProto.create(outs[f.a % outs.length]));
      else outs.push(onnx.ValueInfoProto.create({ name: of(names, f.pick) }));
      break;
    }
    case 'opset': { const imp = of(m.opsetImport ?? [], f.a); if (imp) imp.version = f.int; break; }
    case 'constant-node': {
      const attribute = [
        { name: 'value', type: AT.TENSOR, t: { dataType: f.b % 17, dims: f.ints, rawData: new Uint8Array(f.pick % 64) } },
        { name: 'value_ints', type: AT.INTS, ints: f.ints },
        { name: 'value_float', type: AT.FLOAT, f: f.float },
        { name: 'sparse_value', type: AT.SPARSE_TENSOR, sparseTensor: {} },
      ].slice(f.a % 4, (f.a % 4) + (f.pick % 2));
      nodes.splice(f.b % (nodes.length + 1), 0, onnx.NodeProto.create({ name: `fuzz_const_${f.pick}`, opType: 'Constant', output: [of(names, f.a) || 'fuzz_c'], attribute }));
      break;
    }
    case 'external':
      if (init) {
        init.rawData = new Uint8Array(0);
        init.dataLocation = onnx.TensorProto.DataLocation.EXTERNAL;
        init.externalData = [
          { key: 'location', value: ['../escape.bin', '/etc/hostname', 'missing.bin', 'data.bin', '', 'sub/../data.bin'][f.b % 6] },
          { key: 'offset', value: String(f.int) },
          ...(f.pick % 2 ? [{ key: 'length', value: String(f.ints[0] ?? f.int) }] : []),
        ];
      }
      break;
  }
}

function mutateFields(src: Uint8Array, mutations: readonly FieldMutation[]): Uint8Array {
  const m = onnx.ModelProto.decode(src);
  if (!m.graph) return src;
  for (const f of mutations) applyField(m, f);
  return onnx.ModelProto.encode(m).finish();
}

const modelIndex = fc.nat({ max: models.length - 1 });
fs.writeFileSync(path.join(work, 'data.bin'), new Uint8Array(256));

describe('fuzz: mutated models never crash import, inspect or compile', () => {
  it('byte-level mutations (bit flips, deletions, insertions, truncation)', () => {
    fc.assert(fc.property(modelIndex, fc.array(byteMutation, { minLength: 1, maxLength: 3 }), fc.nat(9), (mi, ms, c) => {
      let bytes: Uint8Array = models[mi].bytes;
      for (const m of ms) bytes = applyBytes(bytes, m);
      checkModel(bytes, c === 0);
    }), params(0.2));
  });

  it('field-level mutations through onnx-proto (dims, dtypes, attributes, names, nodes, opsets, external data)', () => {
    fc.assert(fc.property(modelIndex, fc.array(fieldMutation, { minLength: 1, maxLength: 4 }), fc.nat(3), (mi, fs_, c) => {
      checkModel(mutateFields(models[mi].bytes, fs_), c === 0);
    }), params(0.4));
  });
});

// ---- plans, .npy inputs, targets ------------------------------------------------------

interface PlanBase { plan: unknown; x: RtTensor }
const planBases: PlanBase[] = [];
beforeAll(() => {
  const tinyPlan = JSON.parse(fs.readFileSync(path.join(badDir, 'plan-good.json'), 'utf8')) as unknown;
  planBases.push({ plan: tinyPlan, x: parseNpy(fs.readFileSync(path.join(badDir, 'tiny-x.npy'))) });
  const mnist = compile({ model: models[0].file, compiler, options: { embed: true } }).built.plan;
  const sample = parseNpy(fs.readFileSync(fixture('examples', 'data', 'mnist-sample-x.npy')));
  const one = { ...sample, shape: [1, ...sample.shape.slice(1)], data: sample.data.slice(0, sample.data.length / sample.shape[0]) } as RtTensor;
  planBases.push({ plan: JSON.parse(JSON.stringify(mnist)) as unknown, x: one });
});

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
/** Paths to every node of a JSON document. */
function jsonPaths(v: Json, at: (string | number)[] = [], out: (string | number)[][] = []): (string | number)[][] {
  out.push(at);
  if (Array.isArray(v)) v.forEach((e, i) => jsonPaths(e, [...at, i], out));
  else if (v && typeof v === 'object') for (const [k, e] of Object.entries(v)) jsonPaths(e, [...at, k], out);
  return out;
}

const jsonMutation = fc.record({
  at: fc.nat(),
  op: fc.constantFrom('inc', 'dec', 'double', 'zero', 'negate', 'huge', 'delete', 'replace', 'base64-byte', 'base64-cut', 'swap-string'),
  value: fc.oneof(hostileInt, hostileFloat, fc.constantFrom<Json>(null, true, '', 'x', [], {}, [1, 2], 'ideal', 1.5)),
  byte: fc.nat(255),
  pick: fc.nat(),
});
type JsonMutation = typeof jsonMutation extends fc.Arbitrary<infer T> ? T : never;

function mutateJson(doc: Json, ms: readonly JsonMutation[]): Json {
  const root = structuredClone(doc);
  for (const m of ms) {
    const paths = jsonPaths(root).filter((p) => p.length > 0);
    const p = paths[m.at % paths.length];
    let parent = root as Record<string | number, Json>;
    for (const k of p.slice(0, -1)) parent = parent[k] as Record<string | number, Json>;
    const key = p[p.length - 1];
    const v = parent[key];
    const set = (nv: Json): void => { parent[key] = nv; };
    switch (m.op) {
      case 'inc': if (typeof v === 'number') set(v + 1); break;
      case 'dec': if (typeof v === 'number') set(v - 1); break;
      case 'double': if (typeof v === 'number') set(v * 2); break;
      case 'zero': set(0); break;
      case 'negate': if (typeof v === 'number') set(-v); break;
      case 'huge': set(2 ** 31 + (m.pick % 3)); break;
      case 'delete': if (Array.isArray(parent)) parent.splice(Number(key), 1); else delete parent[key]; break;
      case 'replace': set(m.value as Json); break;
      case 'base64-byte': case 'base64-cut':
        if (key === 'base64' && typeof v === 'string') {
          const b = Buffer.from(v, 'base64');
          if (b.length && m.op === 'base64-byte') b[m.pick % b.length] = m.byte;
          set((m.op === 'base64-cut' ? b.subarray(0, m.pick % (b.length + 1)) : b).toString('base64'));
        }
        break;
      case 'swap-string': {
        const strings = jsonPaths(root).map((q) => q.reduce<Json>((o, k) => (o as Record<string | number, Json>)[k], root)).filter((s): s is string => typeof s === 'string' && s.length < 64);
        if (typeof v === 'string' && strings.length) set(strings[m.pick % strings.length]);
        break;
      }
    }
  }
  return root;
}

describe('fuzz: mutated plans, .npy inputs and targets never crash', () => {
  it('plans: load, check, prepare and run (CIM and float paths, with and without variation)', () => {
    fc.assert(fc.property(fc.nat(planBases.length - 1), fc.array(jsonMutation, { minLength: 1, maxLength: 3 }), fc.nat(5), (bi, ms, mode) => {
      const base = planBases[bi];
      const plan = mutateJson(base.plan as Json, ms);
      expectOnlyUserErrors('plan', () => {
        const exe = executableFromPlan(openPlan(plan, 'fuzz.json'), mode === 0 ? { variation: { kind: 'lognormal', sigma: 0.1, seed: 1 } } : {});
        executeBatch(exe, base.x, { float: mode === 1 });
      });
    }), params(0.2));
  });

  it('.npy inputs: parse and feed to a plan', () => {
    const good = new Uint8Array(fs.readFileSync(path.join(badDir, 'tiny-x.npy')));
    const headerEdit = fc.record({ from: fc.constantFrom("'<f4'", 'False', '(2, 4)', "'shape'", '\n'), to: fc.constantFrom("'<f8'", "'>f4'", "'|b1'", "'<i8'", 'True', '(4294967296, 4)', '(-1, 4)', '(2, 4, 1)', '()', '(0,)', '', 'x') });
    fc.assert(fc.property(fc.oneof(
      fc.array(byteMutation, { minLength: 1, maxLength: 3 }).map((ms) => ms.reduce(applyBytes, good)),
      headerEdit.map(({ from, to }) => new Uint8Array(Buffer.from(Buffer.from(good).toString('latin1').replace(from, to), 'latin1'))),
      fc.uint8Array({ maxLength: 80 }).map((tail) => Uint8Array.from([0x93, ...Buffer.from('NUMPY'), 2, 0, ...tail])),
    ), (bytes) => {
      expectOnlyUserErrors('npy', () => {
        const x = parseNpy(bytes, 'fuzz.npy');
        executeBatch(executableFromPlan(openPlan(planBases[0].plan, 'tiny.json')), x);
      });
    }), params(0.1));
  });

  it('targets: validate, and compile the tiny model for the ones that pass', () => {
    const seedTarget = JSON.parse(fs.readFileSync(fixture('targets', 'builtin', 'seed-4b.json'), 'utf8')) as Json;
    fc.assert(fc.property(fc.array(jsonMutation, { minLength: 1, maxLength: 3 }), (ms) => {
      const t = mutateJson(seedTarget, ms);
      expectOnlyUserErrors('target', () => {
        const spec = validateTarget(t, 'fuzz-target.json');
        compile({ model: models[1].file, compiler, target: spec, options: { embed: true } });
      });
    }), params(0.1));
  });
});

// ---- hostile sizes are declarations, never allocations ---------------------------------

describe('a dim of 2^40 in a value_info does not allocate', () => {
  it('an intermediate declared [1,16,2^40,2^40]: inspect and compile succeed with a warning, quickly and without memory growth', () => {
    const m = onnx.ModelProto.decode(models[0].bytes);
    m.graph!.valueInfo!.push(onnx.ValueInfoProto.create({
      name: '/features/features.0/Conv_output_0',
      type: { tensorType: { elemType: 1, shape: { dim: [1, 16, 2 ** 40, 2 ** 40].map((d) => ({ dimValue: d })) } } },
    }));
    const file = path.join(work, 'declared-huge.onnx');
    fs.writeFileSync(file, onnx.ModelProto.encode(m).finish());
    const rss = process.memoryUsage().rss;
    const start = performance.now();
    const r = runModel({ modelPath: file, compiler, passes: inspectPipeline });
    const { diagnostics } = compile({ model: file, compiler, options: { embed: true } });
    expect(performance.now() - start).toBeLessThan(5000);
    expect(process.memoryUsage().rss - rss).toBeLessThan(256 * 2 ** 20);
    expect(r.graph.staticShape('/features/features.0/Conv_output_0')).toEqual([1, 16, 28, 28]);
    expect(diagnostics.some((d) => d.code === 'CIM2002' && d.message.includes('1099511627776'))).toBe(true);
  });
});

// ---- crashes found, kept as regression inputs -----------------------------------------

describe('fuzz regressions (crashes found by the fuzzer, now CimcErrors)', () => {
  const expectCode = (code: string, f: () => void): void => {
    try {
      f();
    } catch (e) {
      expect(isCimcError(e) ? e.code : `${(e as Error).constructor.name}: ${(e as Error).message}`).toBe(code);
      return;
    }
    throw new Error(`expected ${code}, got no error`);
  };
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const tiny = (): Record<string, any> => structuredClone(planBases[0].plan) as Record<string, any>;
  const run = (plan: unknown): void => { executeBatch(executableFromPlan(openPlan(plan, 'r.json')), planBases[0].x); };

  it('.npy version 2 cut after 10 bytes (was RangeError: offset outside the DataView)', () => {
    expectCode('CIM4004', () => parseNpy(Uint8Array.from([0x93, ...Buffer.from('NUMPY'), 2, 0, 0x10, 0])));
  });
  it('plan whose last step output is renamed (was TypeError reading undefined .data)', () => {
    const p = tiny();
    p.schedule[1].outputs = [];
    expectCode('CIM4002', () => run(p));
  });
  it("plan whose layer geometry says [2,3] out for [1,4] in (was RangeError: offset is out of bounds)", () => {
    const p = tiny();
    p.layers[0].geometry.outputShape[0] = 2;
    expectCode('CIM4002', () => run(p));
  });
  it('plan whose layer input shape is [2^31, 4] (was RangeError: invalid typed array length)', () => {
    const p = tiny();
    p.layers[0].geometry.inputShape[0] = 2 ** 31;
    expectCode('CIM4002', () => run(p));
  });
  it('plan with bits.cycles = 10^9 (ran for ever)', () => {
    const p = tiny();
    p.layers[0].bits.cycles = 1e9;
    expectCode('CIM4002', () => run(p));
  });
  it('plan whose conv geometry has pads = 3 instead of a list (was TypeError: g.pads.every is not a function)', () => {
    const p = structuredClone(planBases[1].plan) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    p.layers[0].geometry.pads = 3;
    expectCode('CIM4002', () => { executeBatch(executableFromPlan(openPlan(p, 'r.json')), planBases[1].x); });
  });
  it('plan whose MaxPool pads are [0,0,0,2^31] (was RangeError: invalid typed array length)', () => {
    const p = structuredClone(planBases[1].plan) as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    const pool = p.schedule.find((s: { opType: string }) => s.opType === 'MaxPool');
    pool.attrs.pads = [0, 0, 0, 2 ** 31];
    expectCode('CIM4005', () => { executeBatch(executableFromPlan(openPlan(p, 'r.json')), planBases[1].x); });
  });
  it('plan declaring an output shape the steps do not produce (silently wrong output)', () => {
    const p = tiny();
    p.outputs[0].shape = [1, 4];
    expectCode('CIM4005', () => run(p));
  });
});
