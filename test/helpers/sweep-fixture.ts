/**
 * A synthetic sweep for the sweep-page tests: adc-bits 2…6 × psum-granularity layer/array/column
 * (15 grid points); the 12 points with 3…6 bits finished with plausible numbers (accuracy rises
 * with ADC bits and finer partial-sum scales; energy, area and latency rise with ADC bits; `array`
 * costs more than `column` for less accuracy, so those points are off every front), the
 * point 2 bits / layer failed, and two points were not run.
 */
import type { SweepDefinition } from '../../compiler/sweep/html/definition.js';
import type { SweepRecord } from '../../compiler/sweep/record.js';

export const granularities = ['layer', 'array', 'column'] as const;
export const adcBits = [2, 3, 4, 5, 6];

export const sweepDefinition: SweepDefinition = {
  model: { file: 'mnist-cnn.onnx', sha256: 'ab'.repeat(32) },
  axes: [
    { name: 'adc-bits', values: adcBits },
    { name: 'psum-granularity', values: [...granularities] },
  ],
  points: adcBits.length * granularities.length,
  data: { file: 'mnist-test.npz', sha256: 'cd'.repeat(32) },
  samples: 200,
  generator: 'cimc test',
};

const command = (bits: number, g: string): string =>
  `cimc compile mnist-cnn.onnx --adc-bits ${bits} --psum-granularity ${g} --calibration-data mnist-test.npz -o plan.json`;

function okRecord(bits: number, gi: number): SweepRecord {
  const g = granularities[gi];
  const index = adcBits.indexOf(bits) * granularities.length + gi;
  const drop = { 3: 0.3, 4: 0.08, 5: 0.02, 6: 0.004 }[bits] ?? 0;
  const accuracy = Number((0.92 - drop * [1, 0.6, 0.35][gi]).toFixed(4));
  const adcPj = 2 ** bits * 9000 * [1, 1.1, 1.06][gi];
  const energyPj = 40_000 + adcPj * (bits >= 5 ? 4 : 1);
  const latencyNs = 2000 + bits * 600 + [0, 200, 150][gi];
  return {
    key: `${index}`.padStart(64, '0'),
    index,
    point: { target: 'isaac-ce', options: { adcBits: bits, psumGranularity: g } },
    status: 'ok',
    metrics: {
      accuracy,
      floatAccuracy: 0.92,
      agreement: Number(Math.min(1, accuracy / 0.92 + 0.01).toFixed(4)),
      samples: 200,
      energyPj,
      latencyNs,
      inferencesPerSecond: 1e9 / latencyNs,
      areaMm2: 1.5 + 0.08 * 2 ** bits + [0, 0.08, 0.05][gi],
      topsPerWatt: 2e6 / energyPj,
      adcEnergyShare: adcPj / energyPj,
      arrays: 12,
    },
    command: command(bits, g),
    ms: 900 + index,
  };
}

export function sweepRecords(): SweepRecord[] {
  const out: SweepRecord[] = [];
  for (const bits of [3, 4, 5, 6]) for (let gi = 0; gi < granularities.length; gi++) out.push(okRecord(bits, gi));
  out.push({
    key: '0'.repeat(63) + 'f',
    index: 0,
    point: { target: 'isaac-ce', options: { adcBits: 2, psumGranularity: 'layer' } },
    status: 'error',
    error: { code: 'E_OPTION', message: 'adc-bits 2 is below the target minimum of 3' },
    command: command(2, 'layer'),
    ms: 12,
  });
  return out;
}
