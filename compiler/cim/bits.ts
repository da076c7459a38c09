/** Effective bit widths and mapping options: the target's, overridden by compile options. */
import { CimcError } from '../../base/diagnostics.js';
import type { CompileOptions } from '../pass-manager/pass.js';
import type { TargetSpec } from '../../targets/target.js';
import type { CimLayerBits, Granularity } from '../../plan/types.js';

export interface MappingOptions {
  tiling: 'whole-kernel' | 'dense';
  encoding: 'differential' | 'offset';
  sliceLayout: 'separate' | 'adjacent';
  packGroups: boolean;
  weightGranularity: Granularity;
  weightScale: 'maxabs' | 'mse';
  psumGranularity: Exclude<Granularity, 'channel'>;
}

function pick<T extends string>(options: CompileOptions, name: string, allowed: readonly T[], fallback: T): T {
  const v = options[name];
  if (v === undefined || v === null) return fallback;
  if (typeof v !== 'string' || !allowed.includes(v as T)) {
    throw new CimcError('CIM2006', `--${kebab(name)} must be one of ${allowed.join('|')}, got '${String(v)}'`, { field: `--${kebab(name)}` });
  }
  return v as T;
}

export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

export function mappingOptions(options: CompileOptions, target: TargetSpec): MappingOptions {
  return {
    tiling: pick(options, 'tiling', ['whole-kernel', 'dense'] as const, 'whole-kernel'),
    encoding: pick(options, 'encoding', ['differential', 'offset'] as const, target.encoding),
    sliceLayout: pick(options, 'sliceLayout', ['separate', 'adjacent'] as const, 'separate'),
    packGroups: options.packGroups === true,
    weightGranularity: pick(options, 'weightGranularity', ['layer', 'channel', 'array', 'column'] as const, 'column'),
    weightScale: pick(options, 'weightScale', ['maxabs', 'mse'] as const, 'maxabs'),
    psumGranularity: pick(options, 'psumGranularity', ['layer', 'array', 'column'] as const, 'column'),
  };
}

function intOption(options: CompileOptions, name: string, fallback: number, min: number, max: number): number {
  const v = options[name];
  if (v === undefined || v === null) return fallback;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CimcError('CIM2006', `--${kebab(name)} must be an integer in ${min}..${max}, got '${String(v)}'`, { field: `--${kebab(name)}` });
  }
  return n;
}

export function parseAdcBits(v: unknown, fallback: number | 'ideal'): number | 'ideal' {
  if (v === undefined || v === null) return fallback;
  if (v === 'ideal') return 'ideal';
  const n = typeof v === 'number' ? v : Number(v);
  if (n === 1.5 || (Number.isInteger(n) && n >= 1 && n <= 16)) return n;
  throw new CimcError('CIM2006', `--adc-bits must be 1..16, 1.5 or ideal, got '${String(v)}'`, { field: '--adc-bits' });
}

export function adcLevels(bits: number | 'ideal'): number {
  if (bits === 'ideal') return 0;
  return bits === 1.5 ? 3 : 2 ** bits;
}

export function layerBits(options: CompileOptions, target: TargetSpec): CimLayerBits {
  const weight = intOption(options, 'weightBits', target.weightBits, 1, 16);
  const activation = intOption(options, 'actBits', target.activationBits, 1, 16);
  const dac = intOption(options, 'dacBits', Math.min(target.dacBits, activation), 1, 16);
  const cell = target.array.cellBits;
  const adc = parseAdcBits(options.adcBits, target.adc.bits);
  if (dac > activation) throw new CimcError('CIM2006', `--dac-bits (${dac}) exceeds the activation bits (${activation})`, { field: '--dac-bits' });
  if (cell > weight) throw new CimcError('CIM3004', `cell bits (${cell}) exceed the weight bits (${weight})`, { field: '--weight-bits' });
  return {
    weight, activation, dac, cell, adc,
    adcLevels: adcLevels(adc),
    slices: Math.ceil(weight / cell),
    cycles: Math.ceil(activation / dac),
  };
}
