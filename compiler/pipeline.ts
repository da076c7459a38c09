/** The default pipeline: a value you can print and replace with --passes. */
export const defaultPipeline: readonly string[] = [
  'import-onnx', 'canonicalize', 'infer-shapes', 'fold-batchnorm',
];

/** What `cimc inspect` runs. */
export const inspectPipeline: readonly string[] = ['import-onnx', 'canonicalize', 'infer-shapes'];
