/**
 * Digital plan steps back to ONNX nodes. The plan keeps opType, inputs, outputs and attributes
 * with their ONNX kinds (plan/attrs.ts; onnxruntime checks INT vs FLOAT). Plans of opset 9–10 are written
 * as opset 11 (the CIM lowering needs Round): Clip, Pad and Slice in their attribute forms become
 * input forms; ops whose meaning changed otherwise (Upsample, Resize) are refused.
 */
import { CimcError } from '../../base/diagnostics.js';
// The writer's typed attribute, under the name irAttr has always returned.
import type { OnnxAttr as Attr, OnnxNode } from '../../base/onnx-writer.js';
import { makeTensor, type DType, type Tensor } from '../../base/tensor.js';
import type { LoadedPlan } from '../../plan/reader.js';
import type { DigitalStep, PlanAttr, TensorRef } from '../../plan/types.js';
import { readPlanAttr } from '../../plan/attrs.js';
import type { GraphBuilder } from './graph-builder.js';

export function planTensor(loaded: LoadedPlan, ref: TensorRef, what: string): Tensor {
  const data = loaded.tensor(ref, what);
  return makeTensor(ref.dtype as DType, ref.shape, data);
}

/** A plan attribute as an IR attribute of its ONNX kind (plan/attrs.ts decides the kind, legacy plans included). */
export function irAttr(loaded: LoadedPlan, opType: string, name: string, a: PlanAttr, what: string): Attr {
  const t = readPlanAttr(a, { opType, name, field: what, file: loaded.file, planVersion: loaded.plan.planVersion });
  return t.kind === 'tensor' ? { kind: 'tensor', value: planTensor(loaded, t.value, what) } : t;
}

/** Ops whose opset-9/10 form cannot be carried to opset 11 by this engine. */
const notUpgradable = new Set(['Upsample', 'Resize']);

/** Emits one digital step (at the builder's opset, which is max(plan opset, 11)). */
export function emitDigitalStep(b: GraphBuilder, loaded: LoadedPlan, s: DigitalStep, index: number, planOpset: number): void {
  if (s.domain && s.domain !== 'ai.onnx') {
    throw new CimcError('CIM4005', `the ORT engine runs default-domain digital steps only, not ${s.domain}::${s.opType}`, { node: s.name, opType: s.opType });
  }
  const attrs: Record<string, Attr> = {};
  for (const [k, a] of Object.entries(s.attrs)) attrs[k] = irAttr(loaded, s.opType, k, a, `/schedule/${index}/attrs/${k}`);
  const inputs = [...s.inputs];
  if (planOpset < 11) {
    if (notUpgradable.has(s.opType)) {
      throw new CimcError('CIM4005', `the ORT engine writes opset ≥ 11 and cannot carry ${s.opType} of opset ${planOpset} there`, { node: s.name, opType: s.opType });
    }
    const f32 = (v: number): string => b.scalar('clip', 'float32', v);
    if (s.opType === 'Clip') {
      const min = attrs.min?.kind === 'float' || attrs.min?.kind === 'int' ? attrs.min.value : -3.4028234663852886e38;
      const max = attrs.max?.kind === 'float' || attrs.max?.kind === 'int' ? attrs.max.value : 3.4028234663852886e38;
      delete attrs.min; delete attrs.max;
      inputs.push(f32(min), f32(max));
    } else if (s.opType === 'Pad' && attrs.pads?.kind === 'ints') {
      const value = attrs.value?.kind === 'float' || attrs.value?.kind === 'int' ? attrs.value.value : 0;
      inputs.push(b.int64s('pads', attrs.pads.value), b.scalar('pad_value', 'float32', value));
      delete attrs.pads; delete attrs.value;
    } else if (s.opType === 'Slice' && planOpset < 10 && attrs.starts?.kind === 'ints' && attrs.ends?.kind === 'ints') {
      inputs.push(b.int64s('starts', attrs.starts.value), b.int64s('ends', attrs.ends.value));
      if (attrs.axes?.kind === 'ints') inputs.push(b.int64s('axes', attrs.axes.value));
      delete attrs.starts; delete attrs.ends; delete attrs.axes;
    }
  }
  const node: OnnxNode = { name: s.name, opType: s.opType, domain: '', inputs, outputs: [...s.outputs], attrs };
  b.raw(node);
}
