/** The one loader for targets: built-in JSON files and user files, checked against the schema. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from '../base/diagnostics.js';
import { readJsonFile } from '../base/json-file.js';
import { describeSchemaError, schemaValidator } from '../base/json-schema.js';
import { packagePath } from '../base/package-root.js';
import type { CostSpec } from './cost.js';
import type { TargetSpec } from './target.js';

/** Checks a parsed target against the schema and for impossible combinations. */
export function validateTarget(json: unknown, file?: string): TargetSpec {
  const validate = schemaValidator('target.schema.json');
  if (!validate(json)) {
    const { pointer, message } = describeSchemaError(validate.errors);
    throw new CimcError('CIM3002', `${pointer} ${message}`, { file, field: pointer });
  }
  const t = json as TargetSpec;
  if (t.dacBits > t.activationBits) {
    throw new CimcError('CIM3004', `dacBits (${t.dacBits}) exceeds activationBits (${t.activationBits})`, { file, field: '/dacBits' });
  }
  if (t.array.cellBits > t.weightBits) {
    throw new CimcError('CIM3004', `array.cellBits (${t.array.cellBits}) exceeds weightBits (${t.weightBits})`, { file, field: '/array/cellBits' });
  }
  if (typeof t.cost === 'string') return { ...t, cost: costPreset(t.cost, file, '/cost') };
  if (t.cost) checkCostSources(t.cost, file, '/cost');
  return t;
}

/** Every component's `source` names an entry of `sources`. */
function checkCostSources(c: CostSpec, file: string | undefined, at: string): void {
  const ids = new Set(c.sources.map((s) => s.id));
  const named: [string, string][] = [
    ['adc', c.adc.source], ['dac', c.dac.source], ['sampleHold', c.sampleHold.source], ['array', c.array.source],
    ['shiftAdd', c.shiftAdd.source], ['digital', c.digital.source],
    ...(c.blocks ?? []).map((b, i): [string, string] => [`blocks/${i}`, b.source]),
  ];
  for (const [field, id] of named) {
    if (!ids.has(id)) throw new CimcError('CIM3002', `${at}/${field}/source '${id}' is not the id of an entry of ${at}/sources`, { file, field: `${at}/${field}/source` });
  }
}

/** Checks a parsed cost file (schemas/cost.schema.json) and its sources. */
export function validateCost(json: unknown, file?: string): CostSpec {
  const validate = schemaValidator('cost.schema.json');
  if (!validate(json)) {
    const { pointer, message } = describeSchemaError(validate.errors);
    throw new CimcError('CIM3002', `${pointer} ${message}`, { file, field: pointer });
  }
  const c = json as CostSpec;
  checkCostSources(c, file, '');
  return c;
}

const costPresets = new Map<string, CostSpec>();

/** The cost presets shipped in targets/costs/. */
export function builtinCostNames(): string[] {
  return fs.readdirSync(packagePath('targets', 'costs')).filter((f) => f.endsWith('.json')).map((f) => f.slice(0, -5)).sort();
}

function costPreset(name: string, file: string | undefined, field: string): CostSpec {
  let c = costPresets.get(name);
  if (!c) {
    if (!builtinCostNames().includes(name)) {
      throw new CimcError('CIM3003', `unknown cost preset '${name}' (built in: ${builtinCostNames().join(', ')}; or give a .json file)`, { file, field });
    }
    const presetFile = packagePath('targets', 'costs', `${name}.json`);
    c = validateCost(readJsonFile(presetFile, 'CIM3001', 'cost file'), presetFile);
    costPresets.set(name, c);
  }
  return c;
}

/** A cost preset by name, or a cost file (anything ending in .json or containing a slash). */
export function resolveCost(nameOrFile: string): CostSpec {
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/') || nameOrFile.includes(path.sep)) {
    return validateCost(readJsonFile(nameOrFile, 'CIM3001', 'cost file'), nameOrFile);
  }
  return costPreset(nameOrFile, undefined, '--cost');
}

/** A target with other cost figures: its geometry and bits, the cost file's numbers. */
export function withCost(target: TargetSpec, cost: CostSpec): TargetSpec {
  return { ...target, cost };
}

/**
 * The target a compile runs for: a spec, a built-in name or a target file, with the figures of
 * `cost` (a preset name, a cost file or the figures) in place of its own when given.
 */
export function resolveTargetWithCost(target: string | TargetSpec, cost: string | CostSpec | undefined, known: ReadonlyMap<string, TargetSpec>): TargetSpec {
  const named = typeof target === 'object' ? target : resolveTarget(target, known);
  return cost === undefined ? named : withCost(named, typeof cost === 'string' ? resolveCost(cost) : cost);
}

export function loadTargetFile(file: string): TargetSpec {
  return validateTarget(readJsonFile(file, 'CIM3001', 'target file'), file);
}

let builtins: TargetSpec[] | undefined;

/** The targets shipped in targets/builtin/, sorted by name. */
export function builtinTargets(): TargetSpec[] {
  if (!builtins) {
    const dir = packagePath('targets', 'builtin');
    builtins = fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
      .map((f) => loadTargetFile(path.join(dir, f)));
  }
  return builtins;
}

/** A target by name or by path to a JSON file (anything ending in .json or containing a slash). */
export function resolveTarget(nameOrFile: string, known: ReadonlyMap<string, TargetSpec>): TargetSpec {
  const t = known.get(nameOrFile);
  if (t) return t;
  if (nameOrFile.endsWith('.json') || nameOrFile.includes('/') || nameOrFile.includes(path.sep)) return loadTargetFile(nameOrFile);
  throw new CimcError('CIM3003', `unknown target '${nameOrFile}' (built in: ${[...known.keys()].join(', ')}; or give a .json file)`);
}

export const defaultTargetName = 'seed-4b';
