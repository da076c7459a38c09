/** Loads plugins given on the command line: a path to a module or a package name. */
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { CimcError } from '../../base/diagnostics.js';
import type { CompilerPlugin } from '../pass-manager/plugin.js';

function isPlugin(x: unknown): x is CompilerPlugin {
  return typeof x === 'object' && x !== null && typeof (x as { name?: unknown }).name === 'string';
}

export async function loadPlugin(spec: string, cwd = process.cwd()): Promise<CompilerPlugin> {
  let url: string;
  if (spec.startsWith('.') || path.isAbsolute(spec)) {
    url = pathToFileURL(path.resolve(cwd, spec)).href;
  } else {
    try {
      url = pathToFileURL(createRequire(path.join(cwd, 'package.json')).resolve(spec)).href;
    } catch {
      throw new CimcError('CIM2008', `plugin package '${spec}' is not installed here`, { field: '--plugin' });
    }
  }
  let mod: Record<string, unknown>;
  try {
    mod = (await import(url)) as Record<string, unknown>;
  } catch (e) {
    throw new CimcError('CIM2008', `cannot load plugin '${spec}': ${(e as Error).message.split('\n')[0]}`, { field: '--plugin' });
  }
  const candidate = mod.default ?? mod.plugin;
  if (!isPlugin(candidate)) {
    throw new CimcError('CIM2008', `plugin '${spec}' must export (default) an object with a name, passes, targets and insert`, { field: '--plugin' });
  }
  return candidate;
}

export async function loadPlugins(specs: readonly string[]): Promise<CompilerPlugin[]> {
  const out: CompilerPlugin[] = [];
  for (const s of specs) out.push(await loadPlugin(s));
  return out;
}
