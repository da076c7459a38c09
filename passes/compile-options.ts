/**
 * cimc's compile options as one table: every option of every built-in pass, with the pass that
 * reads it, in pipeline order. Each is declared once, in its pass's `options` (defineOptions);
 * the `compile` command's flags, `cimc explain`, the typed CompileOptions below and the plan's
 * `options` record are made from those declarations, and a design-space sweep can take its axes
 * from this table (choices, integer ranges).
 */
import type { OptionTypesOf, PassOption } from '../compiler/pass-manager/options.js';
import { builtinPasses } from './index.js';
import type { canonicalizeOptions } from './canonicalize.js';
import type { inferShapesOptions } from './infer-shapes.js';
import type { selectCimOptions } from './select-cim.js';
import type { legalizeCimOptions } from './legalize-cim.js';
import type { quantizeJobsOptions, quantizeWeightsOptions } from './quantize-weights.js';
import type { calibrateOptions } from './calibrate.js';
import type { emitPlanOptions } from './emit-plan.js';
import type { replicateOptions } from './replicate.js';

export { recordedOptions } from './emit-plan.js';

export interface OptionRow {
  /** The pass that reads (and checks) the option. */
  readonly pass: string;
  readonly option: PassOption;
}

export const builtinOptions: readonly OptionRow[] = builtinPasses.flatMap((p) => (p.options ?? []).map((option) => ({ pass: p.name, option })));

/** Name → value type of every built-in option, from the declarations. */
export type BuiltinOptionTypes =
  OptionTypesOf<typeof canonicalizeOptions> & OptionTypesOf<typeof inferShapesOptions> & OptionTypesOf<typeof selectCimOptions>
  & OptionTypesOf<typeof legalizeCimOptions> & OptionTypesOf<typeof quantizeWeightsOptions> & OptionTypesOf<typeof quantizeJobsOptions> & OptionTypesOf<typeof calibrateOptions>
  & OptionTypesOf<typeof replicateOptions> & OptionTypesOf<typeof emitPlanOptions>;

// The typed CompileOptions of the pass infrastructure get cimc's options (as a plugin could add its own).
declare module '../compiler/pass-manager/options.js' {
  interface CompileOptionTypes extends BuiltinOptionTypes {}
}
