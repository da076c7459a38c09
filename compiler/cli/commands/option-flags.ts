/**
 * Commander flags made from option declarations (compiler/pass-manager/options.ts), and the
 * compile options read back from what commander parsed. Every built-in option with a flag gets
 * one, so `--help` lists them from the declarations; plugin options, loaded only once the
 * command runs, go through pass-option-args.ts.
 */
import { Option } from 'commander';
import { defaultText, flagName, flagSpelling, type PassOption } from '../../pass-manager/options.js';
import { optionFromFlag } from '../../pass-manager/option-values.js';
import { collect } from './common.js';

export interface OptionFlag {
  readonly option: PassOption;
  readonly flag: Option;
}

/** The help line: the declaration's help and its default (not "false" for a flag); commander adds the choices. */
function helpText(o: PassOption): string {
  const def = o.type === 'boolean' && o.default === false ? undefined : defaultText(o);
  return def === undefined ? o.description : `${o.description} (default: ${def})`;
}

/** A flag for each declaration that has one (in-memory options have none). */
export function optionFlags(options: readonly PassOption[]): OptionFlag[] {
  return options.flatMap((option) => {
    const spelling = flagSpelling(option);
    if (spelling === undefined) return [];
    const flag = new Option(spelling, helpText(option));
    // Commander checks the choices (a CIM5001 usage error, before anything runs).
    if (option.type === 'string' && option.choices) flag.choices(option.choices);
    if (option.repeatable) flag.argParser(collect);
    return [{ option, flag }];
  });
}

/**
 * The compile options the flags set, by option name. Every flag's option is a key (undefined when
 * the flag was not given), so these win over a `--name=value` the generic parser saw.
 */
export function optionsFromFlags(flags: readonly OptionFlag[], parsed: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const { option, flag } of flags) {
    // A string, a list of them (repeatable), true (a boolean flag) or undefined (not given).
    const raw = parsed[flag.attributeName()] as string | string[] | true | undefined;
    if (raw === undefined && !option.repeatable) out[option.name] = undefined;
    else out[option.name] = optionFromFlag(option, raw === true ? undefined : raw, flagName(option));
  }
  return out;
}
