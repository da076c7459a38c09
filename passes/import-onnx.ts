import { CimcError } from '../compiler/diagnostics.js';
import { validateGraph } from '../compiler/dataflow.js';
import { importOnnxFile } from '../compiler/onnx-import.js';
import { definePass } from '../compiler/pass.js';

/** Reads the model file named by the context; the incoming graph is ignored. */
export const importOnnx = definePass({
  name: 'import-onnx',
  summary: 'Decode the ONNX file: initializers and Constant nodes as constants, external data, subgraphs.',
  requires: [],
  provides: ['imported'],
  run(_graph, ctx) {
    if (!ctx.modelPath) throw new CimcError('CIM5001', 'no model file given');
    const graph = importOnnxFile(ctx.modelPath);
    validateGraph(graph, ctx.modelPath);
    return { graph, changed: true };
  },
});
