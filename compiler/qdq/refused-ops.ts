/**
 * Quantized operators cimc does not map to crossbars, with the reason each stays digital
 * (a CIM2009 note names the node): the integer-domain (QOperator) form of a quantized model
 * folds requantization into the operator, which has no crossbar mapping here; export the
 * QDQ form instead (onnxruntime quantize_static(quant_format=QDQ), torch.onnx fake-quant).
 */
export const refusedQuantizedOps: Readonly<Record<string, string>> = {
  QLinearConv: 'QLinearConv (QOperator format) is not mapped to crossbars; it runs digitally — export the model in QDQ format to map it',
  QLinearMatMul: 'QLinearMatMul (QOperator format) is not mapped to crossbars; it runs digitally — export the model in QDQ format to map it',
  ConvInteger: 'ConvInteger (dynamic quantization) is not mapped to crossbars; it runs digitally',
  MatMulInteger: 'MatMulInteger (dynamic quantization) is not mapped to crossbars; it runs digitally',
  DynamicQuantizeLinear: 'DynamicQuantizeLinear computes its scale at run time; what it feeds runs digitally',
  QLinearAdd: 'QLinearAdd (com.microsoft QOperator) runs digitally',
  QGemm: 'QGemm (com.microsoft QOperator) is not mapped to crossbars; it runs digitally',
};
