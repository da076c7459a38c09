/**
 * The digital kernel tables: ONNX op type → kernel, for the default domain and com.microsoft. Every kernel reports bad
 * inputs as CIM4005 naming the node; `kernelFor` / `runDigitalKernel` report a missing kernel
 * the same way.
 */
import { CimcError } from '../../../base/diagnostics.js';
import type { RtTensor } from '../../../base/rt-tensor.js';
import { convKernels } from './conv.js';
import { gemmKernels } from './gemm.js';
import { normalizationKernels } from './normalization.js';
import { pointwiseKernels } from './pointwise.js';
import { poolingKernels } from './pooling.js';
import { microsoftQuantizeKernels, quantizeKernels } from './quantize.js';
import { reduceKernels } from './reduce.js';
import { resizeKernels } from './resize.js';
import { tensorOpKernels } from './tensor-ops.js';
import type { DigitalKernel, KernelContext, RtAttr } from './types.js';

const kernels: Record<string, DigitalKernel> = {
  ...pointwiseKernels,
  ...gemmKernels,
  ...convKernels,
  ...poolingKernels,
  ...normalizationKernels,
  ...reduceKernels,
  ...tensorOpKernels,
  ...resizeKernels,
  ...quantizeKernels,
};

/** The kernel with errors that lack a location (attribute readers) located at the node. */
function located(opType: string, kernel: DigitalKernel): DigitalKernel {
  return (inputs, attrs, ctx) => {
    try {
      return kernel(inputs, attrs, ctx);
    } catch (e) {
      if (e instanceof CimcError && e.diagnostic.node === undefined) {
        throw new CimcError(e.code, e.message, { ...e.diagnostic, node: ctx.node, opType: ctx.opType ?? opType });
      }
      throw e;
    }
  };
}

const locatedTable = (table: Record<string, DigitalKernel>): Readonly<Record<string, DigitalKernel>> =>
  Object.fromEntries(Object.entries(table).map(([op, k]) => [op, located(op, k)]));

/** Default-domain kernels. */
export const digitalKernels: Readonly<Record<string, DigitalKernel>> = locatedTable(kernels);

/** com.microsoft kernels (the contrib QuantizeLinear/DequantizeLinear). */
export const microsoftKernels: Readonly<Record<string, DigitalKernel>> = locatedTable(microsoftQuantizeKernels);

/** The kernel for an op of a domain ('' and 'ai.onnx' are the default domain), if the runtime has one. */
export function lookupKernel(opType: string, domain = ''): DigitalKernel | undefined {
  const table = domain === '' || domain === 'ai.onnx' ? digitalKernels : domain === 'com.microsoft' ? microsoftKernels : undefined;
  return table && Object.hasOwn(table, opType) ? table[opType] : undefined;
}

/** The kernel for an op, or CIM4005 naming the node. */
export function kernelFor(opType: string, ctx: KernelContext, domain = ''): DigitalKernel {
  const kernel = lookupKernel(opType, domain);
  if (!kernel) throw new CimcError('CIM4005', `no runtime kernel for ${domain ? `${domain}.` : ''}${opType}`, { node: ctx.node, opType });
  return kernel;
}

/** Runs one node. */
export function runDigitalKernel(
  opType: string, inputs: (RtTensor | undefined)[], attrs: Record<string, RtAttr>, ctx: KernelContext, domain = '',
): RtTensor[] {
  return kernelFor(opType, ctx, domain)(inputs, attrs, { ...ctx, opType });
}

export type { DigitalKernel, KernelContext, RtAttr } from './types.js';
