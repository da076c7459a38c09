/**
 * plan/attrs.ts: the plan encoding of digital-step attributes (INT(S)/STRING(S) plain,
 * FLOAT `{float}`, FLOATS `{floats}`, TENSOR `{tensor}`), the legacy rule for plans written
 * before the float forms, CIM4002 for malformed attributes, and both engines on both encodings.
 */
import * as fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodePlanAttr, isLegacyFloatAttr, readPlanAttr, readStepAttrs, type PlanAttrSite, type TypedPlanAttr } from '../../plan/attrs.js';
import { openPlan, type LoadedPlan } from '../../plan/reader.js';
import type { DigitalStep, Plan, PlanAttr, TensorRef } from '../../plan/types.js';
import { execute, executableFromPlan } from '../../runtime/reference/executor.js';
import { OrtEngine } from '../../runtime/ort-engine/index.js';
import { makeTensor, toFloat32 } from '../../base/rt-tensor.js';
import { isCimcError } from '../../base/diagnostics.js';
import { fixture } from '../helpers/cli.js';

const site = (opType: string, name: string, domain?: string): PlanAttrSite => ({ opType, name, field: `/schedule/3/attrs/${name}`, ...(domain !== undefined ? { domain } : {}) });
const read = (a: unknown, opType = 'Foo', name = 'attr', domain?: string): TypedPlanAttr => readPlanAttr(a as PlanAttr, site(opType, name, domain));
const ref: TensorRef = { dtype: 'float32', shape: [1], base64: 'AACAPw==' };

/** The error readPlanAttr throws for a malformed attribute (fails the test if none). */
function malformed(a: unknown, name = 'alpha'): { code: string; field?: string; message: string } {
  try {
    readPlanAttr(a as PlanAttr, { ...site('LeakyRelu', name), file: 'p.json' });
  } catch (e) {
    if (!isCimcError(e)) throw e;
    return { code: e.code, field: e.diagnostic.field, message: e.message };
  }
  throw new Error(`${JSON.stringify(a)} was accepted`);
}

