/**
 * The guides in docs/ run as written.
 *
 * - A ```sh block whose first line is `# test: run` is run command by command through the real CLI
 *   (`npx cimc …` lines; `mkdir -p out` is the only other command allowed), from the repository
 *   root, with `out/` redirected to a temporary folder; every command must exit 0.
 *   `# test: error CIMxxxx` instead expects a one-line user error with that code.
 * - A ```js block whose first line is `// test: run` is run as an ES module (node, from the root).
 * - A ```text block right after a run block is the pasted output: each of its lines must be printed
 *   by the block's commands (lines with pass timings in ms and lines `…` are skipped).
 * - A block whose first line is `// excerpt: <file>` must match that file, line by line, in order.
 * - writing-targets.md: its JSON block is the example file, and its pasted validation errors are
 *   printed by `cimc targets validate` on the copies it describes.
 *
 * Then the worked example's pass (examples/plugins/pipeline-balance.js) is checked on the MNIST
 * model against hand-calculated numbers and a brute-force optimum.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CimcError, compile, createCompiler, formatDiagnostic, runModel } from 'cimc';
// @ts-expect-error -- the example plugin is plain JavaScript (as users write it), without types
import balance, { makePipelineBalancePass, pipelineBalancePlugin } from '../../examples/plugins/pipeline-balance.js';
import { cimc, expectUserError, fixture, repoRoot, tempDir, type CliResult } from '../helpers/cli.js';

// What the example pass records on nodes and on the graph.
declare module '../../compiler/ir/ir.js' {
  interface NodeAnnotations { replicas?: number }
  interface GraphAnnotations { pipelineBalance?: unknown }
}

interface Block {
  lang: string;
  lines: string[];
  /** 1-based line of the opening fence. */
  start: number;
  /** 1-based line of the closing fence. */
  end: number;
}

function fencedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    const open = /^```(\S*)\s*$/.exec(lines[i]);
    if (!open) continue;
    const body: string[] = [];
    let j = i + 1;
    while (j < lines.length && !/^```\s*$/.test(lines[j])) body.push(lines[j++]);
    if (j >= lines.length) throw new Error(`unclosed code fence at line ${i + 1}`);
    blocks.push({ lang: open[1], lines: body, start: i + 1, end: j + 1 });
    i = j;
  }
  return blocks;
}

/** The ```text block directly after `block` (only blank lines between), if any. */
function outputBlock(blocks: readonly Block[], index: number, markdown: string): Block | undefined {
  const next = blocks[index + 1];
  if (!next || next.lang !== 'text') return undefined;
  const between = markdown.split('\n').slice(blocks[index].end, next.start - 1);
  return between.every((l) => l.trim() === '') ? next : undefined;
}

