/**
 * The pass manager enforces the pass contract: verify-each (CIM2010 input edited, CIM2011 invalid
 * output, CIM2012 a wrong "no change"), declared facts (CIM2013 at registration), and the target
 * requirement checked from `requiresTarget` (CIM2000). Every broken pass here is also run with
 * verify-each off, to show that the check, not the pass, finds the problem.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CimcError, DiagnosticSink, formatDiagnostic } from '../../base/diagnostics.js';
import { Graph, type Attr, type Node, type ValueType } from '../../compiler/ir/ir.js';
import { fingerprintDifference, fingerprintGraph } from '../../compiler/ir/fingerprint.js';
import { definePass, type Pass, type PassContext, type PassResult } from '../../compiler/pass-manager/pass.js';
import { runPasses, verifyEachByDefault, type RunPipelineOptions } from '../../compiler/pass-manager/run-passes.js';
import { builtinFacts } from '../../compiler/pass-manager/facts.js';
import { unusedFacts } from '../../compiler/pass-manager/fact-registry.js';
import { createCompiler } from '../../compiler/driver/create-compiler.js';
import { builtinPasses } from '../../passes/index.js';
import { selectCim } from '../../passes/select-cim.js';
import { legalizeCim } from '../../passes/legalize-cim.js';
import { quantizeWeights } from '../../passes/quantize-weights.js';
import { place } from '../../passes/place.js';
import { inferShapes } from '../../passes/infer-shapes.js';
import type { TargetSpec } from '../../targets/target.js';
import { convGraph, gemmGraph } from '../helpers/ir-builders.js';
import { cliPath, fixture, repoRoot, tempDir } from '../helpers/cli.js';

const seed: TargetSpec = {
  name: 'seed', array: { rows: 128, cols: 128, cellBits: 2 }, weightBits: 4, activationBits: 4, dacBits: 4,
  adc: { bits: 4 }, encoding: 'differential',
};

const context = (target?: TargetSpec): PassContext => ({ target, options: {}, diagnostics: new DiagnosticSink(), stats: new Map() });

/** A plugin-style pass that runs `body` on its input and returns `result` of it (default: an edited copy). */
function testPass(name: string, body: (graph: Graph) => PassResult | void, extra: Partial<Pass> = {}): Pass {
  return definePass({
    name, summary: `test pass ${name}`, requires: [], provides: [], ...extra,
    run: (graph) => body(graph) ?? { graph: graph.with({}), changed: true },
  });
}

/** Runs the passes and returns the CimcError they throw (or undefined). */
function errorOf(passes: readonly Pass[], graph: Graph, options: RunPipelineOptions = {}, ctx: PassContext = context(seed)): CimcError | undefined {
  try {
    runPasses(passes, graph, ctx, { verifyEach: true, ...options });
  } catch (e) {
    if (e instanceof CimcError) return e;
    throw e;
  }
  return undefined;
}

