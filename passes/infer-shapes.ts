/**
 * infer-shapes: every graph input and node output gets a dtype and a static numeric shape
 * in `graph.values` (constants are typed by their tensors).
 *
 * Dynamic input dims are bound first: `--input-shape NAME=DxD…` (option `inputShapes`),
 * then dims sharing a bound dim_param name, then a free batch dim (axis 0) defaults to 1.
 * Any other free dim is an error that says how to bind it.
 */
import { CimcError, type DiagnosticSink } from '../base/diagnostics.js';
import { checkInputShapes, parseInputShapes, type InputShapes } from '../compiler/shape-rules/input-shapes.js';
import type { Dim, Graph, ValueType } from '../compiler/ir/ir.js';
import { definePass, type PassContext } from '../compiler/pass-manager/pass.js';
import { defineOptions } from '../compiler/pass-manager/options.js';
import { readOption } from '../compiler/pass-manager/option-values.js';
import { fact } from '../compiler/pass-manager/facts.js';
import { sameValueTypes } from '../compiler/ir/value-types.js';
import { inferGraphShapes } from '../compiler/shape-rules/infer-graph.js';
import type { InferredValue } from '../compiler/shape-rules/types.js';
import type { DType } from '../base/tensor.js';

const passName = 'infer-shapes';

const controlFlowOps = new Set(['If', 'Loop', 'Scan']);

/** The options infer-shapes reads: their one declaration (flags, explain, types and checks come from it). */
export const inferShapesOptions = defineOptions({
  inputShapes: {
    type: 'input-shapes', flag: '--input-shape <name=DxD...>', repeatable: true,
    check: checkInputShapes,
    // The CLI always passes its bindings, {} when there are none (plans record it so).
    fromFlag: (raw) => parseInputShapes(typeof raw === 'string' ? [raw] : raw),
    description: 'bind a dynamic input shape, e.g. input=1x3x224x224; repeatable. A free batch dim (axis 0) defaults to 1',
  },
  partialShapes: {
    type: 'boolean', default: false, flag: '--partial-shapes',
    description: 'leave values computed by If/Loop/Scan that cannot be typed untyped (with a warning) instead of failing; used by cimc inspect',
  },
});

export const inferShapes = definePass({
  name: passName,
  summary: 'Give every value a dtype and a static shape, binding dynamic input dims from --input-shape.',
  requires: [fact('imported')],
  provides: [fact('shapes')],
  options: Object.values(inferShapesOptions),
  run(graph, ctx) {
    const inputs = bindInputShapes(graph, readOption(ctx.options, inferShapesOptions.inputShapes) ?? {}, ctx.diagnostics);
    const inferred = inferGraphShapes(graph, {
      inputs,
      onDeclaredMismatch({ value, node, declared, inferred: actual }) {
        ctx.diagnostics.warn('CIM2002',
          `'${value}' is declared ${typeText(declared.dtype, declared.shape)} in the model but infers as ${typeText(actual.dtype, actual.shape)}; using the inferred type`,
          { node: node.name, opType: node.opType, pass: passName, file: ctx.modelPath });
      },
      ...(readOption(ctx.options, inferShapesOptions.partialShapes) ? {
        onUnsupported(e: CimcError) {
          // Only control flow is shown untyped; an unknown op or domain stays an error.
          if (!controlFlowOps.has(e.diagnostic.opType ?? '')) throw e;
          ctx.diagnostics.warn(e.code, `${e.message}; its outputs and what depends on them are left untyped`, { ...e.diagnostic, pass: passName, file: ctx.modelPath });
        },
      } : {}),
    });
    const values = new Map<string, ValueType>();
    for (const [name, v] of inferred) values.set(name, { dtype: v.dtype, shape: v.shape });
    ctx.stats.set('values typed', values.size);
    return { graph: graph.with({ values }), changed: !sameValueTypes(graph.values, values) };
  },
});

function typeText(dtype: DType | undefined, shape: readonly Dim[] | undefined): string {
  return `${dtype ?? '?'}${shape ? `[${shape.join(',')}]` : '[?]'}`;
}

