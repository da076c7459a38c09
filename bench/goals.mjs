/**
 * The performance goals of issue 14, each computed from one bench run's results (ratios within
 * the run) and printed next to its figure; `why` says, for a goal not met, what stands between
 * the figure and the goal (kept up to date with the last full run, README's benchmark section).
 */

const ratio = (a, b) => (a && b ? a / b : null);
const x = (v, digits = 2) => (v === null ? 'n/a' : `${v.toFixed(digits)}×`);

/** Why a goal is not met, by goal id (from the profiles behind the last full run). */
export const whyNotMet = {
  ortVsFloat1: 'not analysed yet',
  ortVsFloatDefault: 'not analysed yet',
  ortThreads: 'not analysed yet',
  refJobs: 'not analysed yet',
  compileResnet18: 'not analysed yet',
  compileResnet50: 'not analysed yet',
  rssResnet18: 'not analysed yet',
  rssResnet50: 'not analysed yet',
  planSize: 'not analysed yet',
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
  add('ortThreads', 'ORT engine default threads (2) ≥ 1.6× its 1-thread rate', ratio(rate(rt.ortCimDefault), rate(rt.ortCim1)), (v) => v >= 1.6);
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
