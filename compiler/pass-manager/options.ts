/**
 * Compile options are declared once, as data, in the `options` of the pass that reads them:
 * name, type (with its choices or range), default, help text and command-line flag. The CLI's
 * flags, `cimc explain`, the typed `CompileOptions`, the plan's `options` record and the checks
 * of bad values (option-values.ts) all come from these declarations, so a design-space sweep
 * can iterate them too. A plugin declares its options the same way (plain objects will do).
 */

/** The types every declaration can use; the checks and flag parsing of option-values.ts know them. */
export type BasicOptionType = 'string' | 'number' | 'integer' | 'boolean' | 'list';

/**
 * A basic type, or the name of a special one ('adc-bits', 'input-shapes', …) whose declaration
 * brings its own `check` (and `fromFlag` when it has a flag).
 */
export type OptionType = BasicOptionType | (string & {});

/** Constant defaults a declaration can show. */
export type OptionDefault = string | number | boolean | readonly string[];

/** A documented option a pass reads from the compile options (shown by `cimc explain`). */
export interface PassOption {
  /** The key in the compile options (camelCase); the flag is its kebab-case, `--min-cim-weights`. */
  name: string;
  type: OptionType;
  description: string;
  /** Used when the option is not set. */
  default?: OptionDefault;
  /** Allowed values, for string options. */
  choices?: readonly string[];
  /** Smallest and largest allowed value, for integer options (inclusive). */
  min?: number;
  max?: number;
  /** What `cimc explain` shows as the default when it is not a constant, e.g. "the target's". */
  defaultText?: string;
  /**
   * The flag as help shows it, with its value placeholder: `'--tiling <policy>'`. Default:
   * `--kebab-name <type>` (`--kebab-name` for booleans). `false`: not a flag; library callers set
   * it in memory (a tensor, a name the CLI derives itself).
   */
  flag?: string | false;
  /** The flag may be given more than once; `fromFlag` receives every value, [] when it is absent. */
  repeatable?: boolean;
  /** A special type's flag text (or texts, when repeatable) to its value; throws CimcError naming the flag. */
  fromFlag?(raw: string | readonly string[], flag: string): unknown;
  /** A special type's check of a set value; returns it as the pass reads it, or throws CimcError naming the flag. */
  check?(value: unknown, flag: string): unknown;
}

/** A declaration without its name (the key of a `defineOptions` table gives it). */
export type OptionSpec = Omit<PassOption, 'name'>;

/** Carries an option's value type at the type level only (no such property exists at run time). */
declare const optionValueType: unique symbol;

/** A declaration that knows the type of its value. */
export type TypedOption<N extends string, V> = PassOption & { readonly name: N; readonly [optionValueType]?: V };

/** The value type a declaration's `type` (and `choices` or `check`) gives. */
export type ValueOfSpec<O> =
  O extends { check(value: unknown, flag: string): infer R } ? R
    : O extends { type: 'string'; choices: readonly (infer C)[] } ? C
      : O extends { type: 'string' } ? string
        : O extends { type: 'number' | 'integer' } ? number
          : O extends { type: 'boolean' } ? boolean
            : O extends { type: 'list' } ? readonly string[]
              : unknown;

/** The value type of a typed declaration. */
export type OptionValue<O> = O extends { readonly [optionValueType]?: infer V } ? V : unknown;

/** One option, typed from its literal: `defineOption({ name: 'minCimWeights', type: 'integer', … })`. */
export function defineOption<const O extends PassOption>(option: O): O & TypedOption<O['name'], ValueOfSpec<O>> {
  return option;
}

/** A table of options keyed by name, in the order `explain`, `--help` and checks go through them. */
export type OptionTable<T extends Readonly<Record<string, OptionSpec>>> = {
  readonly [K in keyof T & string]: T[K] & TypedOption<K, ValueOfSpec<T[K]>>;
};

/** The options of a pass, keyed by name: `defineOptions({ tiling: { type: 'string', … } })`. */
export function defineOptions<const T extends Readonly<Record<string, OptionSpec>>>(table: T): OptionTable<T> {
  return Object.fromEntries(Object.entries(table).map(([name, spec]) => [name, { name, ...spec }])) as OptionTable<T>;
}

/** Name → value type of a table of declarations (what `CompileOptionTypes` is built from). */
export type OptionTypesOf<T> = { -readonly [K in keyof T]: OptionValue<T[K]> };

/**
 * The value type of every declared compile option, by name. Empty here (the pass infrastructure
 * knows no pass); passes/compile-options.ts adds cimc's, and a TypeScript plugin can add its own:
 * `declare module 'cimc' { interface CompileOptionTypes { minCimWeights: number } }`.
 */
export interface CompileOptionTypes {}

/** The compile options a library caller gives: every one optional, a typo or a wrong type is a type error. */
export type CompileOptions = { readonly [K in keyof CompileOptionTypes]?: CompileOptionTypes[K] };

/** The options as passes receive them: anything a caller set, checked only when read (option-values.ts). */
export type OptionValues = Readonly<Record<string, unknown>>;

export const kebab = (s: string): string => s.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** The flag as help shows it, with its placeholder, or undefined for an in-memory option. */
export function flagSpelling(o: PassOption): string | undefined {
  if (o.flag === false) return undefined;
  return o.flag ?? (o.type === 'boolean' ? `--${kebab(o.name)}` : `--${kebab(o.name)} <${o.type}>`);
}

/** The name errors give: the flag (`--adc-bits`), or the option's own name when it has no flag. */
export function flagName(o: PassOption): string {
  return flagSpelling(o)?.split(' ')[0] ?? o.name;
}

/** The type as `cimc explain` shows it: `string`, `integer 1..16`, `adc-bits`, … */
export function typeText(o: PassOption): string {
  if (o.type !== 'integer' || (o.min === undefined && o.max === undefined)) return o.type;
  return o.max === undefined ? `integer ≥ ${o.min}` : `integer ${o.min ?? ''}..${o.max}`;
}

/** The default as `cimc explain` and `--help` show it, or undefined when there is none. */
export function defaultText(o: PassOption): string | undefined {
  if (o.defaultText !== undefined) return o.defaultText;
  if (o.default === undefined) return undefined;
  if (Array.isArray(o.default)) return o.default.length ? o.default.join(',') : 'none';
  return String(o.default);
}