describe('readPlanAttr', () => {
  it('reads each form with its kind', () => {
    expect(read({ float: 1 })).toEqual({ kind: 'float', value: 1 });
    expect(read({ float: 0.5 })).toEqual({ kind: 'float', value: 0.5 });
    expect(read({ floats: [1, 2] })).toEqual({ kind: 'floats', value: [1, 2] });
    expect(read({ floats: [] })).toEqual({ kind: 'floats', value: [] });
    expect(read(3)).toEqual({ kind: 'int', value: 3 });
    expect(read(-1)).toEqual({ kind: 'int', value: -1 });
    expect(read([1, 2])).toEqual({ kind: 'ints', value: [1, 2] });
    expect(read([])).toEqual({ kind: 'ints', value: [] });
    expect(read('nearest')).toEqual({ kind: 'string', value: 'nearest' });
    expect(read(['a', 'b'])).toEqual({ kind: 'strings', value: ['a', 'b'] });
    expect(read({ tensor: ref })).toEqual({ kind: 'tensor', value: ref });
  });

  it('a tagged float is a FLOAT whatever its name; a plain number is an INT unless the legacy rule says float', () => {
    // Names no legacy table knows (Attention's softcap) keep their kind only through the tags.
    expect(read({ float: 2 }, 'Attention', 'softcap')).toEqual({ kind: 'float', value: 2 });
    expect(read({ floats: [1, 1] }, 'TfIdfVectorizer', 'weights')).toEqual({ kind: 'floats', value: [1, 1] });
    expect(read(2, 'Attention', 'softcap')).toEqual({ kind: 'int', value: 2 });
    expect(read({ float: 3 }, 'Gather', 'axis')).toEqual({ kind: 'float', value: 3 });
  });

  it('legacy rule: plain numbers named a float of the default domain, or not integral, are FLOAT(S)', () => {
    expect(read(1, 'LeakyRelu', 'alpha')).toEqual({ kind: 'float', value: 1 });
    expect(read(0, 'Clip', 'min')).toEqual({ kind: 'float', value: 0 });
    expect(read(6, 'Clip', 'max')).toEqual({ kind: 'float', value: 6 });
    expect(read(0, 'Pad', 'value')).toEqual({ kind: 'float', value: 0 });
    expect(read(1, 'LRN', 'bias')).toEqual({ kind: 'float', value: 1 });
    expect(read(0, 'BatchNormalization', 'epsilon', 'ai.onnx')).toEqual({ kind: 'float', value: 0 });
    expect(read([1, 1, 2, 2], 'Upsample', 'scales')).toEqual({ kind: 'floats', value: [1, 1, 2, 2] });
    expect(read([], 'Upsample', 'scales')).toEqual({ kind: 'floats', value: [] });
    expect(read(0.5, 'Foo', 'ratio_like')).toEqual({ kind: 'float', value: 0.5 });
    expect(read([1, 2.5], 'Foo', 'bar')).toEqual({ kind: 'floats', value: [1, 2.5] });
    // by op: 'min'/'bias'/'value' are floats only where the table says so
    expect(read(1, 'TopK', 'min')).toEqual({ kind: 'int', value: 1 });
    expect(read(0, 'Constant', 'value')).toEqual({ kind: 'int', value: 0 });
    // 'seed' is a FLOAT of RandomNormal & co. but an INT of Dropout (opset 12+)
    expect(read(3, 'RandomNormal', 'seed')).toEqual({ kind: 'float', value: 3 });
    expect(read(3, 'Dropout', 'seed')).toEqual({ kind: 'int', value: 3 });
    // the table is the default domain's; elsewhere only the value decides
    expect(read(1, 'LeakyRelu', 'alpha', 'com.example')).toEqual({ kind: 'int', value: 1 });
    expect(isLegacyFloatAttr('LeakyRelu', 'alpha')).toBe(true);
    expect(isLegacyFloatAttr('LeakyRelu', 'alpha', 'com.example')).toBe(false);
    expect(isLegacyFloatAttr('constructor', 'bias')).toBe(false);
  });

  it('a malformed attribute is CIM4002 naming the field', () => {
    const cases: unknown[] = [
      { float: 'x' }, { float: null }, { floats: [1, 'a'] }, { floats: 2 }, { float: 1, floats: [1] }, { value: 1 }, {},
      [1, 'a'], [null], null, true, Infinity, { tensor: 3 },
    ];
    for (const a of cases) {
      const e = malformed(a);
      expect(e.code).toBe('CIM4002');
      expect(e.field).toBe('/schedule/3/attrs/alpha');
      expect(e.message).toMatch(/^attribute 'alpha' of LeakyRelu: /);
    }
  });

  it('readStepAttrs reads every attribute of a step at /schedule/<index>/attrs/<name>', () => {
    const step = { opType: 'HardSigmoid', attrs: { alpha: { float: 1 }, beta: 0.5 } satisfies Record<string, PlanAttr> };
    expect(readStepAttrs(step, 7)).toEqual({ alpha: { kind: 'float', value: 1 }, beta: { kind: 'float', value: 0.5 } });
    try {
      readStepAttrs({ opType: 'Gather', attrs: { axis: [0, 'x'] as unknown as PlanAttr } }, 7, 'p.json');
      expect.unreachable();
    } catch (e) {
      expect(isCimcError(e) && e.diagnostic).toMatchObject({ code: 'CIM4002', field: '/schedule/7/attrs/axis', file: 'p.json' });
    }
  });
});

describe('encodePlanAttr', () => {
  it('INT and INTS stay plain JSON numbers, STRING(S) plain, FLOAT(S) tagged', () => {
    expect(JSON.stringify(encodePlanAttr({ kind: 'int', value: 3 }))).toBe('3');
    expect(JSON.stringify(encodePlanAttr({ kind: 'ints', value: [1, 2] }))).toBe('[1,2]');
    expect(JSON.stringify(encodePlanAttr({ kind: 'ints', value: [] }))).toBe('[]');
    expect(JSON.stringify(encodePlanAttr({ kind: 'string', value: 'a' }))).toBe('"a"');
    expect(JSON.stringify(encodePlanAttr({ kind: 'strings', value: ['a'] }))).toBe('["a"]');
    expect(JSON.stringify(encodePlanAttr({ kind: 'float', value: 1 }))).toBe('{"float":1}');
    expect(JSON.stringify(encodePlanAttr({ kind: 'float', value: 0.20000000298023224 }))).toBe('{"float":0.20000000298023224}');
    expect(JSON.stringify(encodePlanAttr({ kind: 'floats', value: [0, 6] }))).toBe('{"floats":[0,6]}');
    expect(encodePlanAttr({ kind: 'tensor', value: ref })).toEqual({ tensor: ref });
    const list = [1, 2];
    expect(encodePlanAttr({ kind: 'ints', value: list })).not.toBe(list);
  });

  it('from plan version 2 on, a plain number is an INT whatever its name', () => {
    const site = (planVersion: number): PlanAttrSite => ({ opType: 'LeakyRelu', name: 'alpha', field: '/schedule/0/attrs/alpha', planVersion });
    expect(readPlanAttr(2, site(2))).toEqual({ kind: 'int', value: 2 });
    expect(readPlanAttr(2, site(1))).toEqual({ kind: 'float', value: 2 });
    expect(readPlanAttr([1, 2], { ...site(2), opType: 'Foo', name: 'scales' })).toEqual({ kind: 'ints', value: [1, 2] });
  });

  it('reads back what it wrote, kind included (legacy-named ints aside)', () => {
    const attrs: TypedPlanAttr[] = [
      { kind: 'int', value: 0 }, { kind: 'int', value: -7 }, { kind: 'float', value: 0 }, { kind: 'float', value: 6 },
      { kind: 'float', value: 1e-5 }, { kind: 'ints', value: [0, 1] }, { kind: 'floats', value: [1, 2] }, { kind: 'floats', value: [] },
      { kind: 'string', value: 'x' }, { kind: 'strings', value: ['x', 'y'] }, { kind: 'tensor', value: ref },
    ];
    for (const a of attrs) {
      const back = read(JSON.parse(JSON.stringify(encodePlanAttr(a))), 'Foo', 'bar');
      expect(back).toEqual(a);
      // floats keep their kind under a legacy name too
      if (a.kind === 'float' || a.kind === 'floats') expect(read(encodePlanAttr(a), 'LeakyRelu', 'alpha')).toEqual(a);
    }
  });
});

