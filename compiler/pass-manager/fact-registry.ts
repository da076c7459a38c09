/**
 * The facts of a registry: the built-in ones (facts.ts), those plugins declare, and who
 * provides and requires each. The rule:
 *
 * - A built-in pass names built-in facts only.
 * - A plugin declares its facts in `facts: [{ name, summary }]`; a fact its passes provide that
 *   it does not declare is declared by that (without a summary). It may not declare a fact that
 *   is already declared; its passes may provide any known fact (e.g. a replacement placer).
 * - Every required fact must be provided by some registered pass: else CIM2013 at registration.
 */
import { CimcError } from '../../base/diagnostics.js';
import { builtinFacts } from './facts.js';
import type { Pass } from './pass.js';
import type { CompilerPlugin } from './plugin.js';

export interface FactInfo {
  readonly name: string;
  /** What holds when the fact does ('' when the plugin did not say). */
  readonly summary: string;
  /** 'builtin' or the plugin that declared it. */
  readonly declaredBy: string;
  /** Registered passes that provide it, in registration order. */
  readonly providedBy: readonly string[];
  /** Registered passes that require it. */
  readonly requiredBy: readonly string[];
  /** The compile's result (like 'plan'): nothing has to require it. */
  readonly result: boolean;
}

interface MutableFact {
  name: string;
  summary: string;
  declaredBy: string;
  providedBy: string[];
  requiredBy: string[];
  result: boolean;
}

const isStringList = (x: unknown): x is readonly string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

export function resolveFacts(passes: ReadonlyMap<string, Pass>, originOf: (pass: string) => string, plugins: readonly CompilerPlugin[]): ReadonlyMap<string, FactInfo> {
  const facts = new Map<string, MutableFact>();
  for (const f of builtinFacts) facts.set(f.name, { name: f.name, summary: f.summary, declaredBy: 'builtin', providedBy: [], requiredBy: [], result: f.result === true });
  for (const plugin of plugins) {
    for (const d of plugin.facts ?? []) {
      if (!d || typeof d.name !== 'string' || !d.name || typeof d.summary !== 'string') {
        throw new CimcError('CIM2008', `plugin '${plugin.name}' declares a fact without a name and a summary`);
      }
      const known = facts.get(d.name);
      if (known) throw new CimcError('CIM2008', `plugin '${plugin.name}' declares fact '${d.name}', which ${known.declaredBy === 'builtin' ? 'is built in' : `plugin '${known.declaredBy}' declares`}`);
      facts.set(d.name, { name: d.name, summary: d.summary, declaredBy: plugin.name, providedBy: [], requiredBy: [], result: false });
    }
  }
  for (const p of passes.values()) {
    const from = originOf(p.name);
    if (!isStringList(p.requires) || !isStringList(p.provides)) {
      throw new CimcError('CIM2008', `pass '${p.name}' (from ${from}) needs 'requires' and 'provides' as lists of fact names`);
    }
    for (const name of p.provides) {
      let f = facts.get(name);
      if (!f) {
        if (from === 'builtin') throw new CimcError('CIM2013', `built-in pass '${p.name}' provides fact '${name}', which compiler/pass-manager/facts.ts does not declare`, { pass: p.name });
        f = { name, summary: '', declaredBy: from, providedBy: [], requiredBy: [], result: false };
        facts.set(name, f);
      }
      f.providedBy.push(p.name);
    }
  }
  for (const p of passes.values()) {
    for (const name of p.requires) {
      const f = facts.get(name);
      if (!f?.providedBy.length) {
        const known = [...facts.values()].filter((k) => k.providedBy.length).map((k) => k.name).join(', ');
        throw new CimcError('CIM2013', `pass '${p.name}' (from ${originOf(p.name)}) requires fact '${name}', which no registered pass provides (provided facts: ${known})`, { pass: p.name });
      }
      f.requiredBy.push(p.name);
    }
  }
  return facts;
}

/** Facts some pass provides, no pass requires, and that are not a result: a fact nobody needs. */
export function unusedFacts(facts: ReadonlyMap<string, FactInfo>): FactInfo[] {
  return [...facts.values()].filter((f) => f.providedBy.length > 0 && f.requiredBy.length === 0 && !f.result);
}
