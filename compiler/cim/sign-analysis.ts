/** Which values are provably non-negative (so CIM inputs can be driven unsigned). */
import { attrFloat, attrString, type Graph } from '../ir/ir.js';
import { tensorToNumbers } from '../../base/tensor.js';

/** Ops whose output is non-negative when their first input is. */
const preservesSign = new Set([
  'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool', 'Flatten', 'Reshape', 'Transpose',
  'Squeeze', 'Unsqueeze', 'Resize', 'Upsample', 'Identity', 'Dropout', 'Slice', 'Split', 'Gather',
  'DepthToSpace', 'SpaceToDepth', 'Expand', 'Tile', 'ReduceMax', 'ReduceMean', 'ReduceSum', 'ReduceMin',
]);
/** Ops whose output is non-negative whatever the input. */
const alwaysNonNegative = new Set(['Relu', 'Sigmoid', 'Softmax', 'Abs', 'Exp', 'Softplus', 'HardSigmoid', 'Sqrt']);

export function isNonNegative(graph: Graph, value: string, depth = 0): boolean {
  if (depth > 64) return false;
  const c = graph.constants.get(value);
  if (c) return c.dtype !== 'string' && tensorToNumbers(c).every((v) => v >= 0);
  const p = graph.producer(value);
  if (!p) return false;
  if (alwaysNonNegative.has(p.opType)) return true;
  if (p.opType === 'Clip') {
    const minInput = p.inputs[1];
    const min = minInput ? (graph.constants.get(minInput) ? tensorToNumbers(graph.constants.get(minInput)!)[0] : undefined) : attrFloat(p, 'min');
    if (min !== undefined && min >= 0) return true;
    return isNonNegative(graph, p.inputs[0], depth + 1);
  }
  if (p.opType === 'Pad') {
    const mode = attrString(p, 'mode', 'constant');
    const padValue = p.inputs[2] && graph.constants.get(p.inputs[2]) ? tensorToNumbers(graph.constants.get(p.inputs[2])!)[0] : attrFloat(p, 'value', 0);
    return (mode !== 'constant' || padValue >= 0) && isNonNegative(graph, p.inputs[0], depth + 1);
  }
  if (p.opType === 'Concat' || p.opType === 'Add' || p.opType === 'Max' || p.opType === 'Sum' || p.opType === 'Mul') {
    return p.inputs.filter(Boolean).every((i) => isNonNegative(graph, i, depth + 1));
  }
  if (preservesSign.has(p.opType)) return isNonNegative(graph, p.inputs[0], depth + 1);
  return false;
}
