/** The `cimc compile …` command that reproduces a point's plan (flags from the options' declarations, values as given). */
import type { GridPoint } from './grid.js';

const quote = (s: string): string => (/^[A-Za-z0-9_./:=,@%+-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

export function compileCommand(model: string, g: GridPoint, calib?: string): string {
  const parts = ['cimc', 'compile', model, '-t', g.point.target];
  if (g.point.cost !== undefined) parts.push('--cost', g.point.cost);
  parts.push(...g.flags);
  if (calib) parts.push('--calib', calib);
  parts.push('-o', 'plan.json');
  return parts.map(quote).join(' ');
}
