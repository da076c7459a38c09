/** A plan document with its sidecar bytes, as built in memory, before it is written. */
import type { Plan } from './types.js';

export interface BuiltPlan {
  readonly plan: Plan;
  /** The sidecar's bytes as written, in pieces (no 100 MB copy just to write them out). */
  readonly sidecarChunks: readonly Uint8Array[];
  /** The sidecar as one array, joined on first use. */
  readonly sidecar: Uint8Array;
}

/** A BuiltPlan whose `sidecar` joins the chunks once, when first read. */
export function builtPlan(plan: Plan, sidecarChunks: readonly Uint8Array[]): BuiltPlan {
  let joined: Uint8Array | undefined;
  return {
    plan,
    sidecarChunks,
    get sidecar(): Uint8Array {
      if (!joined) {
        joined = new Uint8Array(sidecarChunks.reduce((n, c) => n + c.byteLength, 0));
        let o = 0;
        for (const c of sidecarChunks) { joined.set(c, o); o += c.byteLength; }
      }
      return joined;
    },
  };
}
