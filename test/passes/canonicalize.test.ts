/** canonicalize: pass-through removal, constant folding, If inlining, dead code, diagnostics. */
import { describe, expect, it } from 'vitest';
import { validateGraph } from '../../compiler/ir/dataflow.js';
import { printGraph } from '../../compiler/ir/printer.js';
import { CimcError, DiagnosticSink } from '../../base/diagnostics.js';
import type { Graph, Node } from '../../compiler/ir/ir.js';
import { runPasses } from '../../compiler/pass-manager/run-passes.js';
import type { PassContext } from '../../compiler/pass-manager/pass.js';
import { createCompiler } from '../../compiler/driver/create-compiler.js';
import { emptyGraph } from '../../compiler/driver/run-model.js';
import { canonicalize, canonicalizeGraph } from '../../passes/canonicalize.js';
import { bool, buildGraph, f32, i64, node, scalarI64 } from '../helpers/const-eval-builders.js';

const f32x = (...shape: (number | string)[]) => ({ dtype: 'float32' as const, shape });

function context(options: Record<string, unknown> = {}): PassContext {
  return { options, diagnostics: new DiagnosticSink(), stats: new Map() };
}

function run(g: Graph, ctx = context()): { graph: Graph; changed: boolean; ctx: PassContext } {
  validateGraph(g);
  const r = canonicalize.run(g, ctx);
  validateGraph(r.graph);
  return { ...r, ctx };
}

const ops = (g: Graph): string[] => g.nodes.map((n) => n.opType);
const wiring = (g: Graph): string[] => g.nodes.map((n) => `${n.outputs.join(',')}=${n.opType}(${n.inputs.join(',')})`);

function expectCimc(f: () => unknown, code: string, node?: string, opType?: string): CimcError {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(CimcError);
    const err = e as CimcError;
    expect(err.code).toBe(code);
    if (node) expect(err.diagnostic.node).toBe(node);
    if (opType) expect(err.diagnostic.opType).toBe(opType);
    return err;
  }
  throw new Error('expected a CimcError');
}

