import { responsePathAsArray } from 'graphql';
import { personKey } from '../filter.js';
import { findPerson, type Person } from '../identity.js';
import { builder } from './builder.js';
import { CompanyRef } from './company.js';
import { ContactRef } from './contact.js';
import { recordPartial } from './partial.js';
import { TagRef } from './tag.js';

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
