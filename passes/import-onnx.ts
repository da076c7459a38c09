import { createHash } from 'node:crypto';
import { CimcError } from '../base/diagnostics.js';
import { validateGraph } from '../compiler/ir/dataflow.js';
import { importOnnxBytes, readModelFile } from '../compiler/onnx/import.js';
import { definePass } from '../compiler/pass-manager/pass.js';
import { fact } from '../compiler/pass-manager/facts.js';

declare module '../compiler/ir/ir.js' {
  interface GraphAnnotations {
    /** sha256 of the model file's bytes as read (import-onnx), recorded in the plan. */
    modelSha256?: string;
  }
}

/** Reads the model file named by the context; the incoming graph is ignored. */
export const importOnnx = definePass({
  name: 'import-onnx',
  summary: 'Decode the ONNX file: initializers and Constant nodes as constants, external data, subgraphs.',
  requires: [],
  provides: [fact('imported')],
  run(_graph, ctx) {
    if (!ctx.modelPath) throw new CimcError('CIM5001', 'no model file given');
    // Read once: the bytes decoded are the bytes hashed.
    const bytes = readModelFile(ctx.modelPath);
    const graph = importOnnxBytes(bytes, { modelPath: ctx.modelPath });
    validateGraph(graph, ctx.modelPath);
    const modelSha256 = createHash('sha256').update(bytes).digest('hex');
    return { graph: graph.with({ annotations: { ...graph.annotations, modelSha256 } }), changed: true };
  },
});