describe('verify-each: a pass must not edit its input (CIM2010)', () => {
  const edits: [string, (g: Graph) => void, RegExp][] = [
    ['pushes onto node.inputs', (g) => { (g.nodes[0].inputs as string[]).push('x'); }, /node 'fc'/],
    ['edits a constant\'s data', (g) => { (g.constants.get('B')!.data as Float32Array)[3] += 1; }, /constant 'B'/],
    ['replaces an attribute', (g) => { (g.nodes[0].attrs as Record<string, Attr>).transB = { kind: 'int', value: 0 }; }, /node 'fc'/],
    ['adds an annotation to a node', (g) => { (g.nodes[0] as { annotations?: object }).annotations = { replicas: 2 }; }, /node 'fc'/],
    ['changes a value type', (g) => { (g.values as Map<string, ValueType>).set('y', { dtype: 'float32', shape: [9, 9] }); }, /graph\.values/],
    ['adds a node to the list', (g) => { (g.nodes as Node[]).push({ name: 'extra', opType: 'Relu', domain: '', inputs: ['y'], outputs: ['z'], attrs: {} }); }, /node list/],
    ['edits the graph annotations', (g) => { (g.annotations as Record<string, unknown>).modelSha256 = 'x'; }, /graph annotations/],
  ];

  for (const [what, edit, where] of edits) {
    it(`finds a pass that ${what}`, () => {
      const mutating = testPass('mutating', (g) => { edit(g); });
      const e = errorOf([mutating], gemmGraph(2, 8, 4, { transB: true }));
      expect(e?.code).toBe('CIM2010');
      expect(e?.diagnostic.pass).toBe('mutating');
      expect(e?.message).toMatch(/^pass 'mutating' modified its input graph/);
      expect(e?.message).toMatch(where);
      // The same pass goes unnoticed without the check.
      expect(errorOf([mutating], gemmGraph(2, 8, 4, { transB: true }), { verifyEach: false })).toBeUndefined();
    });
  }

  it('finds an in-place edit deep in an annotation another pass attached', () => {
    const flip = testPass('flip-selection', (g) => {
      const cim = g.nodes.find((n) => n.opType === 'Conv')!.annotations!.cim!;
      (cim.selection as { selected: boolean }).selected = false;
    }, { requires: ['cim-selected'] });
    const e = errorOf([selectCim, flip], convGraph({ cin: 4, cout: 4, k: 3 }), { initialFacts: ['shapes'] });
    expect(e?.code).toBe('CIM2010');
    expect(formatDiagnostic(e!.diagnostic)).toMatch(/^error CIM2010 \[flip-selection\]: pass 'flip-selection' modified its input graph \(node 'conv'\)/);
  });

  it('accepts passes that build new graphs, in a whole CIM pipeline', () => {
    const ctx = context(seed);
    const r = runPasses([selectCim, legalizeCim, quantizeWeights, place], convGraph({ cin: 8, cout: 16, k: 3, bias: true }), ctx, { initialFacts: ['shapes'], verifyEach: true });
    expect(r.timings.map((t) => t.changed)).toEqual([true, true, true, true]);
  });
});

describe('verify-each: a pass must leave a valid graph (CIM2011)', () => {
  it('finds a dangling input', () => {
    const dangling = testPass('dangling', (g) => ({
      graph: g.with({ nodes: g.nodes.map((n) => ({ ...n, inputs: ['nowhere', ...n.inputs.slice(1)] })) }), changed: true,
    }));
    const e = errorOf([dangling], gemmGraph(2, 8, 4));
    expect(e?.code).toBe('CIM2011');
    expect(e?.diagnostic).toMatchObject({ pass: 'dangling', node: 'fc', opType: 'Gemm' });
    expect(e?.message).toMatch(/^pass 'dangling' left an invalid graph: input 'nowhere' is not produced/);
    expect(errorOf([dangling], gemmGraph(2, 8, 4), { verifyEach: false })).toBeUndefined();
  });

  it('finds a value produced twice and a cycle', () => {
    const twice = testPass('twice', (g) => ({ graph: g.with({ nodes: [...g.nodes, { ...g.nodes[0], name: 'fc2' }] }), changed: true }));
    expect(errorOf([twice], gemmGraph(2, 8, 4))?.message).toMatch(/left an invalid graph: value 'y' is produced twice/);
    const loop = testPass('loop', (g) => ({
      graph: g.with({ nodes: [
        { name: 'a', opType: 'Relu', domain: '', inputs: ['b_out'], outputs: ['a_out'], attrs: {} },
        { name: 'b', opType: 'Relu', domain: '', inputs: ['a_out'], outputs: ['b_out'], attrs: {} },
        ...g.nodes,
      ] }), changed: true,
    }));
    const e = errorOf([loop], gemmGraph(2, 8, 4));
    expect(e?.code).toBe('CIM2011');
    expect(e?.message).toMatch(/left an invalid graph: graph has a cycle through a -> b|left an invalid graph: graph has a cycle through b -> a/);
  });

  it('finds nodes out of topological order (the IR keeps them in order; canonicalize relies on it)', () => {
    const relu: Node = { name: 'relu', opType: 'Relu', domain: '', inputs: ['y'], outputs: ['z'], attrs: {} };
    const reorder = testPass('reorder', (g) => ({ graph: g.with({ nodes: [relu, ...g.nodes], outputs: ['z'] }), changed: true }));
    const e = errorOf([reorder], gemmGraph(2, 8, 4));
    expect(e?.code).toBe('CIM2011');
    expect(e?.message).toMatch(/node reads 'y' before the node that produces it/);
    expect(e?.diagnostic.node).toBe('relu');
    expect(errorOf([reorder], gemmGraph(2, 8, 4), { verifyEach: false })).toBeUndefined();
  });

  it("finds an untyped value once a pass of the run has provided 'shapes', not before", () => {
    const relu: Node = { name: 'relu', opType: 'Relu', domain: '', inputs: ['y'], outputs: ['z'], attrs: {} };
    const addRelu = testPass('add-relu', (g) => ({ graph: g.with({ nodes: [...g.nodes, relu], outputs: ['z'] }), changed: true }));
    const e = errorOf([inferShapes, addRelu], gemmGraph(2, 8, 4), { initialFacts: ['imported'] });
    expect(e?.code).toBe('CIM2011');
    expect(e?.message).toMatch(/value 'z' of node 'relu' has no static type.*\(fact 'shapes'\)/);
    // Asserted by the caller (initialFacts), the fact is taken on trust.
    expect(errorOf([addRelu], gemmGraph(2, 8, 4), { initialFacts: ['shapes'] })).toBeUndefined();
  });
});

