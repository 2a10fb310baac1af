// What every mutation payload carries: userErrors (data, not GraphQL errors) for what the caller can fix, and the
// caller's clientMutationId echoed (shared/design/contract-writes.graphql).
import type { UserError, UserErrorCode } from '../writes/outcome.js';
import { builder } from './builder.js';

export const UserErrorCodeEnum = builder.enumType('UserErrorCode', {
  values: {
    INVALID: { description: 'A value is malformed (an email, a phone, a URL, an id of the wrong type).' },
    REQUIRED: { description: 'A value the source needs is missing.' },
    TAKEN: {
      description: 'The source already holds a record with this unique value (an Intercom email or external id).',
    },
    NOT_FOUND: { description: 'The record named by an id does not exist (or is not this caller’s to change).' },
    UNSUPPORTED_BY_SOURCE: {
      description: 'The source has no such operation or field (e.g. notes on Backside, a Backside kind on Intercom).',
    },
    IDEMPOTENCY_CONFLICT: { description: 'The idempotency key was used before with other input.' },
  } satisfies Record<UserErrorCode, unknown>,
});

export const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'What the caller can fix. `field` is the path to the input field at fault, e.g. ["input", "email"].',
  fields: (t) => ({
    field: t.exposeStringList('field', { nullable: true }),
    message: t.exposeString('message'),
    code: t.expose('code', { type: UserErrorCodeEnum }),
  }),
});

/** The fields every payload shares, from an outcome and the mutation's input. */
export function payloadBase(userErrors: UserError[], input: { clientMutationId?: string | null | undefined }) {
  return { userErrors, clientMutationId: input.clientMutationId ?? null };
}
