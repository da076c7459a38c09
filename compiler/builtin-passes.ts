/** Every pass shipped with cimc, in pipeline order. */
import type { Pass } from './pass.js';
import { importOnnx } from '../passes/import-onnx.js';

export const builtinPasses: readonly Pass[] = [
  importOnnx,
];