describe('verify-each: changed: false must be true (CIM2012)', () => {
  it('finds a pass that changes the graph and reports no change', () => {
    const liar = testPass('liar', (g) => ({ graph: g.with({ outputs: ['x'] }), changed: false }));
    const e = errorOf([liar], gemmGraph(2, 8, 4));
    expect(e?.code).toBe('CIM2012');
    expect(e?.message).toBe("pass 'liar' reported no change but returned a different graph (the graph name, opset, inputs or outputs)");
    expect(errorOf([liar], gemmGraph(2, 8, 4), { verifyEach: false })).toBeUndefined();
  });

  it('accepts the same graph or an equal copy', () => {
    const same = testPass('same', (g) => ({ graph: g, changed: false }));
    const copy = testPass('copy', (g) => ({ graph: g.with({ nodes: g.nodes.map((n) => ({ ...n, inputs: [...n.inputs] })), values: new Map(g.values) }), changed: false }));
    expect(errorOf([same, copy, same], gemmGraph(2, 8, 4))).toBeUndefined();
  });
});

describe('honest changed', () => {
  it('select-cim reports no change when every node already has the same selection', () => {
    const ctx = context(seed);
    const once = runPasses([selectCim], convGraph({ cin: 4, cout: 4, k: 3 }), ctx, { initialFacts: ['shapes'] });
    const twice = runPasses([selectCim], once.graph, ctx, { initialFacts: ['shapes'] });
    expect(once.timings[0].changed).toBe(true);
    expect(twice.timings[0].changed).toBe(false);
    // A different choice is a change.
    const kept = runPasses([selectCim], once.graph, { ...ctx, options: { keepDigital: ['conv'] } }, { initialFacts: ['shapes'] });
    expect(kept.timings[0].changed).toBe(true);
  });

  it('infer-shapes reports no change when every value already has its type', () => {
    const ctx = context();
    const g = gemmGraph(2, 8, 4);
    // As imported: only the input is typed.
    const imported = g.with({ values: new Map([['x', g.values.get('x')!]]) });
    const once = runPasses([inferShapes], imported, ctx, { initialFacts: ['imported'] });
    const twice = runPasses([inferShapes], once.graph, ctx, { initialFacts: ['imported'] });
    expect(once.timings[0].changed).toBe(true);
    expect(twice.timings[0].changed).toBe(false);
  });

  it('place reports no change when every array already has its id', () => {
    const r = runPasses([selectCim, legalizeCim, quantizeWeights, place, place], gemmGraph(2, 8, 4), context(seed), { initialFacts: ['shapes'] });
    expect(r.timings.map((t) => t.changed)).toEqual([true, true, true, true, false]);
  });
});

