// Checks of upstream JSON before it is trusted. Pure: no I/O.
import { GatewayError } from '../errors.js';
import type { Source } from '../model.js';

/** A response that is JSON but not the shape we rely on: UPSTREAM_BAD_RESPONSE, `what` for operators only. */
export function badShape(source: Source, what: string): GatewayError {
  return GatewayError.upstream('UPSTREAM_BAD_RESPONSE', source, what);
}

export function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
