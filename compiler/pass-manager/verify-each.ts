/**
 * --verify-each: after every pass, check that the pass kept its contract.
 *
 * - It did not edit its input: a content fingerprint of the input taken before the pass
 *   (compiler/ir/fingerprint.ts) must equal one taken after (CIM2010).
 * - Its output is a valid graph: validateGraph, nodes in topological order, and the checks of
 *   the facts passes of this run have provided, e.g. every value typed once infer-shapes has run
 *   (CIM2011). Facts the caller asserts with `initialFacts` are taken on trust.
 * - A pass that reports `changed: false` returned its input, or an equal graph (CIM2012).
 */
import { CimcError, isCimcError, type DiagnosticLocation } from '../../base/diagnostics.js';
import { topologicalOrderProblem, validateGraph } from '../ir/dataflow.js';
import { fingerprintDifference, fingerprintGraph, type GraphFingerprint } from '../ir/fingerprint.js';
import type { Graph } from '../ir/ir.js';
import { builtinFacts } from './facts.js';
import type { Pass, PassContext, PassResult } from './pass.js';

const factChecks = new Map(builtinFacts.flatMap((f) => (f.check ? [[f.name, f.check] as const] : [])));

/** Checks one pipeline run; `before` is called with each pass's input, `after` with its result. */
export class PassVerifier {
  private input?: { graph: Graph; fingerprint: GraphFingerprint };
  /** Facts provided by the passes checked so far. */
  private readonly established = new Set<string>();

  constructor(private readonly ctx: PassContext) {}

  /** Takes the fingerprint of the graph the pass is about to get (unless the last check already has). */
  before(graph: Graph): void {
    if (this.input?.graph !== graph) this.input = { graph, fingerprint: fingerprintGraph(graph) };
  }

  /** Checks the pass that just ran; `more` says whether another pass follows (then the output's fingerprint is kept for it). */
  after(pass: Pass, result: PassResult, more: boolean): void {
    const input = this.input;
    if (!input) throw new Error('PassVerifier.after without before');
    this.input = undefined;
    const hashes = new WeakMap();
    const now = fingerprintGraph(input.graph, hashes);
    const edited = fingerprintDifference(input.fingerprint, now);
    if (edited) {
      throw new CimcError('CIM2010', `pass '${pass.name}' modified its input graph (${edited}); a pass must build a new graph (graph.with) and leave its input as it was`, { pass: pass.name });
    }
    for (const f of pass.provides) this.established.add(f);
    this.checkGraph(pass, result.graph);
    const output = result.graph === input.graph ? now : (more || !result.changed ? fingerprintGraph(result.graph, hashes) : undefined);
    if (!result.changed && output !== now) {
      const differs = fingerprintDifference(now, output!);
      if (differs) throw new CimcError('CIM2012', `pass '${pass.name}' reported no change but returned a different graph (${differs})`, { pass: pass.name });
    }
    if (more && output) this.input = { graph: result.graph, fingerprint: output };
  }

  private checkGraph(pass: Pass, graph: Graph): void {
    const invalid = (message: string, where: DiagnosticLocation = {}): CimcError => {
      const file = where.node !== undefined ? this.ctx.modelPath : undefined;
      return new CimcError('CIM2011', `pass '${pass.name}' left an invalid graph: ${message}`, { ...where, ...(file ? { file } : {}), pass: pass.name });
    };
    try {
      validateGraph(graph);
    } catch (e) {
      if (!isCimcError(e)) throw e;
      const { node, opType, field } = e.diagnostic;
      throw invalid(e.message, { node, opType, field });
    }
    const order = topologicalOrderProblem(graph);
    if (order) throw invalid(order.message, { node: order.node, opType: order.opType });
    for (const f of this.established) {
      const problem = factChecks.get(f)?.(graph, this.ctx);
      if (problem) throw invalid(`${problem} (fact '${f}')`);
    }
  }
}