describe('Identity and Dropout removal', () => {
  it('rewires consumers past an Identity', () => {
    const g = buildGraph({
      inputs: [['x', f32x(1, 4)]], outputs: ['c'],
      nodes: [node('Relu', ['x'], ['a']), node('Identity', ['a'], ['b']), node('Relu', ['b'], ['c'])],
    });
    const r = run(g);
    expect(r.changed).toBe(true);
    expect(wiring(r.graph)).toEqual(['a=Relu(x)', 'c=Relu(a)']);
    expect(r.ctx.stats.get('canonicalize.passThrough')).toBe(1);
  });

  it('keeps a graph output name by renaming the producer (chains too)', () => {
    const g = buildGraph({
      inputs: [['x', f32x(1, 4)]], outputs: [['y', f32x(1, 4)]],
      nodes: [node('Relu', ['x'], ['a']), node('Sigmoid', ['a'], ['s']), node('Identity', ['a'], ['b']), node('Identity', ['b'], ['y']), node('Add', ['s', 'y'], ['z'])],
    });
    const r = run(g);
    expect(r.graph.outputs).toEqual(['y']);
    // The Add is dead (z is not an output); the Sigmoid goes with it.
    expect(wiring(r.graph)).toEqual(['y=Relu(x)']);
    expect(r.graph.typeOf('y')).toEqual(f32x(1, 4));
  });

  it('renames the producer for consumers that come before the Identity', () => {
    const g = buildGraph({
      inputs: [['x', f32x(4)]], outputs: ['y', 'z'],
      nodes: [node('Relu', ['x'], ['a']), node('Neg', ['a'], ['z']), node('Identity', ['a'], ['y'])],
    });
    expect(wiring(run(g).graph)).toEqual(['y=Relu(x)', 'z=Neg(y)']);
  });

  it('keeps an Identity from a graph input or from another graph output', () => {
    const g = buildGraph({
      inputs: [['x', f32x(4)]], outputs: ['y', 'a', 'b', 'c'],
      nodes: [node('Identity', ['x'], ['y']), node('Relu', ['x'], ['a']), node('Identity', ['a'], ['b']), node('Identity', ['a'], ['t']), node('Identity', ['t'], ['c'])],
    });
    expect(wiring(run(g).graph)).toEqual(['y=Identity(x)', 'a=Relu(x)', 'b=Identity(a)', 'c=Identity(a)']);
  });

  it('two graph outputs copying one value: the first takes over the producer, the second stays an Identity', () => {
    const g = buildGraph({
      inputs: [['x', f32x(4)]], outputs: ['y1', 'y2'],
      nodes: [node('Relu', ['x'], ['a']), node('Identity', ['a'], ['y1']), node('Identity', ['a'], ['y2'])],
    });
    expect(wiring(run(g).graph)).toEqual(['y1=Relu(x)', 'y2=Identity(y1)']);
  });

  it('an Identity of a constant that is a graph output becomes a constant of that name', () => {
    const g = buildGraph({ outputs: ['y'], constants: { k: f32([1, 2]) }, nodes: [node('Identity', ['k'], ['y'])] });
    const r = run(g);
    expect(r.graph.nodes).toEqual([]);
    expect([...r.graph.constants.keys()]).toEqual(['y']);
  });

  it('removes inference Dropout (mask unused, training_mode absent or constant false)', () => {
    const g = buildGraph({
      opset: 13, inputs: [['x', f32x(4)]], outputs: ['c'], constants: { ratio: f32([0.5], []), train: bool([false], []) },
      nodes: [node('Relu', ['x'], ['a']), node('Dropout', ['a', 'ratio', 'train'], ['b', 'mask']), node('Dropout', ['b'], ['b2']), node('Relu', ['b2'], ['c'])],
    });
    const r = run(g);
    expect(wiring(r.graph)).toEqual(['a=Relu(x)', 'c=Relu(a)']);
    expect(r.graph.constants.size).toBe(0);
  });

  it('a Dropout of a graph input feeding a graph output becomes an Identity', () => {
    const g = buildGraph({ opset: 11, inputs: [['x', f32x(4)]], outputs: ['y'], nodes: [node('Dropout', ['x'], ['y'], { ratio: { kind: 'float', value: 0.1 } }, 'drop')] });
    const r = run(g);
    expect(r.changed).toBe(true);
    expect(wiring(r.graph)).toEqual(['y=Identity(x)']);
    expect(r.graph.nodes[0].name).toBe('drop');
  });

  it('errors when a Dropout mask is read, or training_mode is not a constant false', () => {
    const masked = buildGraph({
      inputs: [['x', f32x(4)]], outputs: ['y', 'm'],
      nodes: [node('Dropout', ['x'], ['y', 'm'], {}, 'drop1')],
    });
    const e = expectCimc(() => canonicalizeGraph(masked), 'CIM2004', 'drop1', 'Dropout');
    expect(e.message).toMatch(/mask output 'm' is read/);
    const training = buildGraph({
      inputs: [['x', f32x(4)], ['t', { dtype: 'bool', shape: [] }]], outputs: ['y'],
      nodes: [node('Dropout', ['x', '', 't'], ['y'], {}, 'drop2')],
    });
    expectCimc(() => canonicalizeGraph(training), 'CIM2004', 'drop2', 'Dropout');
  });
});

