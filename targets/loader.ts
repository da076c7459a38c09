/** The one loader for targets: built-in JSON files and user files, checked against the schema. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from '../base/diagnostics.js';
import { readJsonFile } from '../base/json-file.js';
import { describeSchemaError, schemaValidator } from '../base/json-schema.js';
import { packagePath } from '../base/package-root.js';
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
  return t;
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
