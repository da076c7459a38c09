/** Reads and parses a JSON file, reporting an unreadable file or bad JSON with the caller's code. */
import * as fs from 'node:fs';
import { CimcError, type DiagnosticCode } from './diagnostics.js';

export function readJsonFile(file: string, code: DiagnosticCode, what: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new CimcError(code, `cannot read ${what}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new CimcError(code, `not valid JSON (${(e as Error).message})`, { file });
  }
}
