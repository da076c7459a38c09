/**
 * Constant evaluators by ONNX op type (default domain). Each computes a node's outputs from
 * constant inputs; `canonicalize` uses them for constant folding.
 */
import type { Node } from '../ir/ir.js';
import type { Tensor } from '../../base/tensor.js';
import { castEvaluators } from './cast.js';
import { mathEvaluators } from './math-ops.js';
import { movementEvaluators } from './movement-ops.js';
import { shapeEvaluators } from './shape-ops.js';
import { quantizeEvaluators } from './quantize-ops.js';
import { ConstEvalError, defaultMaxFoldElements, type ConstEvaluator } from './types.js';

export { ConstEvalError, ConstEvalSkip, defaultMaxFoldElements, type ConstEvalArgs, type ConstEvaluator } from './types.js';
export { shapeVector, sizeScalar } from './shape-ops.js';
export { castTensor } from './cast.js';
export { dequantizeValues, paramIndices, quantizeValues, readQuantParams, type QuantParams } from './quantize-ops.js';
export { roundToFloat16, roundToBFloat16 } from '../../base/float-round.js';

export const constEvaluators: Readonly<Record<string, ConstEvaluator>> = {
  ...shapeEvaluators,
  ...movementEvaluators,
  ...mathEvaluators,
  ...castEvaluators,
  ...quantizeEvaluators,
};

export function hasConstEvaluator(node: Node): boolean {
  return node.domain === '' && Object.hasOwn(constEvaluators, node.opType);
}

export interface EvaluateOptions {
  opset: number;
  maxElements?: number;
}

/**
 * Evaluates a node on constant inputs (undefined for omitted optional inputs).
 * Throws ConstEvalError for malformed constants and ConstEvalSkip when it declines to fold.
 */
export function evaluateNode(node: Node, inputs: readonly (Tensor | undefined)[], options: EvaluateOptions): Tensor[] {
  if (!hasConstEvaluator(node)) throw new Error(`evaluateNode: no evaluator for ${node.opType}`);
  const outputs = constEvaluators[node.opType]({ node, inputs, opset: options.opset, maxElements: options.maxElements ?? defaultMaxFoldElements });
  const wanted = node.outputs.filter((o) => o).length;
  if (outputs.length < wanted) throw new ConstEvalError(`${node.opType} produced ${outputs.length} outputs, the node has ${wanted}`);
  return outputs;
}
