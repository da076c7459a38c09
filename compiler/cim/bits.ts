/**
 * Effective bit widths and mapping options: the target's, overridden by compile options. The
 * options arrive checked (by their declarations in passes/legalize-cim.ts and
 * passes/quantize-weights.ts); what is left here is the target's defaults and the checks that
 * need several values at once.
 */
import { CimcError } from '../../base/diagnostics.js';
import type { AdcBits, TargetSpec } from '../../targets/target.js';
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

/** The mapping options as read (declared defaults applied); an unset encoding is the target's. */
export type MappingOptionValues = Omit<MappingOptions, 'encoding'> & { encoding?: MappingOptions['encoding'] };

export function mappingOptions(values: MappingOptionValues, target: TargetSpec): MappingOptions {
  return {
    tiling: values.tiling,
    encoding: values.encoding ?? target.encoding,
    sliceLayout: values.sliceLayout,
    packGroups: values.packGroups,
    weightGranularity: values.weightGranularity,
    weightScale: values.weightScale,
    psumGranularity: values.psumGranularity,
  };
}

/** The bit-width options as read; unset ones are the target's. */
export interface BitOptionValues {
  weightBits?: number;
  actBits?: number;
  dacBits?: number;
  adcBits?: AdcBits;
}

/** Checks an ADC resolution (the `adcBits` declaration's check): 1..16 bits, 1.5 (three levels) or ideal. */
export function checkAdcBits(v: unknown, flag: string): AdcBits {
  if (v === 'ideal') return 'ideal';
  const n = typeof v === 'number' ? v : Number(v);
  if (n === 1.5 || (Number.isInteger(n) && n >= 1 && n <= 16)) return n;
  throw new CimcError('CIM2006', `${flag} must be 1..16, 1.5 or ideal, got '${String(v)}'`, { field: flag });
}

/** `--adc-bits` text to a value: 'ideal' or a number, whose range the pass checks (as a library caller's). */
export function adcBitsFromFlag(raw: string | readonly string[], flag: string): AdcBits {
  const text = String(raw);
  if (text === 'ideal') return 'ideal';
  const n = Number(text);
  if (Number.isNaN(n)) throw new CimcError('CIM2006', `${flag} must be 1..16, 1.5 or ideal, got '${text}'`, { field: flag });
  return n;
}

export function adcLevels(bits: number | 'ideal'): number {
  if (bits === 'ideal') return 0;
  return bits === 1.5 ? 3 : 2 ** bits;
}

export function layerBits(values: BitOptionValues, target: TargetSpec): CimLayerBits {
  const weight = values.weightBits ?? target.weightBits;
  const activation = values.actBits ?? target.activationBits;
  const dac = values.dacBits ?? Math.min(target.dacBits, activation);
  const cell = target.array.cellBits;
  const adc = values.adcBits ?? target.adc.bits;
  if (dac > activation) throw new CimcError('CIM2006', `--dac-bits (${dac}) exceeds the activation bits (${activation})`, { field: '--dac-bits' });
  if (cell > weight) throw new CimcError('CIM3004', `cell bits (${cell}) exceed the weight bits (${weight})`, { field: '--weight-bits' });
  return {
    weight, activation, dac, cell, adc,
    adcLevels: adcLevels(adc),
    slices: Math.ceil(weight / cell),
    cycles: Math.ceil(activation / dac),
  };
}
