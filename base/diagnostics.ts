/**
 * Diagnostics: one catalog of codes, one error type for user errors.
 *
 *   1xxx import, 2xxx passes, 3xxx targets, 4xxx plan/runtime, 5xxx CLI usage.
 *
 * A user error is reported as one line:
 *   error CIM2001 [legalize-cim] model.onnx node 'Conv_12' (Conv): kernel 7x7 needs 49 rows ...
 *   error CIM4002 plan.json#/layers/0/cells: ...                     (a field: file#JSON-pointer)
 * `throw new Error(...)` is reserved for broken internal invariants.
 */

export const diagnosticCodes = {
  // import (1xxx)
  CIM1001: 'model file cannot be read or is not a valid ONNX protobuf',
  CIM1002: 'unsupported or missing opset import',
  CIM1003: 'tensor data is malformed (length, dtype or external data)',
  CIM1004: 'external data location escapes the model folder',
  CIM1005: 'graph structure is invalid (cycle, undefined value, duplicate output)',
  CIM1006: 'bad --input-shape binding',
  CIM1007: 'unsupported attribute or value type',
  CIM1008: 'bad quantization parameters (scale, zero point, axis, block size, packed data)',
  // passes (2xxx)
  CIM2000: 'pass requirement not met',
  CIM2001: 'operator not supported by shape inference',
  CIM2002: 'shapes are inconsistent',
  CIM2003: 'dynamic dimension not bound',
  CIM2004: 'constant folding failed',
  CIM2005: 'layer cannot be mapped to the target',
  CIM2006: 'bad compile option',
  CIM2007: 'unknown pass or duplicate pass name',
  CIM2008: 'plugin cannot be loaded or is malformed',
  CIM2009: 'a note or warning from a pass (what it did or why a rewrite did not fire)',
  CIM2010: 'a pass modified its input graph (found by --verify-each)',
  CIM2011: 'a pass left an invalid graph (found by --verify-each)',
  CIM2012: 'a pass reported no change but returned a different graph (found by --verify-each)',
  CIM2013: 'a pass names a fact that is not declared or that no pass provides',
  // targets (3xxx)
  CIM3001: 'target file cannot be read or parsed',
  CIM3002: 'target does not match the schema',
  CIM3003: 'unknown target',
  CIM3004: 'target is impossible (inconsistent numbers)',
  // plan / runtime (4xxx)
  CIM4001: 'plan cannot be read or parsed',
  CIM4002: 'plan does not match the schema',
  CIM4003: 'plan sidecar missing or hash mismatch',
  CIM4004: 'input file is malformed',
  CIM4005: 'runtime value out of range',
  CIM4006: 'float weights are not in the plan and the model is missing or differs',
  // CLI (5xxx)
  CIM5001: 'bad command-line usage',
  CIM5002: 'output cannot be written',
  CIM5003: 'bad sweep definition (axis, value, sweep file)',
  CIM5004: 'sweep folders cannot be merged (other definition, missing or conflicting points)',
  CIM5005: 'a runtime worker thread failed (run/eval --jobs)',
} as const;

export type DiagnosticCode = keyof typeof diagnosticCodes;

export interface DiagnosticLocation {
  /** File the problem is in (model, target, plan). */
  file?: string;
  /** Node name inside the graph, or a JSON pointer inside a JSON file. */
  node?: string;
  /** Operator type of the node, when the location is a node. */
  opType?: string;
  /** A field path when the location is not a node (e.g. "/array/rows"). */
  field?: string;
}

export interface Diagnostic extends DiagnosticLocation {
  code: DiagnosticCode;
  message: string;
  pass?: string;
  severity: 'error' | 'warning' | 'note';
}

/** A user error: bad input, unsupported feature, impossible request. */
export class CimcError extends Error {
  readonly diagnostic: Diagnostic;
  constructor(code: DiagnosticCode, message: string, where: DiagnosticLocation & { pass?: string } = {}) {
    super(message);
    this.name = 'CimcError';
    this.diagnostic = { code, message, severity: 'error', ...where };
  }
  get code(): DiagnosticCode {
    return this.diagnostic.code;
  }
  /** Returns a copy that names the pass, unless a pass is already named. */
  inPass(pass: string): CimcError {
    if (this.diagnostic.pass) return this;
    return new CimcError(this.diagnostic.code, this.diagnostic.message, { ...this.diagnostic, pass });
  }
  inFile(file: string): CimcError {
    if (this.diagnostic.file) return this;
    return new CimcError(this.diagnostic.code, this.diagnostic.message, { ...this.diagnostic, file });
  }
}

export function formatDiagnostic(d: Diagnostic): string {
  const pass = d.pass ? ` [${d.pass}]` : '';
  let where = '';
  if (d.file || d.node || d.field) {
    where = d.file ?? '';
    // Quoted: exporters name nodes like '/features/features.0/Conv', which a '#/graph/' pointer
    // would print as '#/graph//features/…'.
    if (d.node !== undefined) where += ` node '${d.node}'`;
    if (d.field !== undefined) where += `${d.file ? '#' : ''}${d.field}`;
    if (d.opType) where += ` (${d.opType})`;
    where = ` ${where.trim()}:`;
  }
  const message = d.message.replace(/\s*\n\s*/g, ' ');
  return `${d.severity} ${d.code}${pass}${where || ':'} ${message}`;
}

export function isCimcError(e: unknown): e is CimcError {
  return e instanceof CimcError;
}

/** Only the location fields of `where` (it may be a whole diagnostic). */
function location(where: DiagnosticLocation & { pass?: string }): DiagnosticLocation & { pass?: string } {
  const { file, node, opType, field, pass } = where;
  return Object.fromEntries(Object.entries({ file, node, opType, field, pass }).filter(([, v]) => v !== undefined));
}

/** Collects warnings and notes during a compile; errors are thrown as CimcError. */
export class DiagnosticSink {
  readonly items: Diagnostic[] = [];
  /** The pass now running (set by the pass manager); fills `pass` when a caller leaves it out. */
  currentPass?: string;
  warn(code: DiagnosticCode, message: string, where: DiagnosticLocation & { pass?: string } = {}): void {
    this.items.push({ ...this.located(where), code, message, severity: 'warning' });
  }
  note(code: DiagnosticCode, message: string, where: DiagnosticLocation & { pass?: string } = {}): void {
    this.items.push({ ...this.located(where), code, message, severity: 'note' });
  }
  private located(where: DiagnosticLocation & { pass?: string }): DiagnosticLocation & { pass?: string } {
    const l = location(where);
    if (l.pass === undefined && this.currentPass !== undefined) l.pass = this.currentPass;
    return l;
  }
}
