/**
 * Digital-step attributes: their JSON encoding in the plan (PlanAttr, plan/types.ts) and the
 * ONNX kind each one has. The one place that decides the kind of a plan attribute; the reference
 * runtime and the ORT engine both read attributes through `readPlanAttr`.
 *
 *   INT      plain number          3             INTS     plain number list   [1, 1]
 *   FLOAT    { "float": x }        {"float": 1}  FLOATS   { "floats": [...] } {"floats": [0.5]}
 *   STRING   string                "nearest"     STRINGS  string list         ["a", "b"]
 *   TENSOR   { "tensor": ref }
 *
 * Plans written before FLOAT/FLOATS had their own form stored them as plain numbers; so a plain
 * number (list) still reads as FLOAT(S) where the legacy rule says so: a default-domain attribute
 * the tables below name a float, or a value that is not an integer.
 */
import { CimcError } from '../base/diagnostics.js';
import type { PlanAttr, TensorRef } from './types.js';

/** An attribute with its ONNX kind. Lists are the plan's own arrays (not copied). */
export type TypedPlanAttr =
  | { kind: 'int'; value: number }
  | { kind: 'float'; value: number }
  | { kind: 'ints'; value: number[] }
  | { kind: 'floats'; value: number[] }
  | { kind: 'string'; value: string }
  | { kind: 'strings'; value: string[] }
  | { kind: 'tensor'; value: TensorRef };

export type PlanAttrKind = TypedPlanAttr['kind'];

/** Legacy rule: FLOAT/FLOATS attributes of the default domain by name (ints of these names: legacyIntsByOp). */
const legacyFloatNames: ReadonlySet<string> = new Set([
  'alpha', 'beta', 'gamma', 'epsilon', 'momentum', 'lambd', 'ratio', 'scale', 'scales',
  'extrapolation_value', 'cubic_coeff_a', 'spatial_scale', 'seed', 'mean', 'high', 'low',
  'value_float', 'value_floats', 'activation_alpha', 'activation_beta', 'clip', 'threshold',
]);
/** Legacy rule: float attributes whose name is an int elsewhere, by op. */
const legacyFloatsByOp: Readonly<Record<string, readonly string[]>> = {
  LRN: ['bias'], Shrink: ['bias'], ImageScaler: ['bias'], Clip: ['min', 'max'], Pad: ['value'],
};

/** Legacy rule: the INT attributes of these names (Dropout-12+ has an INT seed; RandomNormal & co. a FLOAT one). */
const legacyIntsByOp: Readonly<Record<string, readonly string[]>> = { Dropout: ['seed'] };

const listed = (table: Readonly<Record<string, readonly string[]>>, opType: string, name: string): boolean =>
  Object.hasOwn(table, opType) && table[opType].includes(name);

const isDefaultDomain = (domain: string | undefined): boolean => domain === undefined || domain === '' || domain === 'ai.onnx';

/** The legacy rule's name table: is this default-domain attribute a FLOAT(S) of its op? */
export function isLegacyFloatAttr(opType: string, name: string, domain?: string): boolean {
  if (!isDefaultDomain(domain) || listed(legacyIntsByOp, opType, name)) return false;
  return legacyFloatNames.has(name) || listed(legacyFloatsByOp, opType, name);
}

/** Where an attribute sits, for the legacy rule and for diagnostics. */
export interface PlanAttrSite {
  opType: string;
  /** The step's domain (absent: the default domain). */
  domain?: string;
  /** Attribute name. */
  name: string;
  /** JSON pointer of the attribute, e.g. `/schedule/3/attrs/alpha`. */
  field: string;
  /** Plan file, for diagnostics. */
  file?: string;
  /**
   * The plan's planVersion: from version 2 on a plain number is always an INT (every FLOAT is
   * written as {float}); version 1 plans keep the legacy name rule. Absent: 1.
   */
  planVersion?: number;
}

const legacyFloat = (site: PlanAttrSite): boolean => (site.planVersion ?? 1) < 2 && isLegacyFloatAttr(site.opType, site.name, site.domain);

const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

function malformed(site: PlanAttrSite, message: string): CimcError {
  return new CimcError('CIM4002', `attribute '${site.name}' of ${site.opType}: ${message}`, { ...(site.file !== undefined ? { file: site.file } : {}), field: site.field });
}

