/**
 * One finished point of a design-space sweep: the line `cimc sweep` appends to results.jsonl
 * (one JSON object per line, flushed as the point finishes) and everything downstream reads
 * (results.csv, `cimc sweep merge`, `cimc sweep report`).
 */

/** What a point varies: the target, the cost figures and any declared compile options. */
export interface SweepPoint {
  /** Built-in target name or target file as given on the axis. */
  target: string;
  /** Cost preset name or cost file; absent: the target's own figures. */
  cost?: string;
  /** Declared compile options (camelCase names, checked values), sorted by name. */
  options: Record<string, string | number | boolean | readonly string[]>;
}

export interface SweepMetrics {
  /** Top-1 accuracy of the CIM path on the evaluated samples, 0…1. */
  accuracy: number;
  /** Top-1 accuracy of the float path (the same for every point of a sweep). */
  floatAccuracy: number;
  /** Fraction of samples where the CIM path's top-1 equals the float path's. */
  agreement: number;
  samples: number;
  /** Per inference, from the cost model (compiler/cost). */
  energyPj: number;
  latencyNs: number;
  inferencesPerSecond: number;
  areaMm2: number;
  topsPerWatt: number;
  adcEnergyShare: number;
  /** Arrays allocated (with replicas). */
  arrays: number;
}

export interface SweepRecord {
  /** Content hash (sha256 hex) of (model sha256, data sha256, resolved target, options): resume key. */
  key: string;
  /** Position of the point in the sweep's grid order (for stable output). */
  index: number;
  point: SweepPoint;
  status: 'ok' | 'error';
  /** Present when status is 'ok'. */
  metrics?: SweepMetrics;
  /** Present when status is 'error': the coded one-line error. */
  error?: { code: string; message: string };
  /** The `cimc compile …` command that reproduces this point's plan. */
  command: string;
  /** Wall time of the point (compile + evaluate), ms. */
  ms: number;
}
