/**
 * Options declared by passes that have no commander flag of their own (those of plugins, loaded
 * only once the command runs): `--min-cim-weights 512` sets option `minCimWeights` of whichever
 * pass declares it, parsed as its declaration says (option-values.ts).
 */
import { CimcError } from '../../../base/diagnostics.js';
import type { Pass, PassOption } from '../../pass-manager/pass.js';
import { flagName } from '../../pass-manager/options.js';
import { optionFromFlag } from '../../pass-manager/option-values.js';

const camel = (kebab: string): string => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function parsePassOptionArgs(args: readonly string[], passes: Iterable<Pass>): Record<string, unknown> {
  const declared = new Map<string, PassOption>();
  const byName = new Map<string, PassOption>();
  for (const p of passes) {
    for (const o of p.options ?? []) {
      byName.set(o.name, o);
      if (o.flag !== false) declared.set(flagName(o), o);
    }
  }
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (!token.startsWith('--')) throw new CimcError('CIM5001', `unexpected argument '${token}'`);
    const eq = token.indexOf('=');
    const flag = eq > 0 ? token.slice(0, eq) : token;
    const option = declared.get(flag);
    if (!option) {
      const name = camel(flag.slice(2));
      const other = byName.get(name);
      if (other && other.flag !== false) throw new CimcError('CIM5001', `unknown option '${flag}'; option '${name}' is set by ${flagName(other)}`, { field: flag });
      throw new CimcError('CIM5001', `unknown option '${flag}' (not a cimc option, and no pass declares '${name}'; see cimc passes / cimc explain PASS)`, { field: flag });
    }
    let raw: string | undefined = eq > 0 ? token.slice(eq + 1) : undefined;
    if (raw === undefined && option.type !== 'boolean') {
      raw = args[++i];
      if (raw === undefined) throw new CimcError('CIM5001', `option '${flag}' needs a value`, { field: flag });
    }
    out[option.name] = optionFromFlag(option, option.repeatable && raw !== undefined ? [raw] : raw, flag);
  }
  return out;
}
