#!/usr/bin/env node
/**
 * Compiles the JSON Schemas in schemas/ once, at build time, into standalone ajv validators
 * (dist/schema-validators.cjs), so that no cimc command pays ajv's schema compilation at start-up
 * (≈ 40 ms of every compile, validate and run). The module records the schemas' sha256
 * (schemasSha256 of base/json-schema.ts); json-schema.ts uses it only while that still
 * matches, and compiles at run time otherwise. Run by `npm run build` after tsc, whose output
 * (the same options, file list and digest as at run time) it imports.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standaloneModule from 'ajv/dist/standalone/index.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const { ajvOptions, schemaFiles, schemasSha256 } = await import(path.join(root, 'dist', 'base', 'json-schema.js'));
const standaloneCode = standaloneModule.default ?? standaloneModule;
const files = schemaFiles();
const ajv = new Ajv2020({ ...ajvOptions, code: { source: true, esm: false } });
for (const f of files) ajv.addSchema(JSON.parse(fs.readFileSync(path.join(root, 'schemas', f), 'utf8')), f);
const code = standaloneCode(ajv, Object.fromEntries(files.map((f) => [f, f])));
const out = path.join(root, 'dist', 'schema-validators.cjs');
const tmp = `${out}.${process.pid}.tmp`;
fs.writeFileSync(tmp, `${code}\nexports.schemasSha256 = ${JSON.stringify(schemasSha256())};\n`);
fs.renameSync(tmp, out);
console.log(`wrote ${path.relative(root, out)} (${files.length} schemas)`);
