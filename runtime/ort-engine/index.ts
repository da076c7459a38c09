/**
 * The ORT engine: a plan lowered to an ONNX graph that computes the reference runtime's numbers
 * (integer MACs exact in float32, everything after them in float64), run in onnxruntime-node
 * (an optional peer dependency, loaded on first use).
 */
export { lowerPlan, lowerPlanToModel, type LowerOptions, type LoweredPlan, type LoweringStats } from './lower-plan.js';
export { OrtEngine, loadOnnxRuntime, type OrtEngineOptions, type OrtEngineTimings } from './session.js';
export { evaluateOrt, type EvaluateOrtOptions } from './evaluate-ort.js';