describe('requiresTarget', () => {
  it('stops before running a pass that requires a target, with the error the passes used to throw', () => {
    let ran = false;
    const needs = testPass('needs-target', () => { ran = true; }, { requiresTarget: true });
    const e = errorOf([needs], gemmGraph(2, 8, 4), {}, context());
    expect(ran).toBe(false);
    expect(e?.code).toBe('CIM2000');
    expect(formatDiagnostic(e!.diagnostic)).toBe('error CIM2000 [needs-target]: needs-target needs a target (--target)');
    expect(errorOf([needs], gemmGraph(2, 8, 4), {}, context(seed))).toBeUndefined();
    expect(ran).toBe(true);
  });

  it('legalize-cim, quantize-weights, replicate and emit-plan declare it; no hand-written check is left', () => {
    const declared = builtinPasses.filter((p) => p.requiresTarget).map((p) => p.name);
    expect(declared).toEqual(['legalize-cim', 'quantize-weights', 'replicate', 'emit-plan']);
    const e = errorOf([selectCim, legalizeCim], gemmGraph(2, 8, 4), { initialFacts: ['shapes'] }, context());
    expect(formatDiagnostic(e!.diagnostic)).toBe('error CIM2000 [legalize-cim]: legalize-cim needs a target (--target)');
    for (const file of ['legalize-cim', 'quantize-weights', 'replicate', 'emit-plan']) {
      expect(fs.readFileSync(path.join(repoRoot, 'passes', `${file}.ts`), 'utf8')).not.toMatch(/if \(!ctx\.target\)|needs a target/);
    }
  });
});

describe('facts are declared', () => {
  const plugin = (passes: Pass[], extra: object = {}) => ({ name: 'p', passes, ...extra });

  it('refuses a pass that requires a fact no registered pass provides, naming the pass and the fact', () => {
    const typo = testPass('typo', () => undefined, { requires: ['cim-palced'] });
    let error: unknown;
    try { createCompiler({ plugins: [plugin([typo])] }); } catch (e) { error = e; }
    expect(error).toBeInstanceOf(CimcError);
    expect((error as CimcError).code).toBe('CIM2013');
    expect((error as CimcError).message).toMatch(/^pass 'typo' \(from p\) requires fact 'cim-palced', which no registered pass provides/);
    // Declaring the fact is not enough: some pass must provide it.
    expect(() => createCompiler({ plugins: [plugin([typo], { facts: [{ name: 'cim-palced', summary: 's' }] })] })).toThrow(/no registered pass provides/);
  });

  it("accepts a plugin's own facts, declared or just provided, and a built-in fact it provides", () => {
    const a = testPass('a', () => undefined, { provides: ['p-ready'] });
    const b = testPass('b', () => undefined, { requires: ['p-ready', 'p-other'], provides: ['p-other', 'cim-placed'] });
    const compiler = createCompiler({ plugins: [plugin([a, b], { facts: [{ name: 'p-ready', summary: 'ready' }] })] });
    expect(compiler.facts.get('p-ready')).toMatchObject({ declaredBy: 'p', summary: 'ready', providedBy: ['a'], requiredBy: ['b'] });
    expect(compiler.facts.get('p-other')).toMatchObject({ declaredBy: 'p', summary: '', providedBy: ['b'] });
    expect(compiler.facts.get('cim-placed')).toMatchObject({ declaredBy: 'builtin', providedBy: ['place', 'b'] });
  });

  it('refuses a plugin that declares a built-in fact again', () => {
    expect(() => createCompiler({ plugins: [plugin([], { facts: [{ name: 'shapes', summary: 'mine' }] })] })).toThrow(/declares fact 'shapes', which is built in/);
  });

  it('the table says which built-in pass provides each fact, and the passes name only those', () => {
    const compiler = createCompiler();
    for (const f of builtinFacts) expect(compiler.facts.get(f.name)?.providedBy, f.name).toEqual(f.providedBy);
    expect([...compiler.facts.keys()]).toEqual(builtinFacts.map((f) => f.name));
    // Provided and never required (plan is the result): what `cimc passes` points out.
    expect(unusedFacts(compiler.facts).map((f) => f.name)).toEqual(['qdq-imported', 'canonical']);
  });
});

