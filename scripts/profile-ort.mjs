#!/usr/bin/env node
/**
 * Where the ORT engine's time goes on one plan: lowers the plan (npm run build first), runs it
 * under onnxruntime's profiler and prints the time by op type and the slowest nodes, plus the
 * node count and how many elements the graph's nodes read and write per run.
 *
 *   node scripts/profile-ort.mjs PLAN [THREADS=1] [RUNS=50] [TOP=25]
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = (p) => import(path.join(root, 'dist', p));
const ort = await import('onnxruntime-node');
const { loadPlan } = await dist('plan/reader.js');
const { lowerPlan } = await dist('runtime/ort-engine/lower-plan.js');

const [planFile, threadsArg = '1', runsArg = '50', topArg = '25'] = process.argv.slice(2);
if (!planFile) { console.error('usage: node scripts/profile-ort.mjs PLAN [THREADS] [RUNS] [TOP]'); process.exit(2); }
const loaded = loadPlan(planFile);
const lowered = lowerPlan(loaded);
const ops = new Map();
for (const n of lowered.model.graph.nodes) ops.set(n.opType, (ops.get(n.opType) ?? 0) + 1);
console.log(`${lowered.model.graph.nodes.length} nodes, ${lowered.bytes.byteLength} bytes; stats ${JSON.stringify(lowered.stats)}`);
console.log([...ops].sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v}`).join(', '));

const prefix = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'cimc-prof-')), 'p');
const session = await ort.InferenceSession.create(lowered.bytes, {
  graphOptimizationLevel: 'all', logSeverityLevel: 3, intraOpNumThreads: Number(threadsArg), enableProfiling: true, profileFilePrefix: prefix,
});
const inp = loaded.plan.inputs[0];
const size = inp.shape.reduce((a, b) => a * b, 1);
const data = Float32Array.from({ length: size }, (_, i) => Math.sin(i * 12.9898) * 0.9);
const feeds = { [inp.name]: new ort.Tensor('float32', data, inp.shape) };
const runs = Number(runsArg);
for (let i = 0; i < 3; i++) await session.run(feeds);
const t0 = performance.now();
for (let i = 0; i < runs; i++) await session.run(feeds);
const wall = (performance.now() - t0) / runs;
session.endProfiling();
await session.release();
const dir = path.dirname(prefix);
const file = fs.readdirSync(dir).find((f) => f.endsWith('.json'));
const events = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
const nodeEvents = events.filter((e) => e.cat === 'Node' && e.name.endsWith('_kernel_time'));
const model = events.filter((e) => e.cat === 'Session' && e.name === 'model_run');
const runsSeen = model.length;
const byType = new Map();
const byNode = new Map();
let total = 0;
for (const e of nodeEvents) {
  const t = e.args.op_name;
  byType.set(t, (byType.get(t) ?? 0) + e.dur);
  const name = e.name.replace(/_kernel_time$/, '');
  const n = byNode.get(name) ?? { op: t, dur: 0, out: e.args.output_size, shape: JSON.stringify(e.args.output_type_shape ?? '') };
  n.dur += e.dur;
  byNode.set(name, n);
  total += e.dur;
}
const per = (us) => (us / runsSeen / 1000).toFixed(3);
console.log(`wall ${wall.toFixed(3)} ms/run; profiled runs ${runsSeen}; kernel time ${per(total)} ms/run; model_run ${per(model.reduce((s, e) => s + e.dur, 0))} ms/run`);
console.log('by op type (ms/run, share):');
for (const [t, d] of [...byType].sort((a, b) => b[1] - a[1])) console.log(`  ${t.padEnd(22)} ${per(d).padStart(8)}  ${(100 * d / total).toFixed(1)}%`);
console.log(`slowest ${topArg} nodes:`);
for (const [name, n] of [...byNode].sort((a, b) => b[1].dur - a[1].dur).slice(0, Number(topArg))) {
  console.log(`  ${per(n.dur).padStart(7)} ${n.op.padEnd(18)} ${name.slice(0, 50).padEnd(50)} out ${n.out} ${n.shape.slice(0, 80)}`);
}
fs.rmSync(path.dirname(prefix), { recursive: true, force: true });