describe('constant folding', () => {
  /** The PyTorch `x.view(x.size(0), -1)` pattern. */
  function flattenPattern(xShape: (number | string)[]): Graph {
    return buildGraph({
      opset: 11, inputs: [['x', f32x(...xShape)]], outputs: ['y'],
      constants: { zero: scalarI64(0), minusOne: i64([-1]) },
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], { axis: 0 }),
        node('Unsqueeze', ['n'], ['n1'], { axes: [0] }),
        node('Concat', ['n1', 'minusOne'], ['shape'], { axis: 0 }),
        node('Reshape', ['x', 'shape'], ['y']),
      ],
    });
  }

  it('folds Shape→Gather→Unsqueeze→Concat when the input shape is static', () => {
    const r = run(flattenPattern([2, 3, 4, 4]));
    expect(wiring(r.graph)).toEqual(['y=Reshape(x,shape)']);
    expect(Array.from(r.graph.constants.get('shape')!.data as BigInt64Array)).toEqual([2n, -1n]);
    expect([...r.graph.constants.keys()]).toEqual(['shape']); // zero, minusOne were only read by folded nodes
    expect(r.ctx.stats.get('canonicalize.folded')).toBe(4);
  });

  it('leaves the pattern when the batch dimension is symbolic', () => {
    const g = flattenPattern(['N', 3, 4, 4]);
    const r = run(g);
    expect(r.changed).toBe(false);
    expect(r.graph).toBe(g);
  });

  it('folds Size of a static value and chains through Cast/Mul/Range/Expand', () => {
    const g = buildGraph({
      inputs: [['x', f32x(2, 3)]], outputs: ['y'],
      constants: { two: scalarI64(2), zero: scalarI64(0), one: scalarI64(1) },
      nodes: [
        node('Size', ['x'], ['n']),
        node('Mul', ['n', 'two'], ['n2']),
        node('Range', ['zero', 'n2', 'one'], ['r']),
        node('Cast', ['r'], ['rf'], { to: 1 }),
        node('Add', ['x', 'x'], ['xx']),
        node('Reshape', ['rf', 'shape'], ['rr']),
        node('Mul', ['rr', 'xx'], ['y']),
      ],
      values: {},
    });
    const withShape = g.with({ constants: new Map([...g.constants, ['shape', i64([2, 6])]]) });
    const r = run(withShape);
    expect(wiring(r.graph)).toEqual(['xx=Add(x,x)', 'y=Mul(rr,xx)']);
    expect(Array.from(r.graph.constants.get('rr')!.data as Float32Array)).toEqual(Array.from({ length: 12 }, (_, i) => i));
  });

  it('folds Shape with start/end (opset 15) of a static graph input', () => {
    const g = buildGraph({
      opset: 15, inputs: [['x', f32x(1, 3, 8, 8)]], outputs: ['y'],
      nodes: [node('Shape', ['x'], ['hw'], { start: -2 }), node('Reshape', ['x', 'shape'], ['y'])],
      constants: { shape: i64([1, -1]) },
    });
    const r = run(g.with({ nodes: [...g.nodes, node('Cast', ['hw'], ['unused'], { to: 1 })] }));
    expect(wiring(r.graph)).toEqual(['y=Reshape(x,shape)']);
  });

  it('leaves a result above foldMaxElements and notes why', () => {
    const g = buildGraph({
      outputs: ['y'], constants: { shape: i64([100, 100]) },
      nodes: [node('ConstantOfShape', ['shape'], ['y'], {}, 'big')],
    });
    const r = run(g, context({ foldMaxElements: 1000 }));
    expect(ops(r.graph)).toEqual(['ConstantOfShape']);
    const note = r.ctx.diagnostics.items[0];
    expect(note).toMatchObject({ code: 'CIM2004', severity: 'note', node: 'big', opType: 'ConstantOfShape', pass: 'canonicalize' });
    expect(note.message).toMatch(/10000 elements/);
    expect(ops(run(g).graph)).toEqual([]); // default limit 1e7
  });

  it('a malformed constant is CIM2004 naming the node, and the pass manager adds the pass', () => {
    const g = buildGraph({
      outputs: ['y'], constants: { data: i64([1, 2, 3]), idx: i64([3]) },
      nodes: [node('Gather', ['data', 'idx'], ['y'], {}, 'bad_gather')],
    });
    const e = expectCimc(() => canonicalizeGraph(g), 'CIM2004', 'bad_gather', 'Gather');
    expect(e.message).toMatch(/index 3 is out of range/);
    const ctx = context();
    expect(() => runPasses([canonicalize], g, ctx, { initialFacts: ['imported'] })).toThrow(CimcError);
    try {
      runPasses([canonicalize], g, ctx, { initialFacts: ['imported'] });
    } catch (err) {
      expect((err as CimcError).diagnostic.pass).toBe('canonicalize');
    }
  });

  it('does not fold ops from other domains or ops without an evaluator', () => {
    const g = buildGraph({
      outputs: ['a', 'b'], constants: { k: f32([1, 2]) },
      nodes: [{ ...node('Add', ['k', 'k'], ['a']), domain: 'com.example' }, node('Relu', ['k'], ['b'])],
    });
    expect(ops(run(g).graph)).toEqual(['Add', 'Relu']);
  });
});

