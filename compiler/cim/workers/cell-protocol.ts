/** The messages and shared counters between the cell pool and its worker. */
import type { Granularity } from '../../../plan/types.js';
import type { CellInput, ScalesAndCells } from '../layer-cells.js';

/**
 * Slots of the shared Int32Array: claims (layers taken from the front, by the main thread, in
 * the low 16 bits; from the back, by the worker, in the high 16), layers the worker finished,
 * stop flag.
 */
export const control = { claims: 0, done: 1, stop: 2, length: 3 } as const;

/**
 * Claims the next of `count` layers from the front (biggest first: the main thread) or the back
 * (smallest first: the worker, whose code warms up on small layers); −1 once all are taken.
 */
export function claim(ctrl: Int32Array, count: number, fromBack: boolean): number {
  for (;;) {
    const old = Atomics.load(ctrl, control.claims);
    const front = old & 0xffff;
    const back = old >>> 16;
    if (front + back >= count) return -1;
    const next = fromBack ? old + 0x10000 : old + 1;
    if (Atomics.compareExchange(ctrl, control.claims, old, next | 0) === old) return fromBack ? count - 1 - back : front;
  }
}

export interface CellJobs {
  layers: CellInput[];
  granularity: Granularity;
  method: 'maxabs' | 'mse';
}

export type CellReply = { job: number; result: ScalesAndCells; failed?: undefined } | { job: number; failed: string; result?: undefined };
