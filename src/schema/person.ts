import { responsePathAsArray } from 'graphql';
import { personKey } from '../filter.js';
import { findPerson, type Person } from '../identity.js';
import type { Contact } from '../model.js';
import { type CopyResult, copyContact } from '../writes/copy.js';
import { idempotent, refused, type UserError, type WriteOutcome } from '../writes/outcome.js';
import { type CopyContactInput as CopyContactInputShape, validateCopyContact } from '../writes/validate.js';
import { builder } from './builder.js';
import { CompanyRef } from './company.js';
import { ContactRef } from './contact.js';
import { recordPartial } from './partial.js';
import { SourceEnum } from './source.js';
import { TagRef } from './tag.js';
import { payloadBase, UserErrorRef } from './user-error.js';

const PersonRef = builder.objectRef<Person>('Person').implement({
  description: 'One person, seen through every source that knows them.',
  fields: (t) => ({
    key: t.exposeString('key', { description: 'The canonical email or E.164 phone that linked the records.' }),
    displayName: t.exposeString('displayName'),
    emails: t.exposeStringList('emails', { description: 'Every canonical email of the linked records.' }),
    phones: t.exposeStringList('phones', { description: 'Every E.164 phone of the linked records.' }),
    contacts: t.expose('contacts', { type: [ContactRef] }),
    tags: t.expose('tags', { type: [TagRef] }),
    companies: t.expose('companies', { type: [CompanyRef] }),
  }),
});

builder.queryField('person', (t) =>
  t.field({
    type: PersonRef,
    nullable: true,
    // A search per source, then each record's tags and companies.
    complexity: { field: 30, multiplier: 5 },
    description:
      'Every record of one person across sources, linked by canonical email (trimmed, lowercased) or phone (E.164; ' +
      'national numbers read in the configured region). Give exactly one of email or phone. Null when no source knows them.',
    args: { email: t.arg.string(), phone: t.arg.string() },
    // A source that fails leaves its records out, with an error at `person`: the other sources still answer.
    resolve: (_root, args, ctx, info) =>
      findPerson(ctx.sources, personKey(args.email, args.phone, ctx.defaultRegion), (error) =>
        recordPartial(ctx, responsePathAsArray(info.path), error, 'Its records are missing from this person.'),
      ),
  }),
);

// ------------------------------------------------------------------------------------------------- copyContact

const CopyContactInput = builder.inputType('CopyContactInput', {
  fields: (t) => ({
    id: t.id({ required: true }),
    to: t.field({ type: SourceEnum, required: true }),
    idempotencyKey: t.string(),
    clientMutationId: t.string(),
  }),
});

const CopyContactPayload = builder
  .objectRef<{ contact: Contact | null; created: boolean; userErrors: UserError[]; clientMutationId: string | null }>(
    'CopyContactPayload',
  )
  .implement({
    fields: (t) => ({
      contact: t.expose('contact', {
        type: ContactRef,
        nullable: true,
        description: 'The record in the target source: the one that already existed, or the one created.',
      }),
      created: t.exposeBoolean('created', {
        description: 'True when a record was created; false when the target source already held the person.',
      }),
      userErrors: t.expose('userErrors', { type: [UserErrorRef] }),
      clientMutationId: t.exposeString('clientMutationId', { nullable: true }),
    }),
  });

builder.mutationField('copyContact', (t) =>
  t.field({
    type: CopyContactPayload,
    description:
      '(identity) Make sure the person behind a contact also exists in another source: when that source already holds\n' +
      'the same person (canonical email or phone), answer that record and create nothing; else create it there from\n' +
      "this contact's fields, channels, tags and addresses.",
    // A read, a lookup per key in the target, the create and one call per tag, channel and address copied.
    complexity: 20,
    args: { input: t.arg({ type: CopyContactInput, required: true }) },
    resolve: async (_root, { input }, ctx) => {
      const validated = validateCopyContact(input as CopyContactInputShape);
      const answer = (outcome: WriteOutcome<CopyResult>) => ({
        contact: outcome.value?.contact ?? null,
        created: outcome.value?.created ?? false,
        ...payloadBase(outcome.userErrors, input),
      });
      if (!validated.ok) return answer(refused(validated.userErrors));
      const { contact, to, idempotencyKey } = validated.value;
      const outcome = await idempotent(
        ctx.writes,
        'copyContact',
        idempotencyKey,
        input,
        async () => {
          const copied = await copyContact(ctx.sources, ctx.writes.writers, contact, to);
          if (copied.value?.created) {
            ctx.writes.changed(to, { kind: 'CREATED', sourceId: copied.value.contact.sourceId });
          }
          return copied;
        },
        (copy) => ({ source: copy.contact.source, sourceId: copy.contact.sourceId, created: copy.created }),
        async (kept) => {
          const record = await ctx.sources.get(kept.source).contact(kept.sourceId);
          return record && { contact: record, created: kept.created };
        },
      );
      return answer(outcome);
    },
  }),
);
