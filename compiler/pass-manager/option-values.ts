/**
 * Checks compile option values against their declarations (options.ts) and turns flag text into
 * values. A bad value is a CimcError CIM2006 that names the flag. Values are checked when a pass
 * reads them, so an option of a pass that does not run is never looked at, and the error comes
 * from that pass.
 */
import { CimcError } from '../../base/diagnostics.js';
import { flagName, type OptionValue, type OptionValues, type PassOption } from './options.js';

const bad = (flag: string, message: string): CimcError => new CimcError('CIM2006', `${flag} ${message}`, { field: flag });

/** `'a, b,,c'` → `['a', 'b', 'c']`. */
export const splitList = (s: string): string[] => s.split(',').map((x) => x.trim()).filter(Boolean);

/** A set value checked against its declaration, returned as the pass reads it. */
export function checkOption<O extends PassOption>(o: O, value: unknown): OptionValue<O> {
  return checkValue(o, value, flagName(o)) as OptionValue<O>;
}

function checkValue(o: PassOption, value: unknown, flag: string): unknown {
  if (o.check) return o.check(value, flag);
  switch (o.type) {
    case 'string':
      if (o.choices && (typeof value !== 'string' || !o.choices.includes(value))) throw bad(flag, `must be one of ${o.choices.join('|')}, got '${String(value)}'`);
      if (typeof value !== 'string') throw bad(flag, `must be a string, got '${String(value)}'`);
      return value;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw bad(flag, `must be a number, got '${String(value)}'`);
      return value;
    case 'integer':
      return checkInteger(o, value, flag);
    case 'boolean':
      if (typeof value !== 'boolean') throw bad(flag, `takes true or false, got '${String(value)}'`);
      return value;
    case 'list':
      if (typeof value === 'string') return splitList(value);
      if (Array.isArray(value) && value.every((s) => typeof s === 'string')) return value;
      throw bad(flag, `must be a list of names, got '${String(value)}'`);
    default:
      throw new CimcError('CIM2008', `option '${o.name}' has type '${o.type}', which needs a check function in its declaration`);
  }
}

function checkInteger(o: PassOption, value: unknown, flag: string): number {
  // Numeric strings count, as they always did for the bit widths ('8' is 8).
  const n = typeof value === 'number' ? value : Number(value);
  if (Number.isInteger(n) && n >= (o.min ?? -Infinity) && n <= (o.max ?? Infinity)) return n;
  if (o.max !== undefined) throw bad(flag, `must be an integer in ${o.min ?? '…'}..${o.max}, got '${String(value)}'`);
  // The wording --calib-samples has always had.
  if (o.min === 1) throw bad(flag, 'must be a positive integer');
  throw bad(flag, `must be an integer${o.min === undefined ? '' : ` ≥ ${o.min}`}, got '${String(value)}'`);
}

/** The type a declaration's reading gives: undefined only when it has no default. */
export type ReadValue<O> = O extends { default: unknown } ? OptionValue<O> : OptionValue<O> | undefined;

/** An option as a pass reads it: the set value checked, or the declared default (undefined and null are unset). */
export function readOption<O extends PassOption>(values: OptionValues, o: O): ReadValue<O> {
  const v = values[o.name];
  return (v === undefined || v === null ? o.default : checkOption(o, v)) as ReadValue<O>;
}

/** Several options read in the table's order (the order their errors are found in). */
export function readOptions<T extends Readonly<Record<string, PassOption>>>(values: OptionValues, table: T): { [K in keyof T]: ReadValue<T[K]> } {
  const out: Record<string, unknown> = {};
  for (const [key, o] of Object.entries(table)) out[key] = readOption(values, o);
  return out as { [K in keyof T]: ReadValue<T[K]> };
}

/**
 * A flag's text to the option's value: `true`/`false` (or nothing) for booleans, a number,
 * digits for integers, comma-separated lists, one of the choices; a special type's `fromFlag`,
 * else the text itself (its `check` sees it when the pass reads it). A repeatable flag gives
 * every text; no text is a boolean flag given bare. undefined: the flag sets nothing (`--keep-digital ''`).
 */
export function optionFromFlag(o: PassOption, raw: string | readonly string[] | undefined, flag = flagName(o)): unknown {
  if (o.fromFlag) return o.fromFlag(raw ?? [], flag);
  if (raw === undefined) return o.type === 'boolean' ? true : undefined;
  if (typeof raw !== 'string') return raw;
  switch (o.type) {
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw bad(flag, `takes true or false, got '${raw}'`);
      return raw === 'true';
    case 'number': {
      const n = Number(raw);
      if (raw === '' || !Number.isFinite(n)) throw bad(flag, `must be a number, got '${raw}'`);
      return n;
    }
    case 'integer':
      // Range checks wait for the pass, like a library caller's value.
      if ((o.min ?? 0) >= 0 ? !/^\d+$/.test(raw) : !/^-?\d+$/.test(raw)) throw bad(flag, `must be a ${(o.min ?? 0) >= 0 ? 'positive ' : ''}integer, got '${raw}'`);
      return Number(raw);
    case 'list':
      return raw === '' ? undefined : splitList(raw);
    case 'string':
      if (o.choices && !o.choices.includes(raw)) throw bad(flag, `must be one of ${o.choices.join('|')}, got '${raw}'`);
      return raw;
    default:
      return raw;
  }
}
