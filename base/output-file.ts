/** Atomic file writes: a temporary file in the same folder, then rename. */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { CimcError } from './diagnostics.js';

export function writeFileAtomic(file: string, data: string | Uint8Array): void {
  const dir = path.dirname(path.resolve(file));
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${Date.now()}.tmp`);
  try {
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(tmp, data);
    fs.renameSync(tmp, file);
  } catch (e) {
    try { fs.rmSync(tmp, { force: true }); } catch { /* already gone */ }
    throw new CimcError('CIM5002', `cannot write ${file}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`, { file });
  }
}
