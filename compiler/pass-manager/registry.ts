/**
 * The compiler's registry of passes and targets, built from a base set of passes with its
 * pipeline (cimc's built-ins, handed in by compiler/driver like any plugin) and plugins.
 * No global registration by side effect: `createRegistry(base, plugins)` builds it; the pass
 * infrastructure never imports a pass.
 */
import { CimcError } from '../../base/diagnostics.js';
import type { Pass } from './pass.js';
import { resolveFacts, type FactInfo } from './fact-registry.js';
import type { CompilerPlugin, PassInsertion } from './plugin.js';
import { builtinTargets, validateTarget } from '../../targets/loader.js';
import type { TargetSpec } from '../../targets/target.js';

export interface Compiler {
  readonly passes: ReadonlyMap<string, Pass>;
  readonly targets: ReadonlyMap<string, TargetSpec>;
  readonly plugins: readonly CompilerPlugin[];
  /** Every fact: built in or declared by a plugin, with the passes that provide and require it. */
  readonly facts: ReadonlyMap<string, FactInfo>;
  /** The default pipeline with every plugin insertion applied. */
  readonly pipeline: readonly string[];
  /** Which plugin (or 'builtin') provided a pass or target. */
  origin(kind: 'pass' | 'target', name: string): string;
  getPass(name: string): Pass;
  getTarget(name: string): TargetSpec;
}

export interface CreateCompilerOptions {
  plugins?: readonly CompilerPlugin[];
}

/** The passes a registry starts from and the pipeline they make (cimc's: passes/index.ts). */
export interface BasePasses {
  readonly passes: readonly Pass[];
  readonly pipeline: readonly string[];
}

export function createRegistry(base: BasePasses, options: CreateCompilerOptions = {}): Compiler {
  const plugins = options.plugins ?? [];
  const passes = new Map<string, Pass>();
  const targets = new Map<string, TargetSpec>();
  const origins = new Map<string, string>();

  const addPass = (p: Pass, from: string): void => {
    if (!p || typeof p.name !== 'string' || typeof p.run !== 'function') {
      throw new CimcError('CIM2008', `plugin '${from}' has a pass without a name or run function`);
    }
    if (passes.has(p.name)) {
      throw new CimcError('CIM2007', `duplicate pass name '${p.name}' (from ${from}; already defined by ${origins.get(`pass:${p.name}`)})`);
    }
    passes.set(p.name, p);
    origins.set(`pass:${p.name}`, from);
  };
  const addTarget = (t: TargetSpec, from: string): void => {
    const checked = validateTarget(t, `${from}:${(t as { name?: string })?.name ?? '?'}`);
    if (targets.has(checked.name)) {
      throw new CimcError('CIM3003', `duplicate target name '${checked.name}' (from ${from}; already defined by ${origins.get(`target:${checked.name}`)})`);
    }
    targets.set(checked.name, checked);
    origins.set(`target:${checked.name}`, from);
  };

  for (const p of base.passes) addPass(p, 'builtin');
  for (const t of builtinTargets()) addTarget(t, 'builtin');
  const pluginNames = new Set<string>();
  for (const plugin of plugins) {
    if (!plugin || typeof plugin.name !== 'string') throw new CimcError('CIM2008', 'a plugin must be an object with a name');
    if (pluginNames.has(plugin.name)) throw new CimcError('CIM2007', `plugin '${plugin.name}' is loaded twice`);
    pluginNames.add(plugin.name);
    for (const p of plugin.passes ?? []) addPass(p, plugin.name);
    for (const t of plugin.targets ?? []) addTarget(t, plugin.name);
  }

  const facts = resolveFacts(passes, (name) => origins.get(`pass:${name}`) ?? 'unknown', plugins);

  for (const name of base.pipeline) if (!passes.has(name)) throw new CimcError('CIM2007', `the base pipeline names unknown pass '${name}'`);
  const pipeline = [...base.pipeline];
  for (const plugin of plugins) {
    for (const ins of plugin.insert ?? []) insertPass(pipeline, ins, plugin.name, passes);
  }

  return {
    passes, targets, plugins, pipeline, facts,
    origin: (kind, name) => origins.get(`${kind}:${name}`) ?? 'unknown',
    getPass(name) {
      const p = passes.get(name);
      if (!p) throw new CimcError('CIM2007', `unknown pass '${name}' (known: ${[...passes.keys()].join(', ')})`);
      return p;
    },
    getTarget(name) {
      const t = targets.get(name);
      if (!t) throw new CimcError('CIM3003', `unknown target '${name}' (built in: ${[...targets.keys()].join(', ')}; or give a .json file)`);
      return t;
    },
  };
}

function insertPass(pipeline: string[], ins: PassInsertion, from: string, passes: ReadonlyMap<string, Pass>): void {
  if (!passes.has(ins.pass)) throw new CimcError('CIM2008', `plugin '${from}' inserts unknown pass '${ins.pass}'`);
  const anchor = ins.after ?? ins.before;
  if (!anchor || (ins.after && ins.before)) {
    throw new CimcError('CIM2008', `plugin '${from}': insertion of '${ins.pass}' needs exactly one of 'after' or 'before'`);
  }
  const at = pipeline.indexOf(anchor);
  if (at < 0) throw new CimcError('CIM2008', `plugin '${from}' inserts '${ins.pass}' at '${anchor}', which is not in the pipeline`);
  pipeline.splice(ins.after ? at + 1 : at, 0, ins.pass);
}
