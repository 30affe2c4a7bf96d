import { validateSync } from 'class-validator';
import type { AuthorizationDetail } from '../authorization-request/authorization-request.js';

/**
 * How a host defines an authorization details type (RFC 9396 §2): a function that returns a problem
 * (a short sentence for the client) or nothing when the detail is valid, or a class-validator class
 * whose decorated properties describe the type (unknown fields are refused). Nested objects need
 * a function (class-validator alone cannot instantiate them without class-transformer).
 */
export type AuthorizationDetailsValidator =
  | ((detail: Readonly<AuthorizationDetail>) => string | undefined | void)
  | (new () => object);

/** Runs a type's validator; returns the problem, or undefined when the detail is valid. */
export function validateDetail(validator: AuthorizationDetailsValidator, detail: AuthorizationDetail): string | undefined {
  if (isClass(validator)) {
    const { type: _type, ...fields } = detail;
    const instance = Object.assign(new validator(), fields);
    const errors = validateSync(instance, { whitelist: true, forbidNonWhitelisted: true, forbidUnknownValues: true });
    if (errors.length === 0) return undefined;
    const first = errors[0];
    const constraint = first?.constraints ? Object.values(first.constraints)[0] : undefined;
    return constraint ?? `field ${first?.property ?? '?'} is invalid`;
  }
  const problem = validator(detail);
  return typeof problem === 'string' ? problem : undefined;
}

function isClass(validator: AuthorizationDetailsValidator): validator is new () => object {
  return typeof validator === 'function' && /^class\s/.test(Function.prototype.toString.call(validator));
}

/** JSON with object keys sorted: two details are the same grant when their canonical forms are equal. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * The details of `subset` that are not among `of` (compared by canonical JSON): what RFC 9396 §6.1
 * and the consent step forbid adding.
 */
export function notContained(subset: readonly unknown[], of: readonly unknown[]): unknown[] {
  const known = new Set(of.map(canonicalJson));
  return subset.filter((detail) => !known.has(canonicalJson(detail)));
}