describe('verify-each is on in the tests and off elsewhere', () => {
  it('is the default under vitest (CIMC_VERIFY_EACH=1 in vitest.config.ts)', () => {
    expect(verifyEachByDefault()).toBe(true);
    const mutating = testPass('mutating', (g) => { (g.nodes[0].inputs as string[]).push('x'); });
    expect(() => runPasses([mutating], gemmGraph(2, 8, 4), context())).toThrow(/modified its input graph/);
  });

  it('the CLI checks with --verify-each, and only then', () => {
    const dir = tempDir();
    try {
      const file = path.join(dir, 'mutating-plugin.js');
      fs.writeFileSync(file, `export default { name: 'mutating', passes: [{ name: 'mutate', summary: 'edits its input', requires: ['cim-selected'], provides: [],
        run(graph) { graph.nodes[0].inputs.push(graph.nodes[0].inputs[0]); return { graph: graph.with({}), changed: true }; } }],
        insert: [{ pass: 'mutate', after: 'select-cim' }] };\n`);
      const env = { ...process.env };
      delete env.CIMC_VERIFY_EACH;
      const cli = (...args: string[]) => spawnSync(process.execPath, [cliPath, '--plugin', file, 'inspect', fixture('examples/models/mnist-cnn.onnx'), '--passes', 'import-onnx,infer-shapes,select-cim,mutate', ...args], { cwd: repoRoot, env, encoding: 'utf8' });
      expect(cli().status).toBe(0);
      const checked = cli('--verify-each');
      expect(checked.status).toBe(1);
      expect(checked.stderr).toMatch(/^error CIM2010 \[mutate\]: pass 'mutate' modified its input graph \(node '/m);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('graph fingerprints', () => {
  it('are equal for an equal copy and name the first part that differs', () => {
    const g = convGraph({ cin: 4, cout: 4, k: 3, bias: true });
    const copy = g.with({ nodes: g.nodes.map((n) => ({ ...n, attrs: { ...n.attrs } })), constants: new Map([...g.constants].map(([k, t]) => [k, { ...t, data: Float32Array.from(t.data as Float32Array) }])) });
    expect(fingerprintDifference(fingerprintGraph(g), fingerprintGraph(copy))).toBeUndefined();
    const w = g.constants.get('W')!;
    const edited = g.with({ constants: new Map([...g.constants, ['W', { ...w, data: Float32Array.from(w.data as Float32Array, (x, i) => (i === 7 ? x + 1e-6 : x)) }]]) });
    expect(fingerprintDifference(fingerprintGraph(g), fingerprintGraph(edited))).toBe("constant 'W'");
    const negZero = g.with({ nodes: g.nodes.map((n) => ({ ...n, attrs: { ...n.attrs, alpha: { kind: 'float', value: -0 } } })) });
    const posZero = g.with({ nodes: g.nodes.map((n) => ({ ...n, attrs: { ...n.attrs, alpha: { kind: 'float', value: 0 } } })) });
    expect(fingerprintDifference(fingerprintGraph(negZero), fingerprintGraph(posZero))).toBe("node 'conv'");
  });
});
