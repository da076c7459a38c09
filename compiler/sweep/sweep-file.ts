/** Reads a sweep file (schemas/sweep.schema.json): the model, data and axes of a sweep as JSON. */
import { CimcError } from '../../base/diagnostics.js';
import { readJsonFile } from '../../base/json-file.js';
import { describeSchemaError, schemaValidator } from '../../base/json-schema.js';
import type { AxisSpec } from './grid.js';

export interface SweepFile {
  model?: string;
  inputs?: string;
  labels?: string;
  calib?: string;
  limit?: number;
  target?: string;
  /** In the file's order (JSON objects keep their key order). */
  axes: AxisSpec[];
}

export function readSweepFile(file: string): SweepFile {
  const json = readJsonFile(file, 'CIM5003', 'sweep file');
  const validate = schemaValidator('sweep.schema.json');
  if (!validate(json)) {
    const { pointer, message } = describeSchemaError(validate.errors);
    throw new CimcError('CIM5003', `${pointer} ${message}`, { file, field: pointer });
  }
  const j = json as Omit<SweepFile, 'axes'> & { axes: Record<string, (string | number | boolean)[]> };
  return { ...j, axes: Object.entries(j.axes).map(([name, values]) => ({ name, values: values.map(String) })) };
}
