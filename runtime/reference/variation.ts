/** Cell variation for robustness studies (design §4): applied at load time, seeded, never stored. */
import { CimcError } from '../../base/diagnostics.js';
import { normalSource } from '../../base/random.js';

export interface VariationSpec {
  kind: 'lognormal' | 'gaussian';
  sigma: number;
  seed: number;
}

export function parseVariation(spec: string, seed = 0): VariationSpec {
  const m = /^(lognormal|gaussian):([0-9]*\.?[0-9]+)$/.exec(spec);
  if (!m) throw new CimcError('CIM5001', `bad --variation '${spec}': expected lognormal:SIGMA or gaussian:SIGMA`, { field: '--variation' });
  return { kind: m[1] as VariationSpec['kind'], sigma: Number(m[2]), seed };
}

/** A perturbation for one layer's cells: u·exp(N(0,σ²)) or u + N(0,σ²)·(2^c − 1). */
export function cellPerturbation(v: VariationSpec, layerIndex: number, cellBits: number): (cells: Float64Array) => void {
  const normal = normalSource((v.seed * 7919 + layerIndex * 104729) >>> 0);
  const full = 2 ** cellBits - 1;
  return (cells) => {
    for (let i = 0; i < cells.length; i++) {
      if (v.kind === 'lognormal') cells[i] *= Math.exp(v.sigma * normal());
      else cells[i] += v.sigma * normal() * full;
    }
  };
}
