/**
 * Options declared by passes (built-in or from plugins) that have no flag of their own:
 * `--min-cim-weights 512` sets option `minCimWeights` of whichever pass declares it.
 */
import { CimcError } from '../../../base/diagnostics.js';
import type { Pass, PassOption } from '../../pass-manager/pass.js';

const camel = (kebab: string): string => kebab.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());

export function parsePassOptionArgs(args: readonly string[], passes: Iterable<Pass>): Record<string, unknown> {
  const declared = new Map<string, PassOption>();
  for (const p of passes) for (const o of p.options ?? []) declared.set(o.name, o);
  const out: Record<string, unknown> = {};
  for (let i = 0; i < args.length; i++) {
    const token = args[i];
    if (!token.startsWith('--')) throw new CimcError('CIM5001', `unexpected argument '${token}'`);
    const eq = token.indexOf('=');
    const flag = eq > 0 ? token.slice(0, eq) : token;
    const name = camel(flag.slice(2));
    const option = declared.get(name);
    if (!option) throw new CimcError('CIM5001', `unknown option '${flag}' (not a cimc option, and no pass declares '${name}'; see cimc passes / cimc explain PASS)`, { field: flag });
    let raw: string | undefined = eq > 0 ? token.slice(eq + 1) : undefined;
    if (raw === undefined && option.type !== 'boolean') {
      raw = args[++i];
      if (raw === undefined) throw new CimcError('CIM5001', `option '${flag}' needs a value`, { field: flag });
    }
    switch (option.type) {
      case 'boolean':
        if (raw !== undefined && raw !== 'true' && raw !== 'false') throw new CimcError('CIM2006', `${flag} takes true or false, got '${raw}'`, { field: flag });
        out[name] = raw !== 'false';
        break;
      case 'number': {
        const n = Number(raw);
        if (raw === '' || !Number.isFinite(n)) throw new CimcError('CIM2006', `${flag} must be a number, got '${raw}'`, { field: flag });
        out[name] = n;
        break;
      }
      case 'list':
        out[name] = raw!.split(',').map((s) => s.trim()).filter(Boolean);
        break;
      case 'string':
        if (option.choices && !option.choices.includes(raw!)) throw new CimcError('CIM2006', `${flag} must be one of ${option.choices.join('|')}, got '${raw}'`, { field: flag });
        out[name] = raw;
        break;
    }
  }
  return out;
}
