// Building writers' answers (SourceUserError, WriteResult) and reading upstream refusals into them. Pure: no I/O.
// Messages are ours: an upstream's message is only searched for a field name or an id, never repeated.
import type { Source } from '../model.js';
import type { SourceUserError, SourceUserErrorCode, WriteResult } from './writer.js';

const NAMES: Record<Source, string> = { BACKSIDE: 'Backside', INTERCOM: 'Intercom' };

export function ok<T>(value: T): WriteResult<T> {
  return { ok: true, value };
}

export function refused<T>(...errors: SourceUserError[]): WriteResult<T> {
  return { ok: false, errors };
}

export function userError(
  code: SourceUserErrorCode,
  message: string,
  field?: string | undefined,
  existingId?: string | undefined,
): SourceUserError {
  return {
    code,
    message,
    ...(field === undefined ? {} : { field }),
    ...(existingId === undefined ? {} : { existingId }),
  };
}

/** UNSUPPORTED_BY_SOURCE: `what` (e.g. "notes") is something `source` cannot hold or do. */
export function unsupported(source: Source, what: string, field?: string): SourceUserError {
  return userError('UNSUPPORTED_BY_SOURCE', `${NAMES[source]} does not support ${what}.`, field);
}

/** NOT_FOUND for the record named by the input field `field`. */
export function notFound(source: Source, what: string, field?: string): SourceUserError {
  return userError('NOT_FOUND', `${NAMES[source]} has no such ${what}.`, field);
}

/**
 * The first of our input fields whose upstream name `message` mentions as a word (`fields`: upstream name → ours,
 * e.g. `{ display_name: 'name' }`), longest names first so `email_verified` is not read as `email`; undefined when
 * none. Case-insensitive; `_` and spaces are alike ("Display name is too long" names display_name).
 */
export function fieldIn(message: string | undefined, fields: Record<string, string>): string | undefined {
  if (!message) return undefined;
  const text = message.toLowerCase().replace(/[_\s]+/g, ' ');
  const names = Object.keys(fields).sort((a, b) => b.length - a.length);
  for (const name of names) {
    const pattern = name
      .toLowerCase()
      .replace(/[_\s]+/g, ' ')
      .replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    if (new RegExp(`(^|[^a-z0-9])${pattern}([^a-z0-9]|$)`).test(text)) return fields[name];
  }
  return undefined;
}

/** `INVALID` from a validation refusal (400/422): the field the upstream named, when it is one of ours. */
export function invalid(source: Source, what: string, field: string | undefined): SourceUserError {
  const message = field
    ? `${NAMES[source]} refused the ${what}: ${field} is not valid.`
    : `${NAMES[source]} refused the ${what} as not valid.`;
  return userError('INVALID', message, field);
}

/** `TAKEN`: another record holds a unique value; `existingId` when the upstream named it. */
export function taken(source: Source, field: string | undefined, existingId: string | undefined): SourceUserError {
  const value = field ?? 'a unique value';
  return userError('TAKEN', `Another ${NAMES[source]} contact already holds ${value}.`, field, existingId);
}
