/** Parsing and checking of `--input-shape name=1x3x224x224` bindings (option `inputShapes`). */
import { CimcError } from '../../base/diagnostics.js';

export type InputShapes = Readonly<Record<string, readonly number[]>>;

export function parseInputShapes(specs: readonly string[]): InputShapes {
  const out: Record<string, number[]> = {};
  for (const spec of specs) {
    const eq = spec.lastIndexOf('=');
    const name = eq > 0 ? spec.slice(0, eq) : '';
    const dims = eq > 0 ? spec.slice(eq + 1) : '';
    if (!name || !/^\d+(x\d+)*$/.test(dims)) {
      throw new CimcError('CIM1006', `bad --input-shape '${spec}': expected NAME=DxDx… such as input=1x3x224x224`, { field: '--input-shape' });
    }
    const shape = dims.split('x').map(Number);
    if (shape.some((d) => !Number.isSafeInteger(d) || d < 1 || d > 1 << 30)) {
      throw new CimcError('CIM1006', `bad --input-shape '${spec}': dimensions must be positive integers`, { field: '--input-shape' });
    }
    out[name] = shape;
  }
  return out;
}

/**
 * The `inputShapes` option as a library caller may give it: NAME=DxD… texts, or input names
 * mapped to dims (what the CLI passes). The check of its declaration in passes/infer-shapes.ts.
 */
export function checkInputShapes(raw: unknown): InputShapes {
  if (Array.isArray(raw) && raw.every((s) => typeof s === 'string')) return parseInputShapes(raw as string[]);
  if (typeof raw === 'object' && raw !== null && !Array.isArray(raw)) {
    const out: Record<string, number[]> = {};
    for (const [name, dims] of Object.entries(raw)) {
      if (!Array.isArray(dims) || dims.some((d) => !Number.isSafeInteger(d) || d < 0)) {
        throw new CimcError('CIM1006', `--input-shape for '${name}' must be a list of non-negative integers`, { field: '--input-shape' });
      }
      out[name] = dims as number[];
    }
    return out;
  }
  throw new CimcError('CIM2006', 'option inputShapes must map input names to dims', { field: 'inputShapes' });
}
