import { createHash } from 'node:crypto';
import { CimcError } from '../base/diagnostics.js';
import { stableTopologicalOrder, topologicalOrderProblem, validateGraph } from '../compiler/ir/dataflow.js';
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
    const decoded = importOnnxBytes(bytes, { modelPath: ctx.modelPath });
    validateGraph(decoded, ctx.modelPath);
    // ONNX requires nodes in topological order; files that break it are sorted (stably: a node
    // moves only when it reads a value produced later), since every later pass relies on it.
    const late = topologicalOrderProblem(decoded);
    if (late) ctx.diagnostics.note('CIM1005', `nodes are not in topological order (${late.message.replace(' (nodes must stay in topological order)', '')}); sorted`, { node: late.node, opType: late.opType });
    const graph = late ? decoded.with({ nodes: stableTopologicalOrder(decoded) }) : decoded;
    const modelSha256 = createHash('sha256').update(bytes).digest('hex');
    return { graph: graph.with({ annotations: { ...graph.annotations, modelSha256 } }), changed: true };
  },
});
