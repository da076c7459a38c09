/** Parsing of `--input-shape name=1x3x224x224` bindings. */
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