describe('If with a constant condition', () => {
  function ifGraph(cond: boolean | 'input'): Graph {
    // then: t = x + one (the branch's constant 'one' clashes with the main graph's 'one')
    const thenBranch = buildGraph({
      outputs: ['t'], constants: { one: f32([1]) }, outerScope: ['x', 'one'],
      nodes: [node('Add', ['x', 'one'], ['t'], {}, 'then_add'), node('Identity', ['t'], ['unused_local'])],
    });
    // else: e = x * x, through an Identity
    const elseBranch = buildGraph({
      outputs: ['e2'], outerScope: ['x', 'one'],
      nodes: [node('Mul', ['x', 'x'], ['e'], {}, 'else_mul'), node('Identity', ['e'], ['e2'])],
    });
    return buildGraph({
      inputs: cond === 'input' ? [['x', f32x(3)], ['c', { dtype: 'bool', shape: [] }]] : [['x', f32x(3)]],
      outputs: ['y', 'z'],
      constants: { ...(cond === 'input' ? {} : { c: bool([cond], []) }), one: f32([10]) },
      nodes: [
        node('If', ['c'], ['r'], { then_branch: thenBranch, else_branch: elseBranch }, 'the_if'),
        node('Relu', ['r'], ['y']),
        node('Add', ['x', 'one'], ['z']),
      ],
    });
  }

  it('inlines the then branch, renaming clashing branch names', () => {
    const r = run(ifGraph(true));
    expect(r.ctx.stats.get('canonicalize.inlinedIf')).toBe(1);
    expect(wiring(r.graph)).toEqual(['t=Add(x,the_if/one)', 'y=Relu(t)', 'z=Add(x,one)']);
    expect(Array.from(r.graph.constants.get('the_if/one')!.data as Float32Array)).toEqual([1]);
    expect(Array.from(r.graph.constants.get('one')!.data as Float32Array)).toEqual([10]);
    expect(r.graph.nodes[0].origin).toEqual(['the_if', 'then_add']);
  });

  it('inlines the else branch', () => {
    const r = run(ifGraph(false));
    expect(wiring(r.graph)).toEqual(['e=Mul(x,x)', 'y=Relu(e)', 'z=Add(x,one)']);
  });

  it('an If output that is a graph output keeps its name', () => {
    const g = ifGraph(false);
    const direct = g.with({ outputs: ['r'], nodes: [g.nodes[0]] });
    expect(wiring(run(direct).graph)).toEqual(['r=Mul(x,x)']);
  });

  it('keeps an If whose condition is not constant, rewriting names its branches read', () => {
    const g = ifGraph('input');
    const withAlias = g.with({
      nodes: [node('Identity', ['x'], ['x_alias']), ...g.nodes.map((n): Node => (n.opType === 'If' ? renameBranchInput(n, 'x', 'x_alias') : n))],
    });
    const r = run(withAlias);
    const ifNode = r.graph.nodes.find((n) => n.opType === 'If')!;
    expect(ifNode).toBeDefined();
    const thenGraph = (ifNode.attrs.then_branch as { kind: 'graph'; value: Graph }).value;
    expect(thenGraph.nodes[0].inputs).toEqual(['x', 'one']);
    expect(ops(r.graph)).toEqual(['If', 'Relu', 'Add']);
    // 'one' is read only inside the branch (then_add reads the branch's own 'one'), the main Add reads it: kept.
    expect(r.graph.constants.has('one')).toBe(true);
  });

  it('a condition with several elements is CIM2004', () => {
    const g = ifGraph(true);
    const bad = g.with({ constants: new Map([...g.constants, ['c', bool([true, false])]]) });
    expectCimc(() => canonicalizeGraph(bad), 'CIM2004', 'the_if', 'If');
  });
});

function renameBranchInput(n: Node, from: string, to: string): Node {
  const attrs = { ...n.attrs };
  for (const key of ['then_branch', 'else_branch']) {
    const a = attrs[key];
    if (a?.kind !== 'graph') continue;
    const g = a.value;
    attrs[key] = {
      kind: 'graph',
      value: g.with({ nodes: g.nodes.map((m) => ({ ...m, inputs: m.inputs.map((i) => (i === from ? to : i)) })), outerScope: new Set([...g.outerScope, to]) }),
    };
  }
  return { ...n, attrs };
}

describe('dead code', () => {
  it('drops nodes nobody reads and unused constants, keeps values read only by subgraphs', () => {
    const branch = buildGraph({ outputs: ['o'], outerScope: ['w'], nodes: [node('Neg', ['w'], ['o'])] });
    const g = buildGraph({
      inputs: [['x', f32x(3)], ['c', { dtype: 'bool', shape: [] }]], outputs: ['y'],
      constants: { unused: f32([1]), w0: f32([2]) },
      nodes: [
        node('Relu', ['x'], ['dead1']), node('Neg', ['dead1'], ['dead2']),
        node('Add', ['x', 'w0'], ['w']),
        node('If', ['c'], ['y'], { then_branch: branch, else_branch: branch }),
      ],
    });
    const r = run(g);
    expect(ops(r.graph)).toEqual(['Add', 'If']);
    expect([...r.graph.constants.keys()]).toEqual(['w0']);
    expect(r.ctx.stats.get('canonicalize.deadNodes')).toBe(2);
    expect(r.ctx.stats.get('canonicalize.deadConstants')).toBe(1);
  });

  it('reports no change and returns the same graph when there is nothing to do', () => {
    const g = buildGraph({ inputs: [['x', f32x(3)]], outputs: ['y'], constants: { k: f32([1]) }, nodes: [node('Add', ['x', 'k'], ['y'])] });
    const r = run(g);
    expect(r.changed).toBe(false);
    expect(r.graph).toBe(g);
  });
});