/** A symbolic dim as users see it: its dim_param, or a note that the file left it unnamed. */
function dimLabel(d: string): string {
  return d.startsWith('?') ? 'an unnamed dim' : `dim '${d}'`;
}

/**
 * Static types of the graph inputs. Order: explicit bindings; dims whose dim_param name
 * another binding fixed; a free axis-0 (batch) dim defaults to 1; the rest is CIM2003.
 */
export function bindInputShapes(graph: Graph, bindings: InputShapes, diagnostics?: DiagnosticSink): Map<string, InferredValue> {
  const field = '--input-shape';
  for (const name of Object.keys(bindings)) {
    if (!graph.inputs.includes(name)) {
      const what = graph.constants.has(name) ? 'an initializer, not a graph input' : 'not a graph input';
      throw new CimcError('CIM1006', `--input-shape names '${name}', which is ${what} (inputs: ${graph.inputs.join(', ') || 'none'})`, { field });
    }
  }
  // dim_param name → value, and which input fixed it
  const named = new Map<string, { value: number; from: string }>();
  const bindName = (dim: string, value: number, from: string): void => {
    if (dim.startsWith('?')) return; // unnamed dims are never shared
    const seen = named.get(dim);
    if (seen && seen.value !== value) {
      throw new CimcError('CIM1006', `dim '${dim}' is ${seen.value} from input '${seen.from}' but ${value} from input '${from}'`, { field });
    }
    if (!seen) named.set(dim, { value, from });
  };

  const declared = new Map<string, ValueType>();
  for (const name of graph.inputs) {
    const t = graph.values.get(name);
    if (!t?.dtype) throw new CimcError('CIM1007', `graph input '${name}' has no element type`, { field: `/graph/input/${name}` });
    const bound = bindings[name];
    if (!t.shape && !bound) {
      throw new CimcError('CIM2003', `graph input '${name}' has no declared shape; bind it with --input-shape ${name}=DxDx…`, { field: `/graph/input/${name}` });
    }
    declared.set(name, t);
    if (!bound || !t.shape) continue;
    const shape = t.shape;
    if (bound.length !== shape.length) {
      throw new CimcError('CIM1006', `--input-shape ${name}=${bound.join('x')} has rank ${bound.length}, but input '${name}' is [${shape.join(',')}] (rank ${shape.length})`, { field });
    }
    shape.forEach((d, k) => {
      if (typeof d === 'number' && d !== bound[k]) {
        throw new CimcError('CIM1006', `--input-shape ${name}=${bound.join('x')} sets axis ${k} to ${bound[k]}, but the model fixes it to ${d}`, { field });
      }
      if (typeof d === 'string') bindName(d, bound[k], name);
    });
  }

  // A free batch dim defaults to 1, unless its name was bound elsewhere.
  for (const name of graph.inputs) {
    const first = declared.get(name)?.shape?.[0];
    if (bindings[name] || typeof first !== 'string' || named.has(first)) continue;
    diagnostics?.note('CIM2003', `${dimLabel(first)} (axis 0) of input '${name}' is taken as batch size 1; bind it with --input-shape to change it`, { pass: passName });
    if (first.startsWith('?')) continue;
    bindName(first, 1, name);
  }

  const out = new Map<string, InferredValue>();
  for (const name of graph.inputs) {
    const t = declared.get(name)!;
    const bound = bindings[name];
    const shape = bound ? [...bound] : t.shape!.map((d, k) => {
      if (typeof d === 'number') return d;
      const v = named.get(d)?.value ?? (k === 0 ? 1 : undefined);
      if (v !== undefined) return v;
      const example = t.shape!.map((e, j) => (typeof e === 'number' ? String(e) : named.get(e)?.value ?? (j === 0 ? '1' : '?'))).join('x');
      throw new CimcError('CIM2003',
        `input '${name}' has ${dimLabel(d)} at axis ${k} that nothing binds; bind it with --input-shape ${name}=${example} (replace each ? with a size)`,
        { field: `/graph/input/${name}` });
    });
    out.set(name, { dtype: t.dtype!, shape });
  }
  return out;
}