describe('plan documents with tagged and legacy float attributes', () => {
  const good = fs.readFileSync(fixture('test/fixtures/bad-inputs/plan-good.json'), 'utf8');
  /** The committed tiny plan (Gemm on the crossbar, then Relu) with its digital step replaced. */
  const withStep = (step: Partial<DigitalStep>, planVersion?: number): LoadedPlan => {
    const plan = JSON.parse(good) as Plan;
    if (planVersion !== undefined) plan.planVersion = planVersion;
    const i = plan.schedule.findIndex((s) => s.kind === 'digital');
    plan.schedule[i] = { ...(plan.schedule[i] as DigitalStep), ...step };
    return openPlan(plan, 'p.json');
  };
  const fieldOf = (step: Partial<DigitalStep>): string | undefined => {
    try {
      withStep(step);
    } catch (e) {
      if (isCimcError(e)) return `${e.code} ${e.diagnostic.field}`;
      throw e;
    }
    return undefined;
  };

  it('the schema accepts {float} and {floats} and rejects malformed ones at the attribute', () => {
    expect(fieldOf({ opType: 'LeakyRelu', attrs: { alpha: { float: 2 } } })).toBeUndefined();
    expect(fieldOf({ opType: 'Foo', attrs: { a: { floats: [1, 2.5] }, b: { floats: [] } } })).toBeUndefined();
    // An empty list (INTS, or FLOATS/STRINGS that happen to be empty) matched both list forms of a oneOf once.
    expect(fieldOf({ opType: 'Foo', attrs: { a: [], b: [1], c: ['s'] } })).toBeUndefined();
    const bad: unknown[] = [[1, 's'], { float: 'x' }, { floats: [1, 'a'] }, { float: 1, floats: [1] }, { float: 1, tensor: ref }, { floats: 1 }];
    for (const a of bad) expect(fieldOf({ opType: 'LeakyRelu', attrs: { alpha: a as PlanAttr } })).toBe('CIM4002 /schedule/1/attrs/alpha');
  });

  it('both engines run a tagged FLOAT and a legacy plain one alike (onnxruntime needs alpha FLOAT)', async () => {
    const x = Float32Array.from([0.9, -0.4, 0.3, -1]);
    const outputs = async (loaded: LoadedPlan): Promise<{ ref: number[]; ort: number[] }> => {
      const feeds = { x: makeTensor('float32', [1, 4], x) };
      const ref = Array.from(toFloat32(execute(executableFromPlan(loaded), feeds).y));
      const engine = await OrtEngine.create(loaded);
      try {
        return { ref, ort: Array.from(toFloat32((await engine.run(feeds)).y)) };
      } finally {
        await engine.release();
      }
    };
    const h = (await outputs(withStep({ opType: 'Identity', attrs: {} }))).ref;
    expect(h.some((v) => v < 0)).toBe(true);
    const leaky = h.map((v) => Math.fround(v < 0 ? 2 * v : v));
    // a tagged FLOAT in a current plan, a plain number in a version-1 plan (the legacy rule)
    for (const [alpha, version] of [[{ float: 2 }, undefined], [2, 1]] as const) {
      const r = await outputs(withStep({ opType: 'LeakyRelu', attrs: { alpha } }, version));
      expect(r.ref).toEqual(leaky);
      expect(r.ort).toEqual(r.ref);
    }
  });
});
