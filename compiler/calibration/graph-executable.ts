/** Runs the compiler's IR graph in float with the runtime's digital kernels (calibration). */
import { CimcError } from '../../base/diagnostics.js';
import type { Attr, Graph } from '../ir/ir.js';
import type { Tensor } from '../../base/tensor.js';
import { digitalKernels } from '../../runtime/reference/ops/index.js';
import type { RtAttr } from '../../runtime/reference/ops/types.js';
import type { Executable } from '../../runtime/reference/executor.js';
import { fromTypedArray, makeTensor, type RtTensor } from '../../base/rt-tensor.js';

export function rtTensorOf(t: Tensor): RtTensor {
  const d = t.data;
  switch (t.dtype) {
    case 'float16': case 'bfloat16': case 'float32': return makeTensor('float32', t.shape, d instanceof Float32Array ? d : Float32Array.from(d as ArrayLike<number>));
    case 'uint16': case 'uint32': return makeTensor('int64', t.shape, BigInt64Array.from(Array.from(d as ArrayLike<number>, (v) => BigInt(v))));
    case 'uint64': return makeTensor('int64', t.shape, BigInt64Array.from(d as BigUint64Array, (v) => BigInt.asIntN(64, v)));
    case 'string': throw new CimcError('CIM2005', 'string tensors cannot be evaluated');
    default: return fromTypedArray(t.dtype, t.shape, d as Exclude<typeof d, string[] | BigUint64Array | Uint16Array | Uint32Array>);
  }
}

function rtAttr(a: Attr, node: string): RtAttr {
  switch (a.kind) {
    case 'int': case 'float': case 'string': return a.value;
    case 'ints': case 'floats': case 'strings': return [...a.value] as number[] | string[];
    case 'tensor': return rtTensorOf(a.value);
    default: throw new CimcError('CIM2005', `attribute of kind ${a.kind} cannot be evaluated`, { node });
  }
}

/** Every node runs digitally, in float; shapes come from the graph (batch as inferred). */
export function executableFromGraph(graph: Graph): Executable {
  const constants = new Map<string, RtTensor>();
  for (const [k, t] of graph.constants) if (t.dtype !== 'string') constants.set(k, rtTensorOf(t));
  const value = (name: string) => {
    const s = graph.staticShape(name);
    const t = graph.typeOf(name);
    if (!s || !t?.dtype) throw new CimcError('CIM2003', `value '${name}' has no static shape`);
    return { name, dtype: t.dtype, shape: s };
  };
  return {
    opset: graph.opset,
    inputs: graph.inputs.map(value),
    outputs: graph.outputs.map(value),
    constants,
    steps: graph.nodes.map((n) => {
      const kernel = digitalKernels[n.opType];
      if (!kernel || n.domain) throw new CimcError('CIM4005', `no runtime kernel for ${n.opType}`, { node: n.name, opType: n.opType });
      const attrs: Record<string, RtAttr> = {};
      for (const [k, a] of Object.entries(n.attrs)) attrs[k] = rtAttr(a, n.name);
      return { kind: 'digital' as const, name: n.name, opType: n.opType, inputs: [...n.inputs], outputs: [...n.outputs], attrs, kernel };
    }),
  };
}
