/**
 * Every compile option is declared once, in its pass's `options`, and the CLI flags, `cimc
 * explain`, the typed CompileOptions, the plan's options record and the checks of bad values
 * all come from that declaration. Checked here in-process (no build needed).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { CimcError } from '../../base/diagnostics.js';
import { builtinOptions, recordedOptions } from '../../passes/compile-options.js';
import { builtinPasses } from '../../passes/index.js';
import { compile } from '../../compiler/driver/compile.js';
import { defineOption, flagName, kebab, type CompileOptions, type PassOption } from '../../compiler/pass-manager/options.js';
import { checkOption, optionFromFlag, readOption } from '../../compiler/pass-manager/option-values.js';
import { registerCompile } from '../../compiler/cli/commands/compile.js';
import { explainOption, explainPass } from '../../compiler/cli/commands/passes.js';
import { parsePassOptionArgs } from '../../compiler/cli/commands/pass-option-args.js';
import type { CliEnv } from '../../compiler/cli/cli-env.js';
import type { Pass } from '../../compiler/pass-manager/pass.js';

const root = path.resolve(import.meta.dirname, '..', '..');
const mnist = path.join(root, 'examples', 'models', 'mnist-cnn.onnx');

/** The compile command as main.ts registers it (nothing runs: the env is never asked for a compiler). */
function compileCommand(): Command {
  const program = new Command();
  const env: CliEnv = { compiler: () => Promise.reject(new Error('not used')), printDiagnostics: () => undefined, quiet: () => true };
  registerCompile(program, env);
  return program.commands.find((c) => c.name() === 'compile')!;
}

/** The CimcError `f` throws. */
function thrown(f: () => unknown): CimcError {
  try {
    f();
  } catch (e) {
    if (e instanceof CimcError) return e;
    throw e;
  }
  throw new Error('expected a CimcError');
}

const flagged = builtinOptions.filter((r) => r.option.flag !== false);

