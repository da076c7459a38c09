/** The shape rule table: ONNX op type (default domain) → rule. */
import { controlFlowRules } from './control-flow.js';
import { convRules } from './conv.js';
import { generatorRules } from './generators.js';
import { indexingRules } from './indexing.js';
import { linearRules } from './linear.js';
import { normalizationRules } from './normalization.js';
import { pointwiseRules } from './pointwise.js';
import { poolingRules } from './pooling.js';
import { reduceRules } from './reduce.js';
import { resizeRules } from './resize.js';
import { tensorOpRules } from './tensor-ops.js';
import type { ShapeRule } from './types.js';

export const shapeRules: Readonly<Record<string, ShapeRule>> = {
  ...pointwiseRules,
  ...convRules,
  ...poolingRules,
  ...linearRules,
  ...normalizationRules,
  ...reduceRules,
  ...tensorOpRules,
  ...indexingRules,
  ...generatorRules,
  ...resizeRules,
  ...controlFlowRules,
};

export type { InferredValue, ShapeRule, ShapeRuleContext } from './types.js';
