/**
 * The performance goals of issue 14, each computed from one bench run's results (ratios within
 * the run) and printed next to its figure; `why` says, for a goal not met, what stands between
 * the figure and the goal (kept up to date with the last full run, README's benchmark section).
 */

const ratio = (a, b) => (a && b ? a / b : null);
const x = (v, digits = 2) => (v === null ? 'n/a' : `${v.toFixed(digits)}×`);

/** Why a goal is not met, by goal id (from the profiles behind the last full run). */
export const whyNotMet = {
  ortVsFloat1: 'the exact lowering does per crossbar column what float does per output channel: at seed-4b 2 slices × 2 polarities '
    + '(packed in pairs: 2× float\'s MACs as integer convs), then ADC rounding and clipping and the shift-add over every column output; '
    + 'the lower-bound row (its convs + column sums only, no ADC, not an engine) is itself only ≈ 1/3.4 of float, and the onnxruntime '
    + 'profile of the engine (scripts/profile-ort.mjs) puts the convs at 16 % of kernel time, the rest in ≈ 46 elementwise nodes per layer',
  ortVsFloatDefault: 'as for 1 thread, and the second thread adds nothing (next row)',
  ortThreads: 'ResNet-20\'s ops are small (≤ 64 channels, 32×32 maps): onnxruntime\'s intra-op threads spin (CPU/wall 2.0) without '
    + 'speeding them up, and onnxruntime-node runs session.run on the calling thread, so two runs in flight on one session do not overlap '
    + '(measured: 158 vs 159 images/s, CPU/wall 1.00); what would use the second core is one session per worker thread, as the '
    + 'reference runtime\'s --jobs does: `cimc run/eval --engine ort --jobs N` (next row)',
  ortJobs: 'each worker creates its own session (lowering + onnxruntime set-up) before its first image',
  refJobs: 'each worker pays ≈ 0.4 s to open and build the plan and JIT-warm, and runs ≈ 10 % slower per sample than one thread '
    + '(task messages; larger tasks shrink it); on 128 images the start-up is ≈ 10 % of the 2-worker run',
  compileResnet18: 'onnxruntime only parses the protobuf and builds its kernels; the compile streams every weight ≈ 6 times (import copy, '
    + 'BatchNorm fold, non-finite check, quantize, four cells cut per weight, bit-packing, sha256) at ≈ 50–75 ns of CPU per weight, '
    + 'and fresh memory costs ≈ 1.3 ms per MB on this VM (no transparent huge pages); reading + hashing the model + writing the '
    + 'plan alone (the I/O floor column) is ≈ 0.7× the session',
  compileResnet50: 'as for ResNet-18',
  rssResnet18: 'the folded float weights, the integer cells and the packed sidecar are alive together at the end of the compile',
  rssResnet50: 'as for ResNet-18',
  planSize: 'the cells alone are 8 bits per weight at seed-4b (0.25× a float32 model)',
};

/** [{ id, goal, figure, met (true | false | null when not measured), why }] */
export function goalRows(results) {
  const rt = results.runtime ?? {};
  const m = results.models ?? {};
  const rows = [];
  const add = (id, goal, value, ok, text = x(value)) => rows.push({ id, goal, value, figure: text, met: value === null ? null : ok(value), why: whyNotMet[id] ?? '' });
  const rate = (r) => r?.imagesPerSec ?? null;
  add('ortVsFloat1', 'ORT engine ≥ 1/4 of onnxruntime float, ResNet-20, 1 thread', ratio(rate(rt.ortCim1), rate(rt.ortFloat1)), (v) => v >= 0.25);
  add('ortVsFloatDefault', 'ORT engine ≥ 1/4 of onnxruntime float, ResNet-20, default threads', ratio(rate(rt.ortCimDefault), rate(rt.ortFloatDefault)), (v) => v >= 0.25);
  add('ortThreads', 'ORT engine, 2 intra-op threads ≥ 1.6× its 1-thread rate (one session)', ratio(rate(rt.ortCimDefault), rate(rt.ortCim1)), (v) => v >= 1.6);
  add('ortJobs', 'ORT engine ≥ 1.6× with 2 threads as cimc run --jobs 2 (a session per worker) vs --jobs 1', ratio(rate(rt.ortJobs2), rate(rt.ortJobs1)), (v) => v >= 1.6);
  add('refJobs', 'reference runtime ≥ 1.8× with 2 workers (cimc run --jobs 2 vs 1)', ratio(rate(rt.refJobs2), rate(rt.refJobs1)), (v) => v >= 1.8);
  for (const key of ['resnet18', 'resnet50']) {
    const c = m[key];
    const name = key === 'resnet18' ? 'ResNet-18' : 'ResNet-50';
    const id = key === 'resnet18' ? 'Resnet18' : 'Resnet50';
    add(`compile${id}`, `compile ${name} ≤ 1.0× an onnxruntime session creation (wall)`, ratio(c?.compileMs, c?.ortSessionMs), (v) => v <= 1.0);
    add(`rss${id}`, `compile ${name} peak RSS ≤ 1.5× onnxruntime's`, ratio(c?.compileMaxRssMiB, c?.ortSessionMaxRssMiB), (v) => v <= 1.5);
  }
  const r18 = m.resnet18;
  add('planSize', 'ResNet-18 plan (JSON + sidecar) ≤ 0.3× the ONNX file', r18 ? ratio(r18.sidecarBytes + (r18.planJsonBytes ?? 0), r18.modelBytes) : null, (v) => v <= 0.3);
  return rows;
}
