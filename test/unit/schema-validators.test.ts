import { createRequire } from 'node:module';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import { schemasSha256 } from '../../base/json-schema.js';

// The build (npm run build, run by pretest) compiles the schemas into dist/schema-validators.cjs;
// cimc uses those only while they match the schema files. They must judge every document as
// validators compiled from the schema files here do, first error included.
const built = createRequire(import.meta.url)(path.resolve('dist/schema-validators.cjs')) as Record<string, ValidateFunction> & { schemasSha256: string };

function freshValidators(): Map<string, ValidateFunction> {
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  const files = fs.readdirSync('schemas').filter((f) => f.endsWith('.schema.json')).sort();
  for (const f of files) ajv.addSchema(JSON.parse(fs.readFileSync(path.join('schemas', f), 'utf8')), f);
  return new Map(files.map((f) => [f, ajv.getSchema(f)!]));
}

describe('precompiled schema validators', () => {
  it('were built from the schema files as they are now', () => {
    expect(built.schemasSha256).toBe(schemasSha256());
  });

  it('give the same verdict and first error as freshly compiled ones on good and bad plans and targets', () => {
    const fresh = freshValidators();
    const docs: [string, unknown][] = [];
    const dir = 'test/fixtures/bad-inputs';
    for (const f of fs.readdirSync(dir).filter((n) => /^(plan|target)-.*\.json$/.test(n)).sort()) {
      let doc: unknown;
      try { doc = JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')); } catch { continue; }
      docs.push([f.startsWith('plan') ? 'plan.schema.json' : 'target.schema.json', doc]);
    }
    for (const f of fs.readdirSync('targets/builtin')) docs.push(['target.schema.json', JSON.parse(fs.readFileSync(path.join('targets/builtin', f), 'utf8'))]);
    expect(docs.length).toBeGreaterThan(30);
    let invalid = 0;
    for (const [schema, doc] of docs) {
      const a = built[schema];
      const b = fresh.get(schema)!;
      const okA = a(doc);
      expect(okA).toBe(b(doc));
      if (!okA) {
        invalid++;
        expect(a.errors?.[0]).toEqual(b.errors?.[0]);
      }
    }
    expect(invalid).toBeGreaterThan(10);
  });
});
