#!/usr/bin/env node
/**
 * One benchmark measurement in a fresh process (bench/run.mjs starts these); prints one JSON
 * line. Every mode reports the process's peak RSS (process.resourceUsage().maxRSS, KiB).
 *
 *   compile MODEL PLAN TARGET [OPTIONS_JSON]       compile() + writePlan(): ms, plan totals, plan file sizes
 *   io-floor MODEL BYTES OUT                       read + sha256 the model, sha256 + write a BYTES sidecar
 *                                                  atomically: the I/O any compile to such a plan costs
 *   ort-session MODEL THREADS                      onnxruntime session creation: ms
 *   throughput ENGINE FILE THREADS WARMUPS MAX BUDGET_S [SHAPE]
 *                                                  ENGINE = ref | ort-cim (FILE = plan) | ort-float (FILE = model, SHAPE json)
 *                                                  | ort-bound (FILE = plan): the ORT engine's lower bound, each
 *                                                  CIM layer only its integer convs + a sum of the columns
 *                                                  (bench/lower-bound.mjs; not the layer's numbers)
 *   samples ENGINE PLAN JOBS COUNT                 `cimc run`'s path (runtime/reference/run-samples.js, or the ORT
 *                                                  engine's runSamples) on COUNT seeded images with JOBS workers
 *                                                  (reference) or runs in flight (ORT), worker start-up included
 *   gemm THREADS                                   512×512×512 float32: runtime matmulInto and ORT MatMul
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const ort = await import('onnxruntime-node');

const [mode, ...args] = process.argv.slice(2);
const now = () => performance.now();
const cpuMs = (since) => { const u = process.cpuUsage(since); return (u.user + u.system) / 1000; };
const maxRssKiB = () => process.resourceUsage().maxRSS;
const median = (v) => { const s = [...v].sort((a, b) => a - b); return s.length % 2 ? s[s.length >> 1] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2; };
const threadsOf = (s) => (s === 'default' ? undefined : Number(s));

/** Seeded inputs, uniform in [-1, 1) (mulberry32). */
function input(size, seed) {
  let a = seed >>> 0;
  const out = new Float32Array(size);
  for (let i = 0; i < size; i++) {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    out[i] = 2 * (((t ^ (t >>> 14)) >>> 0) / 4294967296) - 1;
  }
  return out;
}

function sessionOptions(threads) {
  const o = { logSeverityLevel: 3 };
  if (threads !== undefined) o.intraOpNumThreads = threads;
  return o;
}

/**
 * Runs `one(i)` `warmups` times untimed-for-the-rate (JIT, allocations: onnxruntime's arena
 * grows, with page faults, during the first runs of a big model), then times further calls until
 * `max` images or the budget, at least one. With no warm-up the one image is a cold measurement.
 */
async function timeImages(one, warmups, max, budgetMs) {
  const warm = [];
  for (let i = 0; i < warmups; i++) { const t0 = now(); await one(i); warm.push(now() - t0); }
  const c1 = process.cpuUsage();
  const t1 = now();
  let n = 0;
  while (n === 0 || (n < max && now() - t1 < budgetMs)) await one(warmups + n++);
  return { images: n, wallMs: now() - t1, cpuMs: cpuMs(c1), cold: warmups === 0, warmupMs: warm };
}

