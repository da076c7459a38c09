#!/usr/bin/env node
/**
 * Compiles the JSON Schemas in schemas/ once, at build time, into standalone ajv validators
 * (dist/schema-validators.cjs), so that no cimc command pays ajv's schema compilation at start-up
 * (≈ 40 ms of every compile, validate and run). The module records a sha256 of the schema files;
 * compiler/json-schema.ts uses it only while that still matches, and compiles at run time otherwise.
 * Run by `npm run build` (and prepare/pretest/bench) after tsc.
 */
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';

const standaloneCode = standaloneModule.default ?? standaloneModule;
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dir = path.join(root, 'schemas');
const files = fs.readdirSync(dir).filter((n) => n.endsWith('.schema.json')).sort();
const hash = createHash('sha256');
// The same options as compiler/json-schema.ts, plus code generation.
const ajv = new Ajv2020({ allErrors: false, strict: true, code: { source: true, esm: false } });
for (const f of files) {
  const text = fs.readFileSync(path.join(dir, f), 'utf8');
  hash.update(f).update('\0').update(text).update('\0');
  ajv.addSchema(JSON.parse(text), f);
}
const code = standaloneCode(ajv, Object.fromEntries(files.map((f) => [f, f])));
const out = path.join(root, 'dist', 'schema-validators.cjs');
fs.mkdirSync(path.dirname(out), { recursive: true });
const tmp = `${out}.${process.pid}.tmp`;
fs.writeFileSync(tmp, `${code}\nexports.schemasSha256 = ${JSON.stringify(hash.digest('hex'))};\n`);
fs.renameSync(tmp, out);
console.log(`wrote ${path.relative(root, out)} (${files.length} schemas)`);
