#!/usr/bin/env node
/**
 * `npm run bench`: compile-time, memory and runtime numbers for cimc, each next to
 * onnxruntime-node on the same model and machine, as ratios within one run (see bench/README.md).
 *
 *   node bench/run.mjs [--quick] [--models resnet20,resnet18,...] [--reps N]
 *
 * Every measurement runs in a fresh child process (bench/child.mjs). Prints tables and writes
 * bench/results.json. Bounded: fixed image counts and per-step time budgets (≈ 10 min on 2 cores).
 * Nothing here asserts a time.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchSweep } from './sweep.mjs';
import { batchedResnet20, benchModels, buildModels } from './build-models.mjs';
import { goalRows } from './goals.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '..');
const argv = process.argv.slice(2);
const flag = (name) => argv.includes(name);
const option = (name, fallback) => { const i = argv.indexOf(name); return i >= 0 ? argv[i + 1] : fallback; };
const quick = flag('--quick');
const modelKeys = option('--models', quick ? 'resnet20,resnet18' : benchModels.map((m) => m.key).join(',')).split(',');
const reps = Number(option('--reps', quick ? '1' : '3'));
const target = 'seed-4b';
const started = Date.now();
const elapsedS = () => (Date.now() - started) / 1000;
/** After this many seconds, optional measurements are skipped (the whole run stays under 15 min). */
const softDeadlineS = Number(option('--deadline', '660'));

const log = (s) => process.stderr.write(`[bench ${elapsedS().toFixed(0).padStart(4)} s] ${s}\n`);
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const loads = [];
const sampleLoad = (what) => loads.push({ at: Math.round(elapsedS()), what, loadavg1: Number(os.loadavg()[0].toFixed(2)) });

function child(args, what) {
  const t0 = Date.now();
  const r = spawnSync(process.execPath, [path.join(here, 'child.mjs'), ...args], { cwd: root, encoding: 'utf8', maxBuffer: 16 << 20 });
  if (r.status !== 0) throw new Error(`${what} failed (exit ${r.status}): ${(r.stderr || '').trim().split('\n').slice(-3).join(' | ')}`);
  const line = r.stdout.trim().split('\n').pop();
  return { ...JSON.parse(line), childWallMs: Date.now() - t0 };
}

/** Least-squares slope of log(y) against log(x). */
function logLogSlope(points) {
  const p = points.filter(([x, y]) => x > 0 && y > 0);
  if (p.length < 2) return null;
  const xs = p.map(([x]) => Math.log(x));
  const ys = p.map(([, y]) => Math.log(y));
  const mx = xs.reduce((a, b) => a + b) / xs.length;
  const my = ys.reduce((a, b) => a + b) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => { num += (x - mx) * (ys[i] - my); den += (x - mx) ** 2; });
  return den === 0 ? null : num / den;
}

const fmt = (v, digits = 1) => (v === null || v === undefined || Number.isNaN(v) ? 'n/a' : Number(v).toFixed(digits));
const fmtMs = (v) => (v === null || v === undefined ? 'n/a' : v >= 10000 ? `${(v / 1000).toFixed(1)} s` : `${v.toFixed(0)} ms`);
const fmtRate = (v) => (v === null || v === undefined ? 'n/a' : v >= 1e9 ? `${(v / 1e9).toFixed(2)} G` : `${(v / 1e6).toFixed(1)} M`);