describe('changed and the input graph', () => {
  /** Printed IR plus every constant's full data (printGraph shows only the first elements). */
  const snapshot = (g: Graph): string => printGraph(g)
    + JSON.stringify([...g.constants].map(([name, t]) => [name, t.dtype, t.shape, Array.from(t.data, String)]))
    + JSON.stringify([...g.values]);

  it('reports changed: false and returns the input when no rule applies', () => {
    // An Identity from a graph input to a graph output must stay; the If condition is not
    // constant; Shape of a symbolic shape cannot fold; every node and constant is read.
    const branch = buildGraph({ outputs: ['o'], outerScope: ['x'], nodes: [node('Neg', ['x'], ['o'])] });
    const g = buildGraph({
      inputs: [['x', f32x('N', 3)], ['c', { dtype: 'bool', shape: [] }]], outputs: ['y', 'i', 's', 'z'],
      constants: { k: f32([1, 2, 3]) },
      nodes: [
        node('Identity', ['x'], ['y']),
        node('If', ['c'], ['i'], { then_branch: branch, else_branch: branch }),
        node('Shape', ['x'], ['s']),
        node('Add', ['x', 'k'], ['z']),
      ],
    });
    const before = snapshot(g);
    const r = run(g);
    expect(r.changed).toBe(false);
    expect(r.graph).toBe(g);
    expect(snapshot(g)).toBe(before);
    for (const key of ['passThrough', 'folded', 'inlinedIf', 'deadNodes', 'deadConstants']) expect(r.ctx.stats.get(`canonicalize.${key}`), key).toBe(0);
  });

  it('reports changed: true when it removes an Identity, and leaves the input graph as it was', () => {
    const g = buildGraph({
      inputs: [['x', f32x(1, 4)]], outputs: ['c'],
      nodes: [node('Relu', ['x'], ['a']), node('Identity', ['a'], ['b']), node('Relu', ['b'], ['c'])],
    });
    const before = snapshot(g);
    const nodes = g.nodes;
    const r = run(g);
    expect(r.changed).toBe(true);
    expect(r.graph).not.toBe(g);
    expect(wiring(r.graph)).toEqual(['a=Relu(x)', 'c=Relu(a)']);
    expect(snapshot(g)).toBe(before);
    expect(g.nodes).toBe(nodes);
  });

  it('leaves the input graph as it was when every rule fires', () => {
    // Dropout turned Identity, an inlined If, folded Shape/Gather/Concat, dead nodes and constants.
    const branch = (k: number) => buildGraph({ outputs: ['b'], constants: { k: f32([k]) }, outerScope: ['x'], nodes: [node('Mul', ['x', 'k'], ['b'])] });
    const g = buildGraph({
      opset: 13, inputs: [['x', f32x(2, 3)]], outputs: ['y', 'p', 'd'],
      constants: { zero: scalarI64(0), minusOne: i64([-1]), flag: bool([true], []), unused: f32([1]) },
      nodes: [
        node('Shape', ['x'], ['s']),
        node('Gather', ['s', 'zero'], ['n'], { axis: 0 }),
        node('Unsqueeze', ['n'], ['n1'], { axes: [0] }),
        node('Concat', ['n1', 'minusOne'], ['shape'], { axis: 0 }),
        node('Reshape', ['x', 'shape'], ['y']),
        node('If', ['flag'], ['p'], { then_branch: branch(2), else_branch: branch(3) }, 'the_if'),
        node('Dropout', ['x'], ['d']),
        node('Relu', ['x'], ['dead']),
      ],
    });
    const before = snapshot(g);
    const r = run(g);
    expect(r.changed).toBe(true);
    expect(wiring(r.graph)).toEqual(['y=Reshape(x,shape)', 'p=Mul(x,k)', 'd=Identity(x)']);
    expect(snapshot(g)).toBe(before);
  });
});

describe('registration', () => {
  it('is a built-in pass that runs after import-onnx', () => {
    const compiler = createCompiler();
    const pass = compiler.getPass('canonicalize');
    expect(pass.requires).toEqual(['imported']);
    expect(pass.provides).toEqual(['canonical']);
    const ctx: PassContext = { ...context(), modelPath: 'test/fixtures/models/blazeface/face_detection_front_128x128_barracuda.onnx' };
    const r = runPasses([compiler.getPass('import-onnx'), pass], emptyGraph(), ctx);
    expect(r.facts.has('canonical')).toBe(true);
    validateGraph(r.graph);
  });
});
