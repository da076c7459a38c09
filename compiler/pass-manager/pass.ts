/** Passes: small named steps that declare what they need and what they produce. */
import { CimcError, type DiagnosticSink } from '../../base/diagnostics.js';
import type { Graph } from '../ir/ir.js';
import type { TargetSpec } from '../../targets/target.js';
import type { OptionValues, PassOption } from './options.js';

// Options are declared (and typed, and checked) by options.ts and option-values.ts.
export type { CompileOptions, OptionValues, PassOption } from './options.js';

export interface PassContext {
  readonly target?: TargetSpec;
  /** Options of one compile; a pass reads the ones it declares (readOption checks them). */
  readonly options: OptionValues;
  readonly diagnostics: DiagnosticSink;
  /** Path of the model being compiled (diagnostics, import-onnx). */
  readonly modelPath?: string;
  /** Counters a pass wants to show with --timing/--stats. */
  readonly stats: Map<string, number>;
  /** Reports progress of long work (0…1). */
  progress?(fraction: number, label?: string): void;
}

export interface PassResult {
  graph: Graph;
  changed: boolean;
}

export interface Pass {
  readonly name: string;
  readonly summary: string;
  /**
   * Facts that must hold before the pass runs (checked, never run implicitly). Each must be
   * provided by a registered pass (compiler/pass-manager/facts.ts for the built-in ones).
   */
  readonly requires: readonly string[];
  /** Facts that hold after it: built-in ones, or the plugin's own. */
  readonly provides: readonly string[];
  /** The pass reads ctx.target: the pass manager stops with CIM2000 before running it without one. */
  readonly requiresTarget?: boolean;
  readonly options?: readonly PassOption[];
  run(graph: Graph, ctx: PassContext): PassResult;
}

/** Identity helper that gives a pass literal its type. */
export function definePass(pass: Pass): Pass {
  return pass;
}

/** The target of a pass that declares `requiresTarget` (the pass manager has checked it is there). */
export function requireTarget(ctx: PassContext): TargetSpec {
  if (!ctx.target) throw new CimcError('CIM2000', `${ctx.diagnostics.currentPass ?? 'this pass'} needs a target (--target)`);
  return ctx.target;
}

export function optionString(ctx: PassContext, name: string, fallback: string): string {
  const v = ctx.options[name];
  return typeof v === 'string' ? v : fallback;
}

export function optionNumber(ctx: PassContext, name: string): number | undefined {
  const v = ctx.options[name];
  return typeof v === 'number' ? v : undefined;
}

export function optionList(ctx: PassContext, name: string): readonly string[] {
  const v = ctx.options[name];
  if (Array.isArray(v)) return v.map(String);
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  return [];
}