describe('compile options: one declaration each', () => {
  it('declares every built-in option once, and only in-memory options have no flag', () => {
    const names = builtinOptions.map((r) => r.option.name);
    expect(new Set(names).size).toBe(names.length);
    expect(builtinOptions.filter((r) => r.option.flag === false).map((r) => r.option.name).sort()).toEqual(['calibData', 'sidecarUri']);
    for (const { option } of flagged) {
      // The flag is the name in kebab-case; --input-shape is singular because it is repeated, one binding each.
      expect(flagName(option), option.name).toBe(option.name === 'inputShapes' ? '--input-shape' : `--${kebab(option.name)}`);
    }
  });

  it('makes every declared option with a flag a flag of cimc compile, listed by --help', () => {
    const cmd = compileCommand();
    const longs = cmd.options.map((o) => o.long);
    const help = cmd.helpInformation();
    for (const { option } of flagged) {
      expect(longs, option.name).toContain(flagName(option));
      expect(help).toContain(option.flag as string);
      if (option.choices) expect(cmd.options.find((o) => o.long === flagName(option))!.argChoices).toEqual(option.choices);
    }
    for (const { option } of builtinOptions.filter((r) => r.option.flag === false)) expect(longs).not.toContain(`--${kebab(option.name)}`);
    // The command's own flags stay.
    for (const f of ['-t', '-o']) expect(cmd.options.map((o) => o.short)).toContain(f);
    for (const f of ['--report', '--stats', '--passes', '--print-ir-after', '--timing']) expect(longs).toContain(f);
  });

  it('shows every option in cimc explain of the pass that reads it, with type, choices and default', () => {
    for (const { pass, option } of builtinOptions) {
      const text = explainPass(builtinPasses.find((p) => p.name === pass)!, 'builtin');
      const line = text.split('\n').find((l) => l.trimStart().startsWith(`${flagName(option)} `));
      expect(line, `${pass} ${option.name}`).toBeDefined();
      expect(line).toContain(option.description);
      if (option.choices) expect(line).toContain(`[${option.choices.join('|')}]`);
      if (option.default !== undefined || option.defaultText !== undefined) expect(line).toMatch(/\(default: /);
      if (option.flag === false) expect(line).toContain('no flag');
    }
    expect(explainPass(builtinPasses.find((p) => p.name === 'legalize-cim')!, 'builtin'))
      .toContain("    --weight-bits <integer 1..16> (default: the target's)  weight bits");
  });

  it('records the options that change the result in the plan, in the key order plans have always had', () => {
    expect(recordedOptions.map((o) => o.name)).toEqual([
      'tiling', 'encoding', 'sliceLayout', 'packGroups', 'weightGranularity', 'weightScale', 'psumGranularity', 'importedQuant',
      'weightBits', 'actBits', 'dacBits', 'adcBits', 'keepDigital', 'inputShapes', 'adcRange', 'calibSamples', 'arrayBudget',
    ]);
    for (const o of recordedOptions) expect(builtinOptions.map((r) => r.option)).toContain(o);
  });

  it('README lists every compile flag', () => {
    const readme = fs.readFileSync(path.join(root, 'README.md'), 'utf8');
    const missing = flagged.map((r) => flagName(r.option)).filter((f) => !readme.includes(`\`${f}`));
    expect(missing).toEqual([]);
  });
});

describe('compile options: bad values', () => {
  /** A bad library value of each type. */
  const badValue: Record<string, unknown> = {
    string: 5, number: 'x', boolean: 'yes', list: 5, 'adc-bits': 2.5, 'adc-range': 'sigma', 'input-shapes': 'x=1', tensor: [1, 2],
  };

  it('a bad value of each kind, as a library caller gives it, is CIM2006 naming the flag', () => {
    for (const { option } of builtinOptions) {
      const outOfRange = option.max !== undefined ? option.max + 1 : (option.min ?? 0) - 1;
      const bad = option.choices ? 'nope' : option.type === 'integer' ? outOfRange : badValue[option.type];
      const e = thrown(() => checkOption(option, bad));
      expect(e.code, option.name).toBe('CIM2006');
      // inputShapes keeps its own wording ('option inputShapes must map …'): the field names the option.
      expect(`${e.diagnostic.field} ${e.message}`, option.name).toContain(option.name === 'inputShapes' ? 'inputShapes' : flagName(option));
    }
  });

  it('keeps the messages bad flags have always had', () => {
    const o = Object.fromEntries(builtinOptions.map((r) => [r.option.name, r.option]));
    const message = (f: () => unknown): string => { const e = thrown(f); expect(e.code).toBe('CIM2006'); return e.message; };
    expect(message(() => optionFromFlag(o.weightBits, '-3'))).toBe("--weight-bits must be a positive integer, got '-3'");
    expect(message(() => checkOption(o.weightBits, 0))).toBe("--weight-bits must be an integer in 1..16, got '0'");
    expect(message(() => optionFromFlag(o.adcBits, 'lots'))).toBe("--adc-bits must be 1..16, 1.5 or ideal, got 'lots'");
    expect(message(() => checkOption(o.adcBits, 99))).toBe("--adc-bits must be 1..16, 1.5 or ideal, got '99'");
    expect(message(() => checkOption(o.tiling, 'sideways'))).toBe("--tiling must be one of whole-kernel|dense, got 'sideways'");
    expect(message(() => checkOption(o.calibSamples, 0))).toBe('--calib-samples must be a positive integer');
    expect(message(() => checkOption(o.adcRange, 'bogus'))).toBe("--adc-range must be mse or sigma:K, got 'bogus'");
    expect(message(() => optionFromFlag(o.foldMaxElements, 'abc'))).toBe("--fold-max-elements must be a number, got 'abc'");
    expect(message(() => optionFromFlag(o.partialShapes, 'maybe'))).toBe("--partial-shapes takes true or false, got 'maybe'");
  });

  it('reads unset options as their declared defaults, and flags as the CLI always passed them', () => {
    const o = Object.fromEntries(builtinOptions.map((r) => [r.option.name, r.option]));
    expect(readOption({}, o.tiling)).toBe('whole-kernel');
    expect(readOption({ tiling: null }, o.tiling)).toBe('whole-kernel');
    expect(readOption({}, o.encoding)).toBeUndefined(); // the target's
    expect(readOption({ weightBits: '8' }, o.weightBits)).toBe(8);
    expect(readOption({ keepDigital: ' first , last ' }, o.keepDigital)).toEqual(['first', 'last']);
    expect(optionFromFlag(o.adcBits, 'ideal')).toBe('ideal');
    expect(optionFromFlag(o.adcBits, '1.5')).toBe(1.5);
    expect(optionFromFlag(o.keepDigital, '')).toBeUndefined();
    expect(optionFromFlag(o.inputShapes, [])).toEqual({});
    expect(optionFromFlag(o.inputShapes, ['x=1x3'])).toEqual({ x: [1, 3] });
  });

  it('the library rejects an unknown choice the same way, from the pass that reads it', () => {
    // @ts-expect-error -- 'row' is not a weight granularity: the typed CompileOptions refuses it too
    const e = thrown(() => compile({ model: mnist, options: { weightGranularity: 'row' } }));
    expect(e.code).toBe('CIM2006');
    expect(e.message).toBe("--weight-granularity must be one of layer|channel|array|column, got 'row'");
    expect(e.diagnostic.field).toBe('--weight-granularity');
  });
});

describe('compile options: types and plugins', () => {
  it('types CompileOptions from the declarations', () => {
    const good: CompileOptions = {
      adcBits: 4, weightGranularity: 'column', tiling: 'dense', packGroups: true, keepDigital: ['first'],
      inputShapes: { input: [1, 1, 28, 28] }, adcRange: 'sigma:3', calibSamples: 16, sidecarUri: 'p.bin',
    };
    // @ts-expect-error -- adcBits is 1..16, 1.5 or 'ideal': a string number is a type error
    const wrongType: CompileOptions = { adcBits: '4' };
    // @ts-expect-error -- a typo is a type error
    const typo: CompileOptions = { adcBist: 4 };
    // @ts-expect-error -- 'sigma' without K is not an ADC range
    const badRange: CompileOptions = { adcRange: 'sigma' };
    expect([good, wrongType, typo, badRange]).toHaveLength(4);
  });

  it("takes a plugin's plain-object options the same way: explain, flags and checks", () => {
    const budget: PassOption = { name: 'arrayBudget', type: 'number', description: 'arrays the replicated model may use' };
    expect(explainOption(budget)).toBe('    --array-budget <number>  arrays the replicated model may use');
    const minWeights = defineOption({ name: 'minCimWeights', type: 'integer', min: 0, default: 1024, description: 'layers with fewer weights stay digital' });
    const mode = { name: 'mode', type: 'string', choices: ['a', 'b'], description: 'a mode' } satisfies PassOption;
    const pass: Pass = { name: 'p', summary: '', requires: [], provides: [], options: [budget, minWeights, mode], run: (graph) => ({ graph, changed: false }) };
    expect(parsePassOptionArgs(['--array-budget', '40', '--min-cim-weights=7', '--mode', 'b'], [pass])).toEqual({ arrayBudget: 40, minCimWeights: 7, mode: 'b' });
    expect(thrown(() => parsePassOptionArgs(['--mode', 'c'], [pass])).message).toBe("--mode must be one of a|b, got 'c'");
    expect(thrown(() => parsePassOptionArgs(['--array-budget', 'many'], [pass])).code).toBe('CIM2006');
    const read: number = readOption({}, minWeights);
    expect(read).toBe(1024);
    expect(thrown(() => readOption({ minCimWeights: -1 }, minWeights)).message).toBe("--min-cim-weights must be an integer ≥ 0, got '-1'");
  });
});