function table(headers, rows) {
  const cells = [headers, ...rows].map((r) => r.map((c) => String(c)));
  const widths = headers.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(cells[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...cells.slice(1).map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------

sampleLoad('start');
const models = buildModels({ only: modelKeys });
const specs = benchModels.filter((m) => modelKeys.includes(m.key));
const work = fs.mkdtempSync(path.join(os.tmpdir(), 'cimc-bench-'));
const results = {
  command: `node bench/run.mjs ${argv.join(' ')}`.trim(),
  date: new Date().toISOString(),
  machine: {
    cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, totalMemGiB: Number((os.totalmem() / 2 ** 30).toFixed(1)),
    node: process.version, onnxruntime: JSON.parse(fs.readFileSync(path.join(root, 'node_modules/onnxruntime-node/package.json'), 'utf8')).version,
  },
  target, reps, models: {}, runtime: {}, gemm: {}, growth: {}, skipped: [], load: loads,
};

try {
  // 1. Compile time and peak RSS (median of reps, fresh process each), ORT session creation.
  for (const spec of specs) {
    const model = models[spec.key];
    const plan = path.join(work, `${spec.key}.json`);
    const runs = [];
    for (let r = 0; r < reps; r++) {
      log(`compile ${spec.key} (${r + 1}/${reps})`);
      runs.push(child(['compile', model, plan, target], `compile ${spec.key}`));
    }
    const floors = [];
    for (let r = 0; r < reps; r++) {
      log(`I/O floor ${spec.key} (${r + 1}/${reps})`);
      floors.push(child(['io-floor', model, String(runs[runs.length - 1].sidecarBytes), path.join(work, `${spec.key}.floor.bin`)], `I/O floor ${spec.key}`));
    }
    const sessions = [];
    for (let r = 0; r < reps; r++) {
      log(`onnxruntime session ${spec.key} (${r + 1}/${reps})`);
      sessions.push(child(['ort-session', model, 'default'], `ort session ${spec.key}`));
    }
    const last = runs[runs.length - 1];
    results.models[spec.key] = {
      file: path.relative(root, model), modelBytes: fs.statSync(model).size, plan,
      macs: last.macs, cimWeights: last.cimWeights, arrays: last.arrays, cimLayers: last.cimLayers, sidecarBytes: last.sidecarBytes, planJsonBytes: last.planJsonBytes,
      compileMs: median(runs.map((r) => r.ms)), compileMsAll: runs.map((r) => Math.round(r.ms)), compileCpuMs: median(runs.map((r) => r.cpuMs)),
      compilePassesMs: median(runs.map((r) => r.compileMs)), writeMs: median(runs.map((r) => r.writeMs)),
      compileChildWallMs: median(runs.map((r) => r.childWallMs)),
      compileMaxRssMiB: median(runs.map((r) => r.maxRssKiB / 1024)),
      ioFloorMs: median(floors.map((r) => r.ms)), ioFloorCpuMs: median(floors.map((r) => r.cpuMs)),
      ortSessionMs: median(sessions.map((r) => r.ms)), ortSessionMsAll: sessions.map((r) => Math.round(r.ms)), ortSessionCpuMs: median(sessions.map((r) => r.cpuMs)),
      ortSessionMaxRssMiB: median(sessions.map((r) => r.maxRssKiB / 1024)),
    };
    sampleLoad(`after compile ${spec.key}`);
  }

  // 2. GEMM rate of the machine: the runtime's own GEMM and ORT's, 512³ float32.
  log('gemm 512x512x512');
  results.gemm.singleThread = child(['gemm', '1'], 'gemm');
  results.gemm.defaultThreads = child(['gemm', 'default'], 'gemm');
  sampleLoad('after gemm');

  // 3. Throughput of ResNet-20 (32×32) at the seed setting.
  if (models.resnet20) {
    const r20 = results.models.resnet20;
    const shape = JSON.stringify(benchModels.find((m) => m.key === 'resnet20').input);
    // The same network compiled for batch 64 (symbolic batch bound by --input-shape).
    const batchPlan = path.join(work, 'resnet20-b64.json');
    log('compile resnet20 for batch 64');
    const b64 = child(['compile', models[batchedResnet20.key], batchPlan, target, JSON.stringify({ inputShapes: { input: [64, 3, 32, 32] } })], 'compile resnet20 batch 64');
    results.models.resnet20.batch64 = { plan: batchPlan, compileMs: b64.ms, sidecarBytes: b64.sidecarBytes };
    const runs = {
      ref: ['ref', r20.plan, '1', '2', '60', '20'],
      ortCim1: ['ort-cim', r20.plan, '1', '3', '400', '10'],
      ortCimDefault: ['ort-cim', r20.plan, 'default', '3', '400', '10'],
      ortCimB64_1: ['ort-cim', batchPlan, '1', '1', '20', '10'],
      ortCimB64Default: ['ort-cim', batchPlan, 'default', '1', '20', '10'],
      ortBound1: ['ort-bound', r20.plan, '1', '3', '1000', '8'],
      ortFloat1: ['ort-float', models.resnet20, '1', '10', '3000', '6', shape],
      ortFloatDefault: ['ort-float', models.resnet20, 'default', '10', '3000', '6', shape],
    };
    for (const [k, a] of Object.entries(runs)) {
      log(`throughput resnet20 ${k}`);
      results.runtime[k] = child(['throughput', ...a], `throughput ${k}`);
    }
    // `cimc run`'s own path over a batch of images: the reference runtime on 1 and 2 workers.
    for (const jobs of [1, 2]) {
      log(`samples resnet20 reference --jobs ${jobs}`);
      results.runtime[`refJobs${jobs}`] = child(['samples', 'ref', r20.plan, String(jobs), '128'], `reference jobs ${jobs}`);
    }
    // The ORT engine through `cimc run --engine ort`: one session here, or one per worker thread.
    for (const jobs of [1, 2]) {
      log(`samples resnet20 ORT engine --jobs ${jobs}`);
      results.runtime[`ortJobs${jobs}`] = child(['samples', 'ort', r20.plan, String(jobs), '2048'], `ORT engine jobs ${jobs}`);
    }
    sampleLoad('after resnet20 throughput');
  }

  // 4. Runtime per image over the models (growth), single thread everywhere.
  for (const spec of specs) {
    const m = results.models[spec.key];
    const g = (results.growth[spec.key] = {});
    const shape = JSON.stringify(spec.input);
    const big = spec.key === 'vgg16' || spec.key === 'resnet50';
    const steps = [
      // The reference allocates afresh every image: its cold image is representative (big models: one image).
      ['ref', ['throughput', 'ref', m.plan, '1', big ? '0' : '1', big ? '1' : '4', '30']],
      // onnxruntime's arena grows (page faults) during the first two runs of a big model.
      ['ortCim', ['throughput', 'ort-cim', m.plan, '1', '2', big ? '2' : '20', '15']],
      ['ortFloat', ['throughput', 'ort-float', models[spec.key], '1', '3', '200', '5', shape]],
    ];
    for (const [k, a] of steps) {
      if (spec.key === 'resnet20') { g[k] = { fromThroughput: true }; continue; }
      if (elapsedS() > softDeadlineS && k !== 'ortFloat') { results.skipped.push(`${spec.key} ${k}: past the ${softDeadlineS} s soft deadline`); continue; }
      // The reference runtime holds every cell as float64 + float32 (≈ 12 B/cell): VGG-16 needs ≈ 10 GB.
      const needGiB = k === 'ref' ? (m.sidecarBytes * 1.4) / 2 ** 30 + 1 : k === 'ortCim' ? (m.sidecarBytes * 0.9) / 2 ** 30 + 1 : 1;
      if (os.freemem() / 2 ** 30 < needGiB) { results.skipped.push(`${spec.key} ${k}: needs ≈${needGiB.toFixed(1)} GiB, ${(os.freemem() / 2 ** 30).toFixed(1)} GiB free`); continue; }
      log(`runtime ${spec.key} ${k}`);
      try {
        g[k] = child(a, `${spec.key} ${k}`);
      } catch (e) {
        results.skipped.push(`${spec.key} ${k}: ${e.message}`);
      }
    }
    sampleLoad(`after runtime ${spec.key}`);
  }
} finally {
  fs.rmSync(work, { recursive: true, force: true });
}

log('sweep: MNIST grid as one cimc sweep vs compile + eval per point');
try {
  results.sweep = benchSweep(path.resolve(here, '..'));
} catch (e) {
  results.skipped.push(`sweep: ${e.message}`);
}
sampleLoad('after sweep');

// ---------------------------------------------------------------------------------------------
// Derived numbers and tables.

const rt = results.runtime;
const r20 = results.models.resnet20;
const perImageMs = (r) => (r && r.images ? r.wallMs / r.images : null);
for (const spec of specs) {
  const g = results.growth[spec.key];
  if (spec.key === 'resnet20') {
    g.ref = rt.ref; g.ortCim = rt.ortCim1; g.ortFloat = rt.ortFloat1;
  }
}
const slope = (key, xOf, yOf) => logLogSlope(specs.map((s) => [xOf(s), yOf(s)]).filter(([x, y]) => x && y));
results.slopes = {
  compileMsVsCimWeights: slope('c', (s) => results.models[s.key].cimWeights, (s) => results.models[s.key].compileMs),
  compileCpuMsVsCimWeights: slope('c', (s) => results.models[s.key].cimWeights, (s) => results.models[s.key].compileCpuMs),
  compileRssVsCimWeights: slope('r', (s) => results.models[s.key].cimWeights, (s) => results.models[s.key].compileMaxRssMiB),
  ortSessionMsVsCimWeights: slope('o', (s) => results.models[s.key].cimWeights, (s) => results.models[s.key].ortSessionMs),
  refMsPerImageVsMacs: slope('f', (s) => results.models[s.key].macs, (s) => perImageMs(results.growth[s.key].ref)),
  ortCimMsPerImageVsMacs: slope('e', (s) => results.models[s.key].macs, (s) => perImageMs(results.growth[s.key].ortCim)),
  ortFloatMsPerImageVsMacs: slope('l', (s) => results.models[s.key].macs, (s) => perImageMs(results.growth[s.key].ortFloat)),
};
sampleLoad('end');
results.totalSeconds = Math.round(elapsedS());

const out = [];
out.push(`cimc bench — ${results.date}, ${results.machine.cpus} × ${results.machine.cpuModel}, Node ${results.machine.node}, onnxruntime-node ${results.machine.onnxruntime}, target ${target}`);
out.push(`load average (1 min) during the run: ${loads.map((l) => l.loadavg1).join(', ')} — numbers are ratios within this run`);
out.push('');
out.push(`Compile (median of ${reps}, fresh process each; compile() + writePlan()) vs onnxruntime session creation on the same .onnx`);
out.push(table(
  ['model', 'CIM weights', 'MACs/img', 'arrays', 'sidecar', 'compile (wall)', 'compile (CPU)', 'peak RSS', 'I/O floor (wall)', 'ORT session (wall)', 'ORT session (CPU)', 'compile / ORT session (wall, CPU)', 'I/O floor / ORT session', 'ORT session RSS'],
  specs.map((s) => {
    const m = results.models[s.key];
    return [s.key, `${fmt(m.cimWeights / 1e6, 2)} M`, `${fmt(m.macs / 1e9, 3)} G`, m.arrays, `${fmt(m.sidecarBytes / 2 ** 20, 0)} MiB`, fmtMs(m.compileMs), fmtMs(m.compileCpuMs), `${fmt(m.compileMaxRssMiB, 0)} MiB`, fmtMs(m.ioFloorMs), fmtMs(m.ortSessionMs), fmtMs(m.ortSessionCpuMs), `${fmt(m.compileMs / m.ortSessionMs, 1)}×, ${fmt(m.compileCpuMs / m.ortSessionCpuMs, 1)}×`, `${fmt(m.ioFloorMs / m.ortSessionMs, 1)}×`, `${fmt(m.ortSessionMaxRssMiB, 0)} MiB`];
  }),
));
out.push('I/O floor: only read + sha256 the model and sha256 + write a sidecar of the plan\'s size atomically (bench/child.mjs io-floor): what any compile to such a plan costs before computing anything.');
if (rt.ref) {
  const macs = r20.macs;
  out.push('');
  out.push(`ResNet-20 (1×3×32×32), ${target}: images/s (random inputs; wall clock after warm-up images) and effective MAC rate (${fmt(macs / 1e6, 1)} M MACs/img from report.totals.macs)`);
  const row = (name, r, threads) => [name, threads, r.images, fmt(r.imagesPerSec, 1), fmt(r.imagesPerCpuSec, 1), `${fmtRate(macs * r.imagesPerSec)}MAC/s`, `${fmt(r.imagesPerSec / rt.ortFloat1.imagesPerSec, 4)}`, `${fmt(r.imagesPerSec / rt.ref.imagesPerSec, 1)}×`];
  out.push(table(
    ['engine', 'threads', 'images', 'images/s', 'images/CPU-s', 'effective MAC rate', 'vs ORT float 1 thread', 'vs reference'],
    [
      row('reference runtime (cimc run)', rt.ref, '1 (JS)'),
      row('ORT engine (cimc run --engine ort)', rt.ortCim1, '1'),
      row('ORT engine (cimc run --engine ort)', rt.ortCimDefault, 'default'),
      ...(rt.ortCimB64_1 ? [row('ORT engine, plan compiled for batch 64', rt.ortCimB64_1, '1'), row('ORT engine, plan compiled for batch 64', rt.ortCimB64Default, 'default')] : []),
      ...(rt.refJobs1 ? [row('reference runtime, cimc run --jobs 1 (128 images, start-up included)', rt.refJobs1, '1 worker'), row('reference runtime, cimc run --jobs 2', rt.refJobs2, '2 workers')] : []),
      ...(rt.ortJobs1 ? [row('ORT engine, cimc run --engine ort --jobs 1 (2048 images, start-up included)', rt.ortJobs1, '1'), row('ORT engine, cimc run --engine ort --jobs 2 (a session per worker)', rt.ortJobs2, '2 workers')] : []),
      ...(rt.ortBound1 ? [row('lower bound: its convs + column sums only (no ADC; not an engine)', rt.ortBound1, '1')] : []),
      row('onnxruntime float, same model', rt.ortFloat1, '1'),
      row('onnxruntime float, same model', rt.ortFloatDefault, 'default'),
    ],
  ));
  const gs = results.gemm.singleThread;
  const gd = results.gemm.defaultThreads;
  out.push('');
  out.push('Float GEMM rate of this machine, 512×512×512 float32 (median):');
  out.push(table(
    ['GEMM', 'threads', 'time', 'MAC/s', 'ResNet-20 CIM reference MAC rate / this', 'ResNet-20 ORT engine (1 thread) MAC rate / this'],
    [
      ['runtime/reference/ops/gemm.ts matmulInto', '1 (JS)', `${fmt(gs.runtimeMs, 1)} ms`, fmtRate(gs.runtimeMacsPerSec), fmt((macs * rt.ref.imagesPerSec) / gs.runtimeMacsPerSec, 3), fmt((macs * rt.ortCim1.imagesPerSec) / gs.runtimeMacsPerSec, 3)],
      ['onnxruntime MatMul', '1', `${fmt(gs.ortMs, 1)} ms`, fmtRate(gs.ortMacsPerSec), fmt((macs * rt.ref.imagesPerSec) / gs.ortMacsPerSec, 3), fmt((macs * rt.ortCim1.imagesPerSec) / gs.ortMacsPerSec, 3)],
      ['onnxruntime MatMul', 'default', `${fmt(gd.ortMs, 1)} ms`, fmtRate(gd.ortMacsPerSec), fmt((macs * rt.ref.imagesPerSec) / gd.ortMacsPerSec, 3), fmt((macs * rt.ortCim1.imagesPerSec) / gd.ortMacsPerSec, 3)],
    ],
  ));
}
out.push('');
out.push('Growth with model size (single thread; ms per image; slope = least-squares d log(time) / d log(size))');
out.push(table(
  ['model', 'MACs/img', 'reference', 'ORT engine', 'ORT float', 'ref / ORT float', 'ORT engine / ORT float', 'ORT engine setup', 'ORT engine 1st run', 'peak RSS ref / ORT engine / ORT float'],
  specs.map((s) => {
    const g = results.growth[s.key];
    const m = results.models[s.key];
    const [a, b, c] = [perImageMs(g.ref), perImageMs(g.ortCim), perImageMs(g.ortFloat)];
    return [s.key, `${fmt(m.macs / 1e9, 3)} G`, a ? `${fmtMs(a)}${g.ref.cold ? ' (cold)' : ''}` : 'skipped', b ? `${fmtMs(b)}${g.ortCim.cold ? ' (cold)' : ''}` : 'skipped', c ? `${fmt(c, 2)} ms` : 'n/a', a && c ? `${fmt(a / c, 0)}×` : 'n/a', b && c ? `${fmt(b / c, 1)}×` : 'n/a', g.ortCim?.lowerMs !== undefined ? fmtMs(g.ortCim.lowerMs + g.ortCim.sessionMs) : 'n/a',
      g.ortCim?.warmupMs?.length ? fmtMs(g.ortCim.warmupMs[0]) : 'n/a',
      ['ref', 'ortCim', 'ortFloat'].map((k) => (g[k]?.maxRssKiB ? `${fmt(g[k].maxRssKiB / 1024, 0)}` : 'n/a')).join(' / ') + ' MiB'];
  }),
));
if (results.sweep) {
  const sw = results.sweep;
  out.push('');
  out.push(`Design-space sweep: MNIST, adc-bits 3–6 × weight/psum granularity layer/column on ${target}, 200 test digits (whole processes)`);
  out.push(table(['how', 'points', 'wall', 'points/min', 'vs shell loop'], [
    ['cimc sweep (one process, default -j)', String(sw.points), fmtMs(sw.sweepMs), fmt((60000 * sw.points) / sw.sweepMs, 0), `${fmt(sw.speedup, 1)}× faster`],
    ['cimc compile + cimc eval per point', String(sw.points), fmtMs(sw.loopMs), fmt((60000 * sw.points) / sw.loopMs, 0), '1.0×'],
  ]));
  out.push(`accuracies equal between the two on ${sw.points - sw.mismatches} of ${sw.points} points`);
}
const sl = results.slopes;
out.push(`slopes: compile time vs CIM weights ${fmt(sl.compileMsVsCimWeights, 2)} (CPU time ${fmt(sl.compileCpuMsVsCimWeights, 2)}), compile peak RSS vs CIM weights ${fmt(sl.compileRssVsCimWeights, 2)}, ORT session creation vs weights ${fmt(sl.ortSessionMsVsCimWeights, 2)};`);
out.push(`        runtime vs MACs: reference ${fmt(sl.refMsPerImageVsMacs, 2)}, ORT engine ${fmt(sl.ortCimMsPerImageVsMacs, 2)}, ORT float ${fmt(sl.ortFloatMsPerImageVsMacs, 2)}`);
out.push('');
out.push('Goals (issue 14; ratios within this run)');
results.goals = goalRows(results);
out.push(table(['goal', 'figure', 'met', 'why not / what stands in the way'], results.goals.map((g) => [g.goal, g.figure, g.met === null ? 'n/a' : g.met ? 'yes' : 'NO', g.met ? '' : g.why])));
if (results.skipped.length) out.push(`skipped: ${results.skipped.join('; ')}`);
out.push(`total ${results.totalSeconds} s`);

results.table = out.join('\n');
fs.writeFileSync(path.join(here, 'results.json'), JSON.stringify(results, null, 2) + '\n');
process.stdout.write(results.table + '\n');
