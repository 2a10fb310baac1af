// After a create whose answer was lost (an OutcomeUnknownError): deciding from a lookup whether the record is ours.
import type { Source } from '../model.js';
import { OutcomeUnknownError } from './http/failure.js';

/**
 * How much earlier than our attempt a found record's `created_at` may be and still count as ours, ms: the upstream's
 * clock and ours differ, and its timestamp may be taken when it received the request.
 */
export const CLOCK_SKEW_MS = 60_000;

/** Whether a record created at `createdAt` (epoch ms) can be the one our attempt, started at `started`, made. */
export function createdByAttempt(createdAt: number | null, started: number): boolean {
  return createdAt !== null && createdAt >= started - CLOCK_SKEW_MS;
}

const NAMES: Record<Source, string> = { BACKSIDE: 'Backside', INTERCOM: 'Intercom' };

/**
 * The error when a lost create could not be resolved: the cause's code (UPSTREAM_TIMEOUT or UPSTREAM_UNAVAILABLE),
 * a message saying the contact may or may not exist and that nothing was sent again, `hint` added (e.g. search lag).
 */
export function createOutcomeUnknown(source: Source, cause: OutcomeUnknownError, hint = ''): OutcomeUnknownError {
  const message =
    `${NAMES[source]} did not answer the create: the contact may or may not have been created, and the gateway did ` +
    `not send it again.${hint ? ` ${hint}` : ''}`;
  return new OutcomeUnknownError(cause, message);
}

/** The same for a write other than a create that is not looked up (a note, a merge). */
export function writeOutcomeUnknown(source: Source, what: string, cause: OutcomeUnknownError): OutcomeUnknownError {
  return new OutcomeUnknownError(
    cause,
    `${NAMES[source]} did not answer: the ${what} may or may not have been made, and the gateway did not send it again.`,
  );
}
