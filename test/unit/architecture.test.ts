/**
 * The allowed dependency directions of docs/architecture.md, checked on every import of every
 * source file: a new import that points the wrong way fails here, naming the file and the import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const root = path.resolve(import.meta.dirname, '..', '..');

/**
 * Each layer and the layers it may import (besides itself). A layer is a top-level folder, or a
 * subfolder of compiler/ and runtime/. Keep in step with the table in docs/architecture.md.
 */
const allowed: Readonly<Record<string, readonly string[]>> = {
  'base': [],
  'targets': ['base'],
  'plan': ['base', 'targets'],
  'runtime/reference': ['base', 'plan', 'targets', 'runtime/batch'],
  'runtime/batch': ['base', 'plan'],
  'runtime/ort-engine': ['base', 'plan', 'targets', 'runtime/reference', 'runtime/batch'],
  'compiler/ir': ['base'],
  'compiler/onnx': ['base', 'compiler/ir'],
  'compiler/const-eval': ['base', 'compiler/ir'],
  'compiler/shape-rules': ['base', 'compiler/ir', 'compiler/const-eval'],
  'compiler/pass-manager': ['base', 'targets', 'plan', 'compiler/ir'],
  'compiler/cim': ['base', 'plan', 'targets', 'compiler/ir', 'compiler/pass-manager'],
  'compiler/qdq': ['base', 'plan', 'targets', 'compiler/ir', 'compiler/const-eval', 'compiler/pass-manager', 'compiler/cim'],
  'compiler/calibration': ['base', 'plan', 'targets', 'runtime/reference', 'compiler/ir', 'compiler/pass-manager', 'compiler/cim'],
  'compiler/emit': ['base', 'plan', 'targets', 'compiler/ir', 'compiler/pass-manager', 'compiler/cim'],
  'compiler/cost': ['base', 'plan', 'targets'],
  'compiler/report': ['base', 'plan', 'targets', 'compiler/cost'],
  'passes': [
    'base', 'plan', 'targets', 'runtime/reference', 'compiler/ir', 'compiler/onnx', 'compiler/const-eval',
    'compiler/shape-rules', 'compiler/pass-manager', 'compiler/cim', 'compiler/qdq', 'compiler/calibration', 'compiler/emit', 'compiler/cost',
  ],
  'compiler/driver': [
    'base', 'plan', 'targets', 'compiler/ir', 'compiler/onnx', 'compiler/shape-rules', 'compiler/pass-manager',
    'compiler/cim', 'compiler/emit', 'compiler/cost', 'passes',
  ],
  'compiler/sweep': [
    'base', 'plan', 'targets', 'compiler/cost', 'compiler/report', 'compiler/driver', 'compiler/ir', 'compiler/shape-rules',
    'compiler/pass-manager', 'compiler/onnx', 'compiler/cim', 'compiler/emit', 'passes', 'runtime/reference', 'runtime/batch',
    'runtime/ort-engine',
  ],
  'compiler/cli': [
    'base', 'plan', 'targets', 'runtime/reference', 'runtime/batch', 'runtime/ort-engine', 'compiler/ir',
    'compiler/shape-rules', 'compiler/pass-manager', 'compiler/cost', 'compiler/report', 'compiler/driver', 'passes',
    'compiler/sweep',
  ],
};

/** The layer a source file (path relative to the repository) belongs to. */
export function layerOf(file: string): string | undefined {
  const parts = file.split('/');
  if (parts.length === 1) return file === 'index.ts' ? 'index' : undefined;
  if (parts[0] === 'compiler' || parts[0] === 'runtime') {
    return parts.length > 2 ? `${parts[0]}/${parts[1]}` : `${parts[0]}/${parts[1].replace(/\.ts$/, '')}`;
  }
  return parts[0];
}

interface Import { from: string; to: string; spec: string }

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const rel = path.join(dir, e.name);
    if (e.isDirectory()) return sourceFiles(rel);
    return e.name.endsWith('.ts') ? [rel] : [];
  });
}

/** Every relative import (static, dynamic, type-only, re-export and module augmentation). */
function importsOf(file: string): Import[] {
  const text = fs.readFileSync(path.join(root, file), 'utf8');
  const out: Import[] = [];
  for (const m of text.matchAll(/(?:\bfrom|\bimport|\bdeclare module)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)) {
    const to = path.normalize(path.join(path.dirname(file), m[1])).replace(/\.js$/, '.ts');
    out.push({ from: file, to, spec: m[1] });
  }
  return out;
}

const layered = ['base', 'plan', 'targets', 'runtime', 'compiler', 'passes'].flatMap(sourceFiles);
const imports = layered.flatMap(importsOf);

describe('architecture: one-way layers', () => {
  it('finds the source files and their imports', () => {
    expect(layered.length).toBeGreaterThan(100);
    expect(imports.length).toBeGreaterThan(300);
  });

  it('puts every source file in a known layer', () => {
    const unknown = layered.filter((f) => !(layerOf(f)! in allowed));
    expect(unknown).toEqual([]);
  });

  it('imports only along the allowed directions', () => {
    const wrong = imports
      .filter((i) => fs.existsSync(path.join(root, i.to)) || fs.existsSync(path.join(root, i.to.replace(/\.ts$/, ''))))
      .filter((i) => {
        const a = layerOf(i.from)!, b = layerOf(i.to);
        return b !== undefined && a !== b && !allowed[a]?.includes(b);
      })
      .map((i) => `${i.from} imports ${i.spec} (${layerOf(i.from)} → ${layerOf(i.to)})`);
    expect(wrong).toEqual([]);
  });

  it('resolves every relative import to a file', () => {
    const missing = imports.filter((i) => !fs.existsSync(path.join(root, i.to)) && !fs.existsSync(path.join(root, i.to.replace(/\.ts$/, '.json'))));
    expect(missing.map((i) => `${i.from}: ${i.spec}`)).toEqual([]);
  });

  it('keeps the runtime free of the compiler and the passes', () => {
    const bad = imports.filter((i) => i.from.startsWith('runtime/') && /^(compiler|passes)\//.test(i.to));
    expect(bad.map((i) => `${i.from}: ${i.spec}`)).toEqual([]);
  });

  it('keeps the pass infrastructure free of the built-in passes', () => {
    const bad = imports.filter((i) => i.from.startsWith('compiler/pass-manager/') && i.to.startsWith('passes/'));
    expect(bad.map((i) => `${i.from}: ${i.spec}`)).toEqual([]);
  });

  it('recognises a wrong import (the check itself can fail)', () => {
    const a = layerOf('runtime/reference/executor.ts')!, b = layerOf('compiler/ir/ir.ts')!;
    expect(allowed[a].includes(b)).toBe(false);
    expect(layerOf('runtime/batch.ts')).toBe('runtime/batch');
    expect(layerOf('compiler/cli/commands/run.ts')).toBe('compiler/cli');
  });
});
