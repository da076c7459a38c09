/**
 * Everything a sweep checks before it runs a point or writes a file: the model and data can be
 * read, every axis and value is valid (options by their declarations, targets and cost files by
 * their loaders), --limit is sane. The result is the sweep's definition and its grid.
 */
import * as fs from 'node:fs';
import { CimcError } from '../../base/diagnostics.js';
import { readNpy } from '../../base/npy.js';
import type { RtTensor } from '../../base/rt-tensor.js';
import { resolveCost, resolveTargetWithCost } from '../../targets/loader.js';
import type { TargetSpec } from '../../targets/target.js';
import type { Compiler } from '../driver/create-compiler.js';
import { flagName, type PassOption } from '../pass-manager/options.js';
import { optionFromFlag } from '../pass-manager/option-values.js';
import type { Engine } from './accuracy.js';
import { dataHashes, fileSha256, type SweepDefinition } from './definition.js';
import { axisOptions, gridPoints, resolveAxes, type AxisSpec, type GridPoint, type ResolvedAxis } from './grid.js';

export interface SweepRequest {
  model: string;
  inputs: string;
  labels: string;
  calib?: string;
  limit?: number;
  /** Used when no axis varies the target. */
  target: string;
  cost?: string;
  axes: readonly AxisSpec[];
  engine: Engine;
  compiler: Compiler;
  /** Every declared option (builtinOptions and the plugins' passes'). */
  options: readonly PassOption[];
}

export interface PreparedSweep {
  request: SweepRequest;
  definition: SweepDefinition;
  axes: ResolvedAxis[];
  points: GridPoint[];
  inputs: RtTensor;
  labels: RtTensor;
  calibData?: RtTensor;
  /** The resolved target of a point (cost figures included), cached per (target, cost). */
  targetOf(p: GridPoint): TargetSpec;
}

function readable(file: string, what: string): void {
  if (!fs.existsSync(file) || !fs.statSync(file).isFile()) throw new CimcError('CIM5003', `${what} '${file}' cannot be read`, { file });
}

export function prepareSweep(req: SweepRequest): PreparedSweep {
  readable(req.model, 'model');
  readable(req.inputs, '--inputs');
  readable(req.labels, '--labels');
  if (req.calib) readable(req.calib, '--calib');
  if (req.limit !== undefined && (!Number.isInteger(req.limit) || req.limit < 1)) throw new CimcError('CIM5003', '--limit must be a positive integer', { field: '--limit' });
  const targets = new Map<string, TargetSpec>();
  const targetOf = (name: string, cost?: string): TargetSpec => {
    const k = `${name}\0${cost ?? ''}`;
    let t = targets.get(k);
    if (!t) {
      t = resolveTargetWithCost(name, cost, req.compiler.targets);
      targets.set(k, t);
    }
    return t;
  };
  const axes = resolveAxes(req.axes, {
    options: axisOptions(req.options),
    checkTarget: (v) => { targetOf(v); },
    checkCost: (v) => { resolveCost(v); },
  });
  const base = { target: req.target, ...(req.cost === undefined ? {} : { cost: req.cost }) };
  if (!axes.some((a) => a.kind === 'target')) targetOf(req.target);
  if (req.cost !== undefined && !axes.some((a) => a.kind === 'cost')) resolveCost(req.cost);
  const points = gridPoints(axes, base);
  const inputs = readNpy(req.inputs);
  const labels = readNpy(req.labels);
  const calibData = req.calib ? readNpy(req.calib) : undefined;
  const definition: SweepDefinition = {
    sweepVersion: 1,
    model: { file: req.model, sha256: fileSha256(req.model) },
    data: { inputs: req.inputs, labels: req.labels, ...(req.calib ? { calib: req.calib } : {}), ...dataHashes(req.inputs, req.labels, req.calib) },
    target: req.target,
    ...(req.cost === undefined ? {} : { cost: req.cost }),
    axes: axes.map((a) => ({ name: a.name, values: [...a.values] })),
    gridSize: points.length,
    evaluation: { ...(req.limit === undefined ? {} : { limit: req.limit }), engine: req.engine },
  };
  return { request: req, definition, axes, points, inputs, labels, calibData, targetOf: (p) => targetOf(p.point.target, p.point.cost) };
}

/** The built-in options and those the compiler's plugin passes declare (the sweep's possible axes). */
export function allOptions(builtin: readonly PassOption[], compiler: Compiler): PassOption[] {
  const names = new Set(builtin.map((o) => o.name));
  return [...builtin, ...[...compiler.passes.values()].flatMap((p) => p.options ?? []).filter((o) => !names.has(o.name))];
}

/**
 * The values `cimc compile` sets for flags not given: a repeatable flag's option gets its
 * fromFlag of nothing (`--input-shape` → {}), which the plan's options record shows. Sweeps set
 * them too, so a point's plan is byte for byte the one its `command` writes.
 */
export function implicitOptions(options: readonly PassOption[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const o of options) {
    if (o.flag === false || !o.repeatable) continue;
    const v = optionFromFlag(o, undefined, flagName(o));
    if (v !== undefined) out[o.name] = v;
  }
  return out;
}
