// What a mutation resolves to before the schema shapes its payload, and the two things every mutation does the same
// way: turning a source's refusal into the contract's userErrors, and replaying a result by idempotency key.
import type { ContactChangeKind } from '../events/event.js';
import type { Source } from '../model.js';
import { encodeGlobalID } from '../schema/ids.js';
import type { SourceUserError } from '../upstream/writer.js';
import type { WriteUserError } from './fields.js';
import { type IdempotencyStore, inputDigest } from './idempotency.js';
import type { Writers } from './writers.js';

/** The contract's UserErrorCode. */
export type UserErrorCode = WriteUserError['code'] | 'TAKEN' | 'NOT_FOUND' | 'IDEMPOTENCY_CONFLICT';

/** The contract's UserError: `field` the path from the mutation's argument (["input", "email"]), null for the whole. */
export interface UserError {
  field: string[] | null;
  message: string;
  code: UserErrorCode;
}

/** A mutation's result: the value when it worked, else null with what the caller can fix (never both). */
export interface WriteOutcome<T> {
  value: T | null;
  userErrors: UserError[];
}

/** What a request lends its mutations (made per request in src/yoga.ts). */
export interface WriteScope {
  writers: Writers;
  idempotency: IdempotencyStore;
  /** A digest naming the caller (its API key, JWT subject or, with auth off, the upstream credential). */
  caller: string;
  /**
   * Told after a write changed something in a source: drops this credential's cached answers and, given the change,
   * publishes it on the change bus (origin GATEWAY, this request's credential for that source).
   */
  changed(source: Source, change?: WriteChange): void;
}

/** What a write changed, for the change stream: the record (source id) and how; MERGED names the record kept. */
export interface WriteChange {
  kind: ContactChangeKind;
  sourceId: string;
  mergedIntoId?: string | undefined;
}

export const refused = <T>(userErrors: UserError[]): WriteOutcome<T> => ({ value: null, userErrors });

/**
 * A source's refusal as userErrors: its field (when it named one) under ["input"], TAKEN with the global id of the
 * record that already holds the value, so the caller can go to it.
 */
export function fromSource(errors: SourceUserError[], source: Source): UserError[] {
  return errors.map((error) => {
    let message = error.message;
    if (error.code === 'TAKEN' && error.existingId !== undefined) {
      const existing = encodeGlobalID('Contact', `${source}:${error.existingId}`);
      message = `${message.replace(/\.$/, '')} (the existing contact: ${existing}).`;
    }
    return { field: error.field === undefined ? null : ['input', error.field], message, code: error.code };
  });
}

/**
 * How a write that may or may not have happened is settled on a retry: `is` tells such an error (the writers'
 * outcome-unknown errors); `recover` looks again for what the first call may have made, without writing, given when
 * it started (epoch ms), and answers the outcome or throws (still unknown).
 */
export interface UnknownOutcome<T> {
  is(error: unknown): boolean;
  recover(startedAt: number): Promise<WriteOutcome<T>>;
}

/** What the store keeps of a result: JSON only. `unknownSince`: the first call's outcome was unknown (epoch ms). */
interface Kept<K> {
  value: K | null;
  userErrors: UserError[];
  unknownSince?: number;
}

/**
 * Runs `execute` once per (caller, mutation, key) when the caller sent an idempotency key: the same key with the same
 * input answers the first result for IDEMPOTENCY.ttlMs (24 h), with other input IDEMPOTENCY_CONFLICT at
 * ["input", "idempotencyKey"]. Results are kept as JSON: `keep` turns a value into what is kept (e.g. the record's
 * source and id) and `restore` turns that back into a value on a replay (e.g. by reading the record again).
 * With `unknown`, a first call whose outcome is unknown (a lost answer nothing could settle) is kept as such: it
 * throws its error, and a retry with the key looks again (`unknown.recover`) instead of writing a second time.
 * Any other thrown failure is not kept: a retry runs again.
 */
export async function idempotent<T, K>(
  scope: WriteScope,
  mutation: string,
  key: string | undefined,
  input: object,
  execute: () => Promise<WriteOutcome<T>>,
  keep: (value: T) => K,
  restore: (kept: K) => Promise<T | null>,
  unknown?: UnknownOutcome<T>,
): Promise<WriteOutcome<T>> {
  if (key === undefined) return execute();
  let fresh: WriteOutcome<T> | undefined;
  let lost: unknown;
  const outcome = await scope.idempotency.run<Kept<K>>(
    { caller: scope.caller, mutation, key },
    inputDigest(input as Record<string, unknown>),
    async () => {
      const startedAt = Date.now();
      try {
        fresh = await execute();
      } catch (error) {
        if (!unknown?.is(error)) throw error;
        lost = error;
        return { value: null, userErrors: [], unknownSince: startedAt };
      }
      return { value: fresh.value === null ? null : keep(fresh.value), userErrors: fresh.userErrors };
    },
  );
  if (outcome.conflict) {
    return refused([
      {
        field: ['input', 'idempotencyKey'],
        message: 'This idempotency key was used before with other input: use a new key for a new change.',
        code: 'IDEMPOTENCY_CONFLICT',
      },
    ]);
  }
  if (lost !== undefined) throw lost;
  if (fresh && !outcome.replayed) return fresh;
  const { value, userErrors, unknownSince } = outcome.value;
  if (unknownSince !== undefined && unknown) return unknown.recover(unknownSince);
  if (value === null) return refused(userErrors);
  const restored = await restore(value);
  if (restored === null) {
    return refused([
      { field: null, message: 'The record this key created is gone from its source.', code: 'NOT_FOUND' },
    ]);
  }
  return { value: restored, userErrors: [] };
}
