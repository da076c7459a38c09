/**
 * The sweep's grid: axes named by a compile option's flag (`adc-bits`), `target` or `cost`,
 * each value parsed and checked with the option's own declaration exactly as `cimc compile`
 * would, BEFORE any point runs, so a bad grid is one coded error and nothing is written.
 * The grid is the cartesian product, axes in the order given, values in the order given, the
 * last axis varying fastest; a point's index is its position in that order.
 */
import { CimcError } from '../../base/diagnostics.js';
import { flagName, type PassOption } from '../pass-manager/options.js';
import { checkOption, optionFromFlag } from '../pass-manager/option-values.js';
import type { SweepPoint } from './record.js';

/** An axis as written: its name and its values as text (flag text). */
export interface AxisSpec {
  name: string;
  values: readonly string[];
}

export type ResolvedAxis =
  | { kind: 'option'; name: string; option: PassOption; values: readonly string[]; parsed: readonly unknown[] }
  | { kind: 'target' | 'cost'; name: string; values: readonly string[] };

/** A grid point: what it varies (the record's point) and the flag text that reproduces it. */
export interface GridPoint {
  index: number;
  point: SweepPoint;
  /** [axis name, value text] in axis order, for tables and the `command`. */
  varied: readonly (readonly [string, string])[];
  /** Flags of the options, in axis order, as `cimc compile` takes them. */
  flags: readonly string[];
}

/** Options a sweep cannot vary: set in memory only, or sweep-level settings (--calib). */
const notAxes = new Set(['calib', 'calibData', 'sidecarUri']);

/** The options that can be axes, by axis name (the flag without `--`). */
export function axisOptions(options: readonly PassOption[]): Map<string, PassOption> {
  const m = new Map<string, PassOption>();
  for (const o of options) {
    if (o.flag === false || notAxes.has(o.name)) continue;
    m.set(flagName(o).replace(/^--/, ''), o);
  }
  return m;
}

const usage = (message: string, field = '--axis'): CimcError => new CimcError('CIM5003', message, { field });

/** `NAME=v1,v2,…` (a --axis flag) to an axis. */
export function parseAxisFlag(text: string): AxisSpec {
  const eq = text.indexOf('=');
  if (eq <= 0) throw usage(`--axis takes NAME=v1,v2,…, got '${text}'`);
  const name = text.slice(0, eq).trim();
  const values = text.slice(eq + 1).split(',').map((v) => v.trim()).filter((v) => v !== '');
  return { name, values };
}

/**
 * Axes of the sweep file, then the --axis flags: a flag replaces the file's axis of the same name
 * (in its place), new ones are appended; the same name twice on the command line is an error.
 */
export function combineAxes(fromFile: readonly AxisSpec[], fromFlags: readonly AxisSpec[]): AxisSpec[] {
  const seen = new Set<string>();
  const out = [...fromFile];
  for (const a of fromFlags) {
    if (seen.has(a.name)) throw usage(`axis '${a.name}' is given twice`);
    seen.add(a.name);
    const i = out.findIndex((b) => b.name === a.name);
    if (i >= 0) out[i] = a;
    else out.push(a);
  }
  return out;
}

export interface ResolveAxesContext {
  /** The options that may be axes (axisOptions of builtinOptions and the plugins'). */
  options: ReadonlyMap<string, PassOption>;
  /** Throws the coded error of a target name or file that does not resolve or validate. */
  checkTarget(value: string): void;
  /** Same for a cost preset or cost file. */
  checkCost(value: string): void;
}

/** Checks every axis and value; the first problem is thrown as one coded error. */
export function resolveAxes(axes: readonly AxisSpec[], ctx: ResolveAxesContext): ResolvedAxis[] {
  const seen = new Set<string>();
  return axes.map((a): ResolvedAxis => {
    if (seen.has(a.name)) throw usage(`axis '${a.name}' is given twice`);
    seen.add(a.name);
    if (!a.values.length) throw usage(`axis '${a.name}' has no values`);
    const dup = a.values.find((v, i) => a.values.indexOf(v) !== i);
    if (dup !== undefined) throw usage(`axis '${a.name}' lists '${dup}' twice`);
    if (a.name === 'target' || a.name === 'cost') {
      for (const v of a.values) (a.name === 'target' ? ctx.checkTarget : ctx.checkCost)(v);
      return { kind: a.name, name: a.name, values: a.values };
    }
    const option = ctx.options.get(a.name);
    if (!option) {
      throw usage(`unknown axis '${a.name}': an axis is target, cost or a compile option's flag name (${[...ctx.options.keys()].join(', ')})`);
    }
    const flag = flagName(option);
    // The CLI's own parse (flag text → value), then the declaration's check (ranges, choices).
    const parsed = a.values.map((v) => {
      const raw = option.repeatable ? [v] : v;
      const value = optionFromFlag(option, option.type === 'boolean' && v === '' ? undefined : raw, flag);
      checkOption(option, value);
      return value;
    });
    return { kind: 'option', name: a.name, option, values: a.values, parsed };
  });
}

export function gridSize(axes: readonly ResolvedAxis[]): number {
  return axes.reduce((n, a) => n * a.values.length, 1);
}

/** The flag text `cimc compile` takes for an option value ([] for a boolean false). */
function flagText(option: PassOption, text: string): string[] {
  const flag = flagName(option);
  if (option.type === 'boolean') return text === 'false' ? [] : [flag];
  return [flag, text];
}

/** Point `index` of the grid; `base` gives the target (and cost) when no axis varies them. */
export function gridPoint(axes: readonly ResolvedAxis[], index: number, base: { target: string; cost?: string }): GridPoint {
  const choice: number[] = new Array(axes.length);
  let rest = index;
  for (let k = axes.length - 1; k >= 0; k--) {
    choice[k] = rest % axes[k].values.length;
    rest = Math.floor(rest / axes[k].values.length);
  }
  let target = base.target;
  let cost = base.cost;
  const options: Record<string, unknown> = {};
  const varied: [string, string][] = [];
  const flags: string[] = [];
  axes.forEach((a, k) => {
    const text = a.values[choice[k]];
    varied.push([a.name, text]);
    if (a.kind === 'target') target = text;
    else if (a.kind === 'cost') cost = text;
    else if (a.kind === 'option') {
      options[a.option.name] = a.parsed[choice[k]];
      flags.push(...flagText(a.option, text));
    }
  });
  const sorted = Object.fromEntries(Object.keys(options).sort().map((k) => [k, options[k]])) as SweepPoint['options'];
  return { index, point: { target, ...(cost === undefined ? {} : { cost }), options: sorted }, varied, flags };
}

/** Every point, in grid order. */
export function gridPoints(axes: readonly ResolvedAxis[], base: { target: string; cost?: string }): GridPoint[] {
  return Array.from({ length: gridSize(axes) }, (_, i) => gridPoint(axes, i, base));
}