function numberList(v: unknown, site: PlanAttrSite, form: string): number[] {
  if (!Array.isArray(v)) throw malformed(site, `${form} must be a list of numbers`);
  v.forEach((x, i) => {
    if (!isNumber(x)) throw malformed(site, `${form} item ${i} must be a finite number, not ${JSON.stringify(x) ?? String(x)}`);
  });
  return v as number[];
}

/**
 * The kind and value of one attribute as the plan stores it. A malformed attribute (what the
 * schema rejects: mixed lists, unknown object forms, non-numbers) is CIM4002 naming `site.field`.
 */
export function readPlanAttr(a: PlanAttr, site: PlanAttrSite): TypedPlanAttr {
  const raw: unknown = a;
  if (typeof raw === 'string') return { kind: 'string', value: raw };
  if (typeof raw === 'number') {
    if (!Number.isFinite(raw)) throw malformed(site, `${raw} is not a finite number`);
    return legacyFloat(site) || !Number.isInteger(raw) ? { kind: 'float', value: raw } : { kind: 'int', value: raw };
  }
  if (Array.isArray(raw)) {
    if (raw.length > 0 && raw.every((v): v is string => typeof v === 'string')) return { kind: 'strings', value: raw };
    const nums = numberList(raw, site, 'a list attribute');
    return legacyFloat(site) || nums.some((v) => !Number.isInteger(v)) ? { kind: 'floats', value: nums } : { kind: 'ints', value: nums };
  }
  if (typeof raw === 'object' && raw !== null) {
    const keys = Object.keys(raw);
    if (keys.length === 1) {
      const o = raw as Record<string, unknown>;
      if (keys[0] === 'float') {
        if (!isNumber(o.float)) throw malformed(site, `{"float": …} must hold a finite number, not ${JSON.stringify(o.float) ?? String(o.float)}`);
        return { kind: 'float', value: o.float };
      }
      if (keys[0] === 'floats') return { kind: 'floats', value: numberList(o.floats, site, '{"floats": …}') };
      if (keys[0] === 'tensor' && typeof o.tensor === 'object' && o.tensor !== null && !Array.isArray(o.tensor)) return { kind: 'tensor', value: o.tensor as TensorRef };
    }
    throw malformed(site, `an object attribute must be {"float": x}, {"floats": [...]} or {"tensor": ref}, not one with keys [${keys.join(', ')}]`);
  }
  throw malformed(site, `${JSON.stringify(raw) ?? String(raw)} is not an attribute (number, string, list, {"float"}, {"floats"} or {"tensor"})`);
}

/** Every attribute of a digital step, with its kind; fields are `/schedule/<index>/attrs/<name>`. */
export function readStepAttrs(step: { opType: string; domain?: string; attrs: Record<string, PlanAttr> }, index: number, file?: string, planVersion?: number): Record<string, TypedPlanAttr> {
  const out: Record<string, TypedPlanAttr> = {};
  for (const [name, a] of Object.entries(step.attrs)) {
    out[name] = readPlanAttr(a, { opType: step.opType, domain: step.domain, name, field: `/schedule/${index}/attrs/${name}`, file, planVersion });
  }
  return out;
}

/** What `encodePlanAttr` takes: a TypedPlanAttr, or the like with read-only lists (the compiler's IR attributes). */
export type PlanAttrInput =
  | { readonly kind: 'int' | 'float'; readonly value: number }
  | { readonly kind: 'string'; readonly value: string }
  | { readonly kind: 'ints' | 'floats'; readonly value: readonly number[] }
  | { readonly kind: 'strings'; readonly value: readonly string[] }
  | { readonly kind: 'tensor'; readonly value: TensorRef };

/** The plan encoding of an attribute (the writer's side): ints and strings plain, floats tagged, lists copied. */
export function encodePlanAttr(a: PlanAttrInput): PlanAttr {
  switch (a.kind) {
    case 'int': case 'string': return a.value;
    case 'float': return { float: a.value };
    case 'ints': return [...a.value];
    case 'floats': return { floats: [...a.value] };
    case 'strings': return [...a.value];
    case 'tensor': return { tensor: a.value };
  }
}
