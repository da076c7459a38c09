/** What every CLI command gets: the registry (with plugins) and diagnostic printing. */
import type { Diagnostic } from '../../base/diagnostics.js';
import type { Compiler } from '../pass-manager/registry.js';

export interface CliEnv {
  compiler(): Promise<Compiler>;
  printDiagnostics(items: readonly Diagnostic[]): void;
  quiet(): boolean;
}