async function main() {
  if (mode === 'compile') {
    const [model, plan, target, optionsJson] = args;
    const { compile } = await dist('compiler/driver/compile.js');
    const fs = await import('node:fs');
    const { writePlan } = await dist('plan/writer.js');
    const c0 = process.cpuUsage();
    const t0 = now();
    const { built } = compile({ model, target, options: optionsJson ? JSON.parse(optionsJson) : undefined });
    const t1 = now();
    writePlan(built, plan);
    const t2 = now();
    const cpu = cpuMs(c0);
    const layers = built.plan.layers;
    const cimWeights = layers.reduce((s, l) => s + l.geometry.rowsPerGroup * (l.geometry.kind === 'conv' ? l.geometry.outChannels : l.geometry.outFeatures), 0);
    return {
      ms: t2 - t0, cpuMs: cpu, compileMs: t1 - t0, writeMs: t2 - t1, maxRssKiB: maxRssKiB(),
      macs: built.plan.report.totals.macs, arrays: built.plan.report.totals.arrays, cimLayers: layers.length, cimWeights,
      sidecarBytes: built.sidecar.byteLength, planJsonBytes: fs.statSync(plan).size,
    };
  }
  if (mode === 'io-floor') {
    // What any compiler writing a plan like cimc's must at least do, with no compiling at all:
    // read and hash the model, make a sidecar of the plan's size, hash it, write it atomically
    // (temporary file, then rename over the previous one, as writePlan does).
    const [model, bytes, out] = args;
    const fs = await import('node:fs');
    const { createHash } = await import('node:crypto');
    const c0 = process.cpuUsage();
    const t0 = now();
    createHash('sha256').update(fs.readFileSync(model)).digest('hex');
    const sidecar = Buffer.alloc(Number(bytes), 0x5a);
    createHash('sha256').update(sidecar).digest('hex');
    const tmp = `${out}.${process.pid}.tmp`;
    fs.writeFileSync(tmp, sidecar);
    fs.renameSync(tmp, out);
    return { ms: now() - t0, cpuMs: cpuMs(c0), maxRssKiB: maxRssKiB() };
  }
  if (mode === 'ort-session') {
    const [model, threads] = args;
    const c0 = process.cpuUsage();
    const t0 = now();
    const s = await ort.InferenceSession.create(model, sessionOptions(threadsOf(threads)));
    const ms = now() - t0;
    const cpu = cpuMs(c0);
    await s.release();
    return { ms, cpuMs: cpu, maxRssKiB: maxRssKiB() };
  }
  if (mode === 'throughput') {
    const [engine, file, threads, warmups, max, budget] = args;
    const t0 = now();
    let one;
    let shape;
    let extra = {};
    if (engine === 'ref') {
      const { loadPlan } = await dist('plan/reader.js');
      const { execute, executableFromPlan } = await dist('runtime/reference/executor.js');
      const { makeTensor } = await dist('base/rt-tensor.js');
      const loaded = loadPlan(file);
      const exe = executableFromPlan(loaded);
      const inp = loaded.plan.inputs[0];
      shape = inp.shape;
      extra = { macsPerImage: loaded.plan.report.totals.macs };
      one = async (i) => { execute(exe, { [inp.name]: makeTensor('float32', shape, input(size(shape), 1000 + i)) }); };
    } else if (engine === 'ort-cim') {
      const { loadPlan } = await dist('plan/reader.js');
      const { OrtEngine } = await dist('runtime/ort-engine/index.js');
      const { makeTensor } = await dist('base/rt-tensor.js');
      const loaded = loadPlan(file);
      const e = await OrtEngine.create(loaded, { intraOpNumThreads: threadsOf(threads) });
      const inp = loaded.plan.inputs[0];
      shape = inp.shape;
      extra = { macsPerImage: loaded.plan.report.totals.macs, lowerMs: e.timings.lowerMs, sessionMs: e.timings.sessionMs, onnxBytes: e.timings.onnxBytes };
      one = async (i) => { await e.run({ [inp.name]: makeTensor('float32', shape, input(size(shape), 1000 + i)) }); };
    } else if (engine === 'ort-bound') {
      // A bare session on bench/lower-bound.mjs's graph (the engine's run adds only input checks and output wrapping).
      const { loadPlan } = await dist('plan/reader.js');
      const { lowerBoundOnnx } = await import('./lower-bound.mjs');
      const loaded = loadPlan(file);
      const t1 = now();
      const bytes = lowerBoundOnnx(loaded);
      const t2 = now();
      const s = await ort.InferenceSession.create(bytes, { ...sessionOptions(threadsOf(threads)), graphOptimizationLevel: 'all' });
      const inp = loaded.plan.inputs[0];
      shape = inp.shape;
      extra = { macsPerImage: loaded.plan.report.totals.macs, lowerMs: t2 - t1, sessionMs: now() - t2, onnxBytes: bytes.byteLength };
      one = async (i) => { await s.run({ [inp.name]: new ort.Tensor('float32', input(size(shape), 1000 + i), shape) }); };
    } else if (engine === 'ort-float') {
      const s = await ort.InferenceSession.create(file, sessionOptions(threadsOf(threads)));
      const name = s.inputNames[0];
      shape = JSON.parse(args[6]);
      one = async (i) => { await s.run({ [name]: new ort.Tensor('float32', input(size(shape), 1000 + i), shape) }); };
    } else {
      throw new Error(`unknown engine ${engine}`);
    }
    const setupMs = now() - t0;
    const runs = await timeImages(one, Number(warmups), Number(max), Number(budget) * 1000);
    // A batch-B plan handles B images per run.
    const batch = shape[0];
    const r = { ...runs, runs: runs.images, images: runs.images * batch, batch };
    return { ...r, ...extra, setupMs, imagesPerSec: (1000 * r.images) / r.wallMs, imagesPerCpuSec: (1000 * r.images) / r.cpuMs, maxRssKiB: maxRssKiB() };
  }
  if (mode === 'samples') {
    const [engine, file, jobs, count] = args;
    const { loadPlan } = await dist('plan/reader.js');
    const { makeTensor } = await dist('base/rt-tensor.js');
    const { tensorSamples } = await dist('runtime/batch.js');
    const loaded = loadPlan(file);
    const inp = loaded.plan.inputs[0];
    const shape = [Number(count), ...inp.shape.slice(1)];
    const x = makeTensor('float32', shape, input(size(shape), 7));
    let run;
    if (engine === 'ref') {
      const { runSamples } = await dist('runtime/reference/run-samples.js');
      run = () => runSamples(loaded, tensorSamples(x), { jobs: Number(jobs) });
    } else {
      const { runSamplesOrt } = await dist('runtime/ort-engine/evaluate-ort.js');
      // One intra-op thread in this thread too: JOBS is then the threads used.
      run = () => runSamplesOrt(loaded, tensorSamples(x), { jobs: Number(jobs), intraOpNumThreads: 1 });
    }
    const c0 = process.cpuUsage();
    const t0 = now();
    await run();
    const wallMs = now() - t0;
    const images = Number(count);
    return { images, wallMs, cpuMs: cpuMs(c0), jobs: Number(jobs), imagesPerSec: (1000 * images) / wallMs, imagesPerCpuSec: (1000 * images) / cpuMs(c0), maxRssKiB: maxRssKiB() };
  }
  if (mode === 'gemm') {
    const [threads] = args;
    const n = 512;
    const a = input(n * n, 1);
    const b = input(n * n, 2);
    const c = new Float32Array(n * n);
    const { matmulInto } = await dist('runtime/reference/ops/gemm.js');
    const ours = [];
    for (let r = 0; r < 7; r++) { const t0 = now(); matmulInto(c, 0, a, 0, b, 0, n, n, n); ours.push(now() - t0); }
    const { Graph } = await dist('compiler/ir/ir.js');
    const { exportOnnxBytes } = await dist('compiler/onnx/export.js');
    const g = new Graph({
      name: 'gemm', opset: 13, opsetImports: { '': 13 }, inputs: ['A', 'B'], outputs: ['C'],
      nodes: [{ name: 'mm', opType: 'MatMul', domain: '', inputs: ['A', 'B'], outputs: ['C'], attrs: {} }],
      constants: new Map(), values: new Map([['A', { dtype: 'float32', shape: [n, n] }], ['B', { dtype: 'float32', shape: [n, n] }], ['C', { dtype: 'float32', shape: [n, n] }]]),
    });
    const s = await ort.InferenceSession.create(exportOnnxBytes(g), sessionOptions(threadsOf(threads)));
    const feeds = { A: new ort.Tensor('float32', a, [n, n]), B: new ort.Tensor('float32', b, [n, n]) };
    for (let r = 0; r < 3; r++) await s.run(feeds);
    const theirs = [];
    for (let r = 0; r < 15; r++) { const t0 = now(); await s.run(feeds); theirs.push(now() - t0); }
    const macs = n * n * n;
    return {
      macs, runtimeMs: median(ours), ortMs: median(theirs), runtimeMacsPerSec: macs / (median(ours) / 1000), ortMacsPerSec: macs / (median(theirs) / 1000),
      runtimeAll: ours, ortAll: theirs, maxRssKiB: maxRssKiB(),
    };
  }
  throw new Error(`unknown mode ${mode}`);
}

function size(shape) { return shape.reduce((a, b) => a * b, 1); }

process.stdout.write(JSON.stringify(await main()) + '\n');
