/** What every CLI command gets: the registry (with plugins) and diagnostic printing. */
import type { Diagnostic } from './diagnostics.js';
import type { Compiler } from './registry.js';

export interface CliEnv {
  compiler(): Promise<Compiler>;
  printDiagnostics(items: readonly Diagnostic[]): void;
  quiet(): boolean;
}
