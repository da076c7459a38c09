/** The default pipeline: a value you can print and replace with --passes. */
export const defaultPipeline: readonly string[] = [
  'import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize', 'fold-batchnorm',
  'select-cim', 'legalize-cim', 'quantize-weights', 'calibrate', 'place', 'emit-plan',
];

/** What `cimc inspect` runs. */
export const inspectPipeline: readonly string[] = ['import-onnx', 'canonicalize', 'infer-shapes', 'canonicalize'];
