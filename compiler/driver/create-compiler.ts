/** `createCompiler({ plugins })`: a registry of cimc's built-in passes and targets plus the plugins'. */
import { builtinBase } from '../../passes/index.js';
import { createRegistry, type Compiler, type CreateCompilerOptions } from '../pass-manager/registry.js';

export type { Compiler, CreateCompilerOptions } from '../pass-manager/registry.js';

export function createCompiler(options: CreateCompilerOptions = {}): Compiler {
  return createRegistry(builtinBase, options);
}
