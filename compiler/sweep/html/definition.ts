/**
 * What the sweep page needs to know about the sweep itself: the part of DIR/sweep.json (written by
 * `cimc sweep`) that the page shows. Only `model`, `axes` and `points` are required; the runner may
 * write more, and any other field it writes is ignored here.
 */

/** A value an axis takes, as written in the sweep file. */
export type AxisValue = string | number | boolean;

export interface SweepAxis {
  /**
   * The axis name as the user wrote it: `target`, `cost`, or a compile option in its CLI spelling
   * (`adc-bits`) or camelCase (`adcBits`); the page finds its value in each record's point.
   */
  name: string;
  /** The values in grid order (the table sorts an axis column in this order). */
  values: AxisValue[];
}

export interface SweepDefinition {
  model: { file: string; sha256: string };
  axes: SweepAxis[];
  /** Grid size: the product of the axes' lengths. */
  points: number;
  /** The evaluation data set, when the sweep names one. */
  data?: { file: string; sha256?: string };
  /** Samples evaluated per point. */
  samples?: number;
  /** Producer, e.g. `cimc 0.9.0`. */
  generator?: string;
  /** The `cimc sweep …` command line that ran the sweep. */
  command?: string;
}