/** `npx cimc a b c  # comment` → ['a', 'b', 'c']; other commands are refused. */
function cliArgs(line: string, outDir: string): string[] | undefined {
  const command = line.replace(/\s+#.*$/, '').trim();
  if (command === 'mkdir -p out') return undefined;
  if (!command.startsWith('npx cimc ')) throw new Error(`a run block may only hold 'npx cimc …' and 'mkdir -p out', found: ${line}`);
  return command.slice('npx cimc '.length).split(/\s+/).map((a) => (a.startsWith('out/') ? path.join(outDir, a.slice(4)) : a));
}

function expectPrinted(expected: Block, printed: string, doc: string): void {
  const actual = new Set(printed.split('\n').map((l) => l.trimEnd()));
  const missing = expected.lines
    .map((l) => l.trimEnd())
    .filter((l) => l.trim() !== '' && l.trim() !== '…' && !/\d\.\d ms\b/.test(l))
    .filter((l) => !actual.has(l));
  expect(missing, `${doc}:${expected.start}: pasted lines that the commands did not print`).toEqual([]);
}

interface Ran {
  args: string[];
  result: CliResult;
}

/** Runs every marked block of a guide; returns the CLI runs and how many pasted outputs were compared. */
function runGuide(doc: string): { ran: Ran[]; outputsChecked: number } {
  const file = path.join(repoRoot, doc);
  const markdown = fs.readFileSync(file, 'utf8');
  const blocks = fencedBlocks(markdown);
  const outDir = tempDir('cimc-docs-');
  const ran: Ran[] = [];
  let outputsChecked = 0;
  try {
    blocks.forEach((block, index) => {
      const first = block.lines[0]?.trim() ?? '';
      const where = `${doc}:${block.start}`;
      const excerpt = /^\/\/ excerpt: (\S+)/.exec(first);
      if (excerpt) {
        const source = fs.readFileSync(path.join(repoRoot, excerpt[1]), 'utf8').split('\n').map((l) => l.trim());
        let at = 0;
        for (const line of block.lines.slice(1).map((l) => l.trim())) {
          if (line === '' || line === '// …') continue;
          const found = source.indexOf(line, at);
          expect(found, `${where}: excerpt line not in ${excerpt[1]} (in order): ${line}`).toBeGreaterThanOrEqual(0);
          at = found + 1;
        }
        return;
      }
      let printed = '';
      if (block.lang === 'sh' && /^# test: (run|error CIM\d{4})$/.test(first)) {
        const errorCode = /error (CIM\d{4})/.exec(first)?.[1];
        for (const line of block.lines.slice(1)) {
          if (line.trim() === '' || line.trim().startsWith('#')) continue;
          const args = cliArgs(line, outDir);
          if (!args) continue;
          const result = cimc(args);
          if (errorCode) expectUserError(result, errorCode);
          else {
            expect(result.stderr, `${where}: ${line}`).not.toMatch(/^(error|internal error) /m);
            expect(result.code, `${where}: ${line}\n${result.stderr}`).toBe(0);
          }
          ran.push({ args, result });
          printed += `${result.stdout}\n${result.stderr}\n`;
        }
      } else if (block.lang === 'js' && first === '// test: run') {
        const r = spawnSync(process.execPath, ['--input-type=module'], { input: block.lines.join('\n'), cwd: repoRoot, encoding: 'utf8' });
        expect(r.status, `${where}: ${r.stderr}`).toBe(0);
        printed = `${r.stdout}\n${r.stderr}`;
      } else {
        return;
      }
      const expected = outputBlock(blocks, index, markdown);
      if (expected) {
        expectPrinted(expected, printed.split(outDir + path.sep).join('out/'), doc);
        outputsChecked++;
      }
    });
  } finally {
    fs.rmSync(outDir, { recursive: true, force: true });
  }
  return { ran, outputsChecked };
}

const find = (ran: readonly Ran[], ...words: string[]): Ran => {
  const r = ran.find((x) => words.every((w) => x.args.includes(w)));
  if (!r) throw new Error(`no command with ${words.join(' ')} in the guide`);
  return r;
};

describe('docs/writing-passes.md', () => {
  it('runs as written and shows the balance pass at work', () => {
    const { ran, outputsChecked } = runGuide('docs/writing-passes.md');
    expect(ran.length).toBeGreaterThanOrEqual(6);
    expect(outputsChecked).toBe(6);
    const passes = find(ran, 'passes');
    expect(passes.result.stdout).toMatch(/default pipeline: .*,place,pipeline-balance,replicate,emit-plan/);
    expect(find(ran, 'explain', 'pipeline-balance').result.stdout).toMatch(/--array-budget <number>/);
    const compiled = ran.find((x) => x.args.includes('compile') && x.args.includes('--plugin') && !x.args.includes('-q') && x.result.code === 0);
    expect(compiled?.result.stderr).toMatch(/note CIM2005 \[pipeline-balance\] .*features\.0\/Conv' \(Conv\): 6 replicas \(\+20 arrays\): 6272 ns -> 1048 ns per inference/);
    expect(compiled?.result.stderr).toMatch(/2 layers duplicated, arrays 28 -> 56 \(budget 56: 2x the 28 placed arrays\)/);
    expect(find(ran, 'report').result.stdout).toMatch(/features\.4\/Conv: pipeline-balance: 2 replicas/);
  });
});

describe('docs/writing-targets.md', () => {
  it('runs as written: validate, compile and report for the vendor target', () => {
    const { ran, outputsChecked } = runGuide('docs/writing-targets.md');
    expect(ran.length).toBeGreaterThanOrEqual(5);
    expect(outputsChecked).toBe(4);
    expect(find(ran, 'validate', 'examples/targets/vendor-reram.json').result.stdout).toMatch(/ok \(target 'vendor-reram'\)/);
    expect(find(ran, '-t', 'examples/targets/vendor-reram.json', '--report').result.stdout).toMatch(/arrays {2}20 \(lower bound 3\)/);
    expect(find(ran, '-t', 'vendor-reram').result.stderr).toMatch(/arrays 20 -> 48 \(budget 48: arraysPerChip of target 'vendor-reram'\)/);
  });

  it('shows the example file as it is, and the validation errors it pastes are real', () => {
    const blocks = fencedBlocks(fs.readFileSync(path.join(repoRoot, 'docs/writing-targets.md'), 'utf8'));
    const example = JSON.parse(fs.readFileSync(fixture('examples/targets/vendor-reram.json'), 'utf8'));
    expect(JSON.parse(blocks.find((b) => b.lang === 'json')!.lines.join('\n'))).toEqual(example);
    const pasted = blocks.find((b) => b.lang === 'text' && b.lines[0].startsWith('error CIM3002 my-reram.json'))!.lines;
    // The copies the guide describes: "rows": 0, "dacBits": 8, an extra adc.sampleRateMhz, "bits": 2.5, a name with a space.
    const copies = [
      { ...example, array: { ...example.array, rows: 0 } },
      { ...example, dacBits: 8 },
      { ...example, adc: { ...example.adc, sampleRateMhz: 100 } },
      { ...example, adc: { ...example.adc, bits: 2.5 } },
      { ...example, name: 'vendor reram' },
    ];
    const dir = tempDir('cimc-docs-');
    try {
      const printed = copies.map((copy) => {
        fs.writeFileSync(path.join(dir, 'my-reram.json'), JSON.stringify(copy, null, 2));
        return expectUserError(cimc(['targets', 'validate', 'my-reram.json'], { cwd: dir }), 'CIM300');
      });
      expect(printed).toEqual(pasted);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ---- the worked example's pass, by numbers --------------------------------------------------

const mnist = fixture('examples/models/mnist-cnn.onnx');
const conv0 = '/features/features.0/Conv';
const conv4 = '/features/features.4/Conv';
const conv8 = '/features/features.8/Conv';
const gemm = '/classifier/Gemm';

interface Balance {
  arrayBudget: number;
  budgetFrom: string;
  arraysBefore: number;
  arraysAfter: number;
  bottleneckBefore: { layer: string; timeNs: number };
  bottleneckAfter: { layer: string; timeNs: number };
  throughputBefore: number;
  throughputAfter: number;
  energyPerInferencePj?: number;
  layers: { name: string; arrays: number; replicas: number; timeNs: number }[];
}

function balanced(options: Record<string, unknown> = {}, target = 'seed-4b', plugin = balance) {
  const compiler = createCompiler({ plugins: [plugin] });
  const result = runModel({
    modelPath: mnist, compiler, target: compiler.getTarget(target), options,
    passes: compiler.pipeline.filter((p: string) => p !== 'emit-plan'),
  });
  return { ...result, balance: result.graph.annotations.pipelineBalance as Balance };
}

/**
 * Hand calculation for seed-4b (128x128, 2-bit cells, 4-bit weights and inputs, dacBits 4, 8 columns
 * per ADC): one input cycle; output vectors 28·28, 14·14, 7·7, 1; columns used per array 16, 32, 64,
 * 10, so min(·, 8) = 8 conversion slots each; arrays 4, 8, 12, 4 (= 28, the compile report).
 */
const seed = { vectors: [784, 196, 49, 1], slots: [8, 8, 8, 8], cycles: 1, arrays: [4, 8, 12, 4], ns: 1 };
const timeOf = (i: number, r: number, m = seed): number => Math.ceil(m.vectors[i] / r) * m.cycles * m.slots[i] * m.ns;

/** The smallest bottleneck any replication within the budget reaches (exhaustive search). */
function bestBottleneck(budget: number, m = seed): number {
  let best = Infinity;
  const search = (i: number, used: number, worst: number): void => {
    if (worst >= best) return;
    if (i === m.arrays.length) { best = worst; return; }
    for (let r = 1; used + r * m.arrays[i] <= budget && r <= m.vectors[i]; r++) search(i + 1, used + r * m.arrays[i], Math.max(worst, timeOf(i, r, m)));
  };
  search(0, 0, 0);
  return best;
}

describe('pipeline-balance pass on the MNIST model', () => {
  it('duplicates the slowest layer, within the default budget of 2x the placed arrays', () => {
    const { balance: b, graph, stats, diagnostics } = balanced();
    expect([0, 1, 2, 3].map((i) => timeOf(i, 1))).toEqual([6272, 1568, 392, 8]);
    expect(b.arraysBefore).toBe(28);
    expect(b.arrayBudget).toBe(56);
    expect(b.bottleneckBefore).toEqual({ layer: conv0, timeNs: 6272 });
    // Greedy by hand: conv0 x2..x4 (36, 40 arrays; 1568 ns, tied with conv4), x5 (44), conv4 x2 (52), conv0 x6 (56).
    expect(b.layers.map((l) => [l.name, l.replicas, l.timeNs])).toEqual([[conv0, 6, 1048], [conv4, 2, 784], [conv8, 1, 392], [gemm, 1, 8]]);
    expect(b.arraysAfter).toBe(4 * 6 + 8 * 2 + 12 + 4);
    expect(b.arraysAfter).toBeLessThanOrEqual(b.arrayBudget);
    expect(b.bottleneckAfter).toEqual({ layer: conv0, timeNs: 1048 });
    expect(b.throughputAfter).toBeGreaterThan(b.throughputBefore);
    expect(b.throughputAfter / b.throughputBefore).toBeCloseTo(6272 / 1048, 10);
    expect(graph.nodes.filter((n: { annotations?: { replicas?: number } }) => n.annotations?.replicas).map((n) => [n.name, n.annotations?.replicas]))
      .toEqual([[conv0, 6], [conv4, 2], [conv8, 1], [gemm, 1]]);
    expect(stats.get('pipeline-balance.arrays')).toBe(56);
    expect(stats.get('pipeline-balance.duplicated-layers')).toBe(2);
    expect(stats.get('pipeline-balance.throughput-per-s')).toBe(Math.round(1e9 / 1048));
    const notes = diagnostics.items.filter((d: { pass?: string }) => d.pass === 'pipeline-balance').map(formatDiagnostic);
    expect(notes).toEqual([
      `note CIM2005 [pipeline-balance] ${mnist} node '${conv0}' (Conv): 6 replicas (+20 arrays): 6272 ns -> 1048 ns per inference`,
      `note CIM2005 [pipeline-balance] ${mnist} node '${conv4}' (Conv): 2 replicas (+8 arrays): 1568 ns -> 784 ns per inference`,
      expect.stringMatching(/^note CIM2005 \[pipeline-balance\]: 2 layers duplicated, arrays 28 -> 56 .* throughput 159\.4k -> 954\.2k inferences\/s \(x5\.98\) \(1 ns per conversion assumed/),
    ]);
  });

  it('respects every budget, stops only when the bottleneck no longer fits, and reaches the optimum', () => {
    let previous = Infinity;
    for (const budget of [28, 29, 32, 36, 40, 44, 52, 56, 64, 80, 120, 200]) {
      const { balance: b } = balanced({ arrayBudget: budget });
      expect(b.arraysAfter).toBeLessThanOrEqual(budget);
      expect(b.layers.reduce((s, l) => s + l.arrays * l.replicas, 0)).toBe(b.arraysAfter);
      const neck = b.layers.find((l) => l.name === b.bottleneckAfter.layer)!;
      expect(b.arraysAfter + neck.arrays).toBeGreaterThan(budget);
      expect(b.bottleneckAfter.timeNs).toBeLessThanOrEqual(previous);
      expect(b.bottleneckAfter.timeNs).toBe(bestBottleneck(budget));
      previous = b.bottleneckAfter.timeNs;
    }
  });

  it('takes the budget from the option, then the plugin setting, then the target', () => {
    expect(balanced({}, 'seed-4b', pipelineBalancePlugin({ arrayBudget: 36 })).balance).toMatchObject({ arrayBudget: 36, budgetFrom: 'plugin setting arrayBudget', arraysAfter: 36 });
    expect(balanced({ arrayBudget: 40 }, 'seed-4b', pipelineBalancePlugin({ arrayBudget: 36 })).balance).toMatchObject({ arrayBudget: 40, budgetFrom: 'option arrayBudget' });
    // vendor-reram (shipped by the plugin): 256x128, dacBits 2 → 2 cycles, 16 columns per ADC, 2.5 ns, 48 arrays per chip.
    const vendor = { vectors: [784, 196, 49, 1], slots: [16, 16, 16, 10], cycles: 2, arrays: [4, 4, 8, 4], ns: 2.5 };
    const { balance: b } = balanced({}, 'vendor-reram');
    expect(b).toMatchObject({ arrayBudget: 48, budgetFrom: "arraysPerChip of target 'vendor-reram'", arraysBefore: 20, arraysAfter: 48 });
    expect(b.bottleneckBefore.timeNs).toBe(timeOf(0, 1, vendor));
    expect(b.layers.map((l) => l.replicas)).toEqual([7, 2, 1, 1]);
    expect(b.bottleneckAfter.timeNs).toBe(bestBottleneck(48, vendor));
    // Energy per inference: vectors · cycles · (columns · 1.6 pJ + arrays · 12 pJ), columns = arrays · used columns.
    const columns = [4 * 16, 4 * 32, 8 * 64, 4 * 10];
    const energy = [0, 1, 2, 3].reduce((s, i) => s + vendor.vectors[i] * 2 * (columns[i] * 1.6 + vendor.arrays[i] * 12), 0);
    expect(b.energyPerInferencePj).toBeCloseTo(energy, 6);
  });

  it('reports a budget below the placed arrays, and rejects a bad one with CIM2006', () => {
    const { balance: b, diagnostics } = balanced({ arrayBudget: 20 });
    expect(b.layers.every((l) => l.replicas === 1)).toBe(true);
    expect(diagnostics.items.filter((d: { severity: string }) => d.severity === 'warning').map(formatDiagnostic))
      .toEqual(['warning CIM2005 [pipeline-balance]: the array budget (20, option arrayBudget) is below the 28 arrays already placed: no layer duplicated']);
    for (const bad of [0, 2.5, 'many']) {
      let error: unknown;
      try { balanced({ arrayBudget: bad }); } catch (e) { error = e; }
      expect(error).toBeInstanceOf(CimcError);
      expect(formatDiagnostic((error as CimcError).diagnostic)).toBe(`error CIM2006 [pipeline-balance] --array-budget: --array-budget must be a positive integer, got '${bad}'`);
    }
  });

  it('does not mutate its input graph and leaves the plan numbers unchanged', () => {
    const compiler = createCompiler();
    const placed = runModel({ modelPath: mnist, compiler, target: compiler.getTarget('seed-4b'), passes: compiler.pipeline.filter((p: string) => p !== 'emit-plan') }).graph;
    const before = JSON.stringify(placed.nodes.map((n: { annotations?: object }) => n.annotations, (_k: string, v: unknown) => (ArrayBuffer.isView(v) ? undefined : v)));
    const pass = makePipelineBalancePass();
    const ctx = { target: compiler.getTarget('seed-4b'), options: {}, stats: new Map(), diagnostics: { items: [] as unknown[], note(...a: unknown[]) { this.items.push(a); }, warn(...a: unknown[]) { this.items.push(a); } } };
    const out = pass.run(placed, ctx);
    expect(out.changed).toBe(true);
    expect(out.graph).not.toBe(placed);
    expect(JSON.stringify(placed.nodes.map((n: { annotations?: object }) => n.annotations, (_k: string, v: unknown) => (ArrayBuffer.isView(v) ? undefined : v)))).toBe(before);
    expect(placed.annotations.pipelineBalance).toBeUndefined();
    expect(placed.nodes.every((n: { annotations?: { replicas?: number } }) => n.annotations?.replicas === undefined)).toBe(true);
    // Running the pass again gives the same result (its own notes are replaced, not repeated).
    const again = pass.run(out.graph, ctx);
    expect(again.graph.node(conv0).annotations.cim.mapping.notes).toEqual(out.graph.node(conv0).annotations.cim.mapping.notes);

    const plain = compile({ model: mnist, target: 'seed-4b', compiler });
    const withBalance = compile({ model: mnist, target: 'seed-4b', compiler: createCompiler({ plugins: [balance] }) });
    expect(Buffer.compare(Buffer.from(plain.built.sidecar), Buffer.from(withBalance.built.sidecar))).toBe(0);
    expect(withBalance.built.plan.report.totals).toEqual(plain.built.plan.report.totals);
    expect(withBalance.built.plan.layers[0].report.notes).toEqual(['pipeline-balance: 6 replicas (+20 arrays): 6272 ns -> 1048 ns per inference']);
  });
});
