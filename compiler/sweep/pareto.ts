/** Pareto fronts of sweep results: the points no other point beats on every objective. */

/** An objective: a number of a point and whether more is better. */
export interface Objective<T> {
  value(p: T): number;
  better: 'higher' | 'lower';
}

/**
 * The points not dominated by any other: q dominates p when q is at least as good on every
 * objective and strictly better on one. Order is kept; equal points are all kept.
 */
export function paretoFront<T>(points: readonly T[], objectives: readonly Objective<T>[]): T[] {
  const score = (p: T): number[] => objectives.map((o) => (o.better === 'higher' ? o.value(p) : -o.value(p)));
  const scores = points.map(score);
  return points.filter((_, i) => !scores.some((q, j) => j !== i && q.every((v, k) => v >= scores[i][k]) && q.some((v, k) => v > scores[i][k])));
}
