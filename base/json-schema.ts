/** ajv (draft 2020-12) validators for the schemas in schemas/, with JSON-pointer errors. */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import type { Ajv2020, ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { packagePath } from './package-root.js';

const require = createRequire(import.meta.url);

/** ajv's options, here and in scripts/build-validators.mjs (which compiles the same schemas at build time). */
export const ajvOptions = { allErrors: false, strict: true } as const;

/** The schema files, sorted: each is registered under its file name so they can refer to each other. */
export function schemaFiles(): string[] {
  return fs.readdirSync(packagePath('schemas')).filter((n) => n.endsWith('.schema.json')).sort();
}
const validators = new Map<string, ValidateFunction>();
let ajv: Ajv2020 | undefined;

type Precompiled = Record<string, ValidateFunction | undefined> & { schemasSha256?: string };
let precompiled: Precompiled | null | undefined;

/** sha256 of the schema files as scripts/build-validators.mjs hashes them. */
export function schemasSha256(): string {
  const hash = createHash('sha256');
  for (const f of schemaFiles()) {
    hash.update(f).update('\0').update(fs.readFileSync(packagePath('schemas', f), 'utf8')).update('\0');
  }
  return hash.digest('hex');
}

/**
 * The validators compiled at build time (dist/schema-validators.cjs, scripts/build-validators.mjs),
 * if they were built from the schema files as they are now; null otherwise (then ajv compiles
 * the schemas here, ≈ 40 ms).
 */
function loadPrecompiled(): Precompiled | null {
  const file = packagePath('dist', 'schema-validators.cjs');
  if (!fs.existsSync(file)) return null;
  try {
    const mod = require(file) as Precompiled;
    return mod.schemasSha256 === schemasSha256() ? mod : null;
  } catch {
    return null;
  }
}

export function schemaValidator(schemaFile: string): ValidateFunction {
  let v = validators.get(schemaFile);
  if (!v && precompiled === undefined) precompiled = loadPrecompiled();
  if (!v && precompiled?.[schemaFile]) {
    v = precompiled[schemaFile];
    validators.set(schemaFile, v);
  }
  if (!v) {
    if (!ajv) {
      // Loaded only here: ajv's modules take ≈ 30 ms to load, which the precompiled validators spare.
      const { Ajv2020: Ajv } = require('ajv/dist/2020.js') as typeof import('ajv/dist/2020.js');
      ajv = new Ajv({ ...ajvOptions });
      for (const f of schemaFiles()) {
        ajv.addSchema(JSON.parse(fs.readFileSync(packagePath('schemas', f), 'utf8')), f);
      }
    }
    v = ajv.getSchema(schemaFile);
    if (!v) throw new Error(`schema ${schemaFile} is not in schemas/`);
    validators.set(schemaFile, v);
  }
  return v;
}

/** One line describing the first schema error: its JSON pointer and what is wrong. */
export function describeSchemaError(errors: readonly ErrorObject[] | null | undefined): { pointer: string; message: string } {
  const e = errors?.[0];
  if (!e) return { pointer: '', message: 'invalid' };
  let pointer = e.instancePath || '/';
  let message = e.message ?? 'invalid';
  if (e.keyword === 'additionalProperties') {
    const extra = (e.params as { additionalProperty: string }).additionalProperty;
    pointer = `${e.instancePath}/${extra}`;
    message = 'is not an allowed property';
  } else if (e.keyword === 'required') {
    pointer = `${e.instancePath}/${(e.params as { missingProperty: string }).missingProperty}`;
    message = 'is required';
  } else if (e.keyword === 'false schema') {
    message = 'is not allowed here';
  } else if (e.keyword === 'enum') {
    message = `must be one of ${((e.params as { allowedValues: unknown[] }).allowedValues).map((v) => JSON.stringify(v)).join(', ')}`;
  }
  return { pointer, message };
}
