/** Plugins are plain objects that add passes and targets and insert passes at named points. */
import type { Pass } from './pass.js';
import type { FactDeclaration } from './facts.js';
import type { TargetSpec } from '../../targets/target.js';

export interface PassInsertion {
  /** The pass to insert (from this plugin or any other). */
  pass: string;
  /** Insert after this pass of the pipeline … */
  after?: string;
  /** … or before this one. */
  before?: string;
}

export interface CompilerPlugin {
  name: string;
  passes?: readonly Pass[];
  /**
   * The facts its passes provide, with what they mean (`cimc passes` shows them). A provided
   * fact left out here is declared without a summary; see fact-registry.ts.
   */
  facts?: readonly FactDeclaration[];
  /** Target specs (JSON data), checked against the target schema when registered. */
  targets?: readonly TargetSpec[];
  insert?: readonly PassInsertion[];
}
