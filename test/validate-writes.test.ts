// Validation of mutation inputs before any upstream call (issue 12): canonical values for the writers, and every
// problem of an input as userErrors at its path.
import { describe, expect, it } from 'vitest';
import { WRITE_LIMITS } from '../src/defaults.js';
import { encodeGlobalID, nodeKey } from '../src/schema/ids.js';
import {
  type Validated,
  validateAddAddress,
  validateAddChannel,
  validateAddNote,
  validateCompanyLink,
  validateCopyContact,
  validateCreateContact,
  validateDeleteContact,
  validateMergeContacts,
  validateTagContact,
  validateUpdateContact,
} from '../src/writes/validate.js';

const contactId = (source: 'BACKSIDE' | 'INTERCOM', id: string) => encodeGlobalID('Contact', nodeKey(source, id));
const companyId = (source: 'BACKSIDE' | 'INTERCOM', id: string) => encodeGlobalID('Company', nodeKey(source, id));
const INTERCOM_CONTACT = contactId('INTERCOM', '65f0a1');
const BACKSIDE_CONTACT = contactId('BACKSIDE', 'ctc_1');
const US = { defaultRegion: 'US' };

function value<T>(result: Validated<T>): T {
  if (!result.ok) throw new Error(`unexpected userErrors: ${JSON.stringify(result.userErrors)}`);
  return result.value;
}

function errors<T>(result: Validated<T>) {
  if (result.ok) throw new Error('expected userErrors');
  return result.userErrors.map(({ field, code }) => ({ field: field.join('.'), code }));
}

describe('createContact', () => {
  it('answers canonical values: email lowercased, phone E.164, URL normalised, strings trimmed', () => {
    const valid = value(
      validateCreateContact(
        {
          source: 'INTERCOM',
          name: '  Ada Lovelace ',
          email: ' Ada@Example.COM ',
          phone: '(202) 555-0123 ext. 42',
          avatarUrl: new URL('https://cdn.example.com/a b.png'),
          language: 'pt_BR',
          timezone: 'Europe/Dublin',
          customAttributes: { plan: 'pro', seats: 3 },
          idempotencyKey: 'create-ada-1',
          clientMutationId: 'm1',
        },
        US,
      ),
    );
    expect(valid).toEqual({
      source: 'INTERCOM',
      draft: {
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        phone: '+12025550123;ext=42',
        avatarUrl: 'https://cdn.example.com/a%20b.png',
        language: 'pt-BR',
        timezone: 'Europe/Dublin',
        customAttributes: { plan: 'pro', seats: 3 },
      },
      idempotencyKey: 'create-ada-1',
    });
  });

  it('reads phones in any common spelling, in the default region when national', () => {
    for (const spelling of ['+44 20 7946 0958', '0044 20 7946 0958', '+442079460958']) {
      expect(value(validateCreateContact({ source: 'BACKSIDE', phone: spelling }, US)).draft.phone).toBe(
        '+442079460958',
      );
    }
    expect(
      value(validateCreateContact({ source: 'BACKSIDE', phone: '020 7946 0958' }, { defaultRegion: 'GB' })).draft.phone,
    ).toBe('+442079460958');
    expect(value(validateCreateContact({ source: 'BACKSIDE', phone: '202.555.0123' }, US)).draft.phone).toBe(
      '+12025550123',
    );
  });

  it('reports every problem at once, each at its field', () => {
    expect(
      errors(
        validateCreateContact(
          {
            source: 'INTERCOM',
            email: 'not an email',
            phone: 'call me',
            avatarUrl: 'ftp://example.com/a.png',
            givenName: 'x'.repeat(WRITE_LIMITS.nameLength + 1),
            language: 'English please',
            timezone: 'Mars/Olympus',
            kind: 'ORGANIZATION',
            idempotencyKey: '',
          },
          US,
        ),
      ),
    ).toEqual([
      { field: 'input.givenName', code: 'INVALID' },
      { field: 'input.email', code: 'INVALID' },
      { field: 'input.phone', code: 'INVALID' },
      { field: 'input.language', code: 'INVALID' },
      { field: 'input.timezone', code: 'INVALID' },
      { field: 'input.avatarUrl', code: 'INVALID' },
      { field: 'input.kind', code: 'UNSUPPORTED_BY_SOURCE' },
      { field: 'input.idempotencyKey', code: 'INVALID' },
    ]);
  });

  it('checks emails: syntax, length, domain', () => {
    for (const bad of ['a@b', '@example.com', 'a@@example.com', 'a b@example.com', 'a..b@example.com', 'a@-x.com']) {
      expect(errors(validateCreateContact({ source: 'BACKSIDE', email: bad })), bad).toEqual([
        { field: 'input.email', code: 'INVALID' },
      ]);
    }
    const long = `${'a'.repeat(64)}@${'b'.repeat(60)}.${'c'.repeat(60)}.${'d'.repeat(60)}.${'e'.repeat(10)}.com`;
    expect(long.length).toBeGreaterThan(254);
    expect(errors(validateCreateContact({ source: 'BACKSIDE', email: long }))).toEqual([
      { field: 'input.email', code: 'INVALID' },
    ]);
    for (const good of ['o’brien@example.ie'.replace('’', "'"), 'ada+tag@mail.example.co.uk', 'zoë@exämple.de']) {
      expect(value(validateCreateContact({ source: 'BACKSIDE', email: good })).draft.email).toBe(good.toLowerCase());
    }
  });

  it('refuses what a source cannot hold before calling it', () => {
    expect(errors(validateCreateContact({ source: 'INTERCOM', email: 'a@example.com', kind: 'GROUP' }))).toEqual([
      { field: 'input.kind', code: 'UNSUPPORTED_BY_SOURCE' },
    ]);
    expect(errors(validateCreateContact({ source: 'BACKSIDE', name: 'Acme', role: 'LEAD' }))).toEqual([
      { field: 'input.role', code: 'UNSUPPORTED_BY_SOURCE' },
    ]);
    expect(value(validateCreateContact({ source: 'BACKSIDE', name: 'Acme', kind: 'ORGANIZATION' })).draft).toEqual({
      name: 'Acme',
      kind: 'ORGANIZATION',
    });
    expect(
      value(validateCreateContact({ source: 'INTERCOM', email: 'a@example.com', kind: 'PERSON' })).draft.kind,
    ).toBe('PERSON');
  });

  it('needs what each source needs to create', () => {
    // Intercom: an email or an external id, unless a lead.
    expect(errors(validateCreateContact({ source: 'INTERCOM', name: 'Ada' }))).toEqual([
      { field: 'input.email', code: 'REQUIRED' },
    ]);
    expect(errors(validateCreateContact({ source: 'INTERCOM', email: '   ', role: 'USER' }))).toEqual([
      { field: 'input.email', code: 'REQUIRED' },
    ]);
    expect(validateCreateContact({ source: 'INTERCOM', externalId: 'u-1' }).ok).toBe(true);
    expect(value(validateCreateContact({ source: 'INTERCOM', role: 'LEAD' })).draft).toEqual({ role: 'LEAD' });
    // Backside: a name, an email or a phone.
    expect(errors(validateCreateContact({ source: 'BACKSIDE', externalId: 'x', prefix: 'Dr' }))).toEqual([
      { field: 'input.name', code: 'REQUIRED' },
    ]);
    for (const enough of [{ familyName: 'Lovelace' }, { email: 'a@example.com' }, { phone: '+12025550123' }]) {
      expect(validateCreateContact({ source: 'BACKSIDE', ...enough }).ok).toBe(true);
    }
    // An invalid email is that field's error, not also a missing one.
    expect(errors(validateCreateContact({ source: 'INTERCOM', email: 'nope' }))).toEqual([
      { field: 'input.email', code: 'INVALID' },
    ]);
  });

  it('leaves blank and null fields out', () => {
    expect(
      value(validateCreateContact({ source: 'BACKSIDE', name: 'Ada', nickname: '  ', email: null, avatarUrl: null }))
        .draft,
    ).toEqual({ name: 'Ada' });
  });

  it('refuses control characters and line breaks in one-line fields', () => {
    // The name was sent: its own error says what to fix, not also REQUIRED.
    expect(errors(validateCreateContact({ source: 'BACKSIDE', name: 'Ada\nLovelace' }))).toEqual([
      { field: 'input.name', code: 'INVALID' },
    ]);
    expect(errors(validateCreateContact({ source: 'BACKSIDE', name: 'Ada', nickname: 'A\u0000' }))).toEqual([
      { field: 'input.nickname', code: 'INVALID' },
    ]);
  });

  it('bounds customAttributes: an object, keys non-blank, depth and size', () => {
    const deep = { a: { b: { c: { d: { e: { f: 1 } } } } } };
    expect(
      errors(
        validateCreateContact({
          source: 'BACKSIDE',
          name: 'Ada',
          customAttributes: { '': 1, ok: [1, { ' ': 2 }], deep },
        }),
      ).sort((x, y) => x.field.localeCompare(y.field)),
    ).toEqual([
      { field: 'input.customAttributes.', code: 'INVALID' },
      { field: 'input.customAttributes.deep.a.b.c.d', code: 'INVALID' },
      { field: 'input.customAttributes.ok.1. ', code: 'INVALID' },
    ]);
    expect(
      errors(
        validateCreateContact({
          source: 'BACKSIDE',
          name: 'Ada',
          customAttributes: { big: 'x'.repeat(WRITE_LIMITS.customAttributesBytes) },
        }),
      ),
    ).toEqual([{ field: 'input.customAttributes', code: 'INVALID' }]);
    expect(
      errors(
        validateCreateContact({
          source: 'BACKSIDE',
          name: 'Ada',
          customAttributes: [1, 2] as unknown as Record<string, unknown>,
        }),
      ),
    ).toEqual([{ field: 'input.customAttributes', code: 'INVALID' }]);
    // Four levels below the object itself is the most.
    expect(
      validateCreateContact({ source: 'BACKSIDE', name: 'Ada', customAttributes: { a: { b: { c: { d: 1 } } } } }).ok,
    ).toBe(true);
  });

  it('survives hostile nesting without recursion', () => {
    let nested: Record<string, unknown> = {};
    for (let i = 0; i < 100_000; i++) nested = { n: nested };
    expect(errors(validateCreateContact({ source: 'BACKSIDE', name: 'Ada', customAttributes: nested }))).toHaveLength(
      1,
    );
  });

  it('checks idempotency keys: 1 to 255 printable ASCII characters, kept as sent', () => {
    expect(
      value(validateCreateContact({ source: 'BACKSIDE', name: 'A', idempotencyKey: ' k 1 ' })).idempotencyKey,
    ).toBe(' k 1 ');
    for (const bad of ['', 'x'.repeat(256), 'clé', 'a\tb']) {
      expect(errors(validateCreateContact({ source: 'BACKSIDE', name: 'A', idempotencyKey: bad }))).toEqual([
        { field: 'input.idempotencyKey', code: 'INVALID' },
      ]);
    }
  });
});

describe('updateContact', () => {
  it('keeps what is left out, clears what is null or blank', () => {
    expect(
      value(
        validateUpdateContact(
          { id: INTERCOM_CONTACT, name: 'Ada', phone: null, email: '', avatarUrl: null, customAttributes: null },
          US,
        ),
      ),
    ).toEqual({
      contact: { source: 'INTERCOM', sourceId: '65f0a1' },
      changes: { name: 'Ada', phone: null, email: null, avatarUrl: null, customAttributes: null },
      idempotencyKey: undefined,
    });
  });

  it('passes custom attribute keys set to null (removed by the source)', () => {
    expect(
      value(validateUpdateContact({ id: INTERCOM_CONTACT, customAttributes: { plan: null, seats: 4 } })).changes,
    ).toEqual({ customAttributes: { plan: null, seats: 4 } });
  });

  it('takes a role on Intercom only, and never clears it', () => {
    expect(value(validateUpdateContact({ id: INTERCOM_CONTACT, role: 'USER' })).changes).toEqual({ role: 'USER' });
    expect(errors(validateUpdateContact({ id: INTERCOM_CONTACT, role: null }))).toEqual([
      { field: 'input.role', code: 'INVALID' },
    ]);
    expect(errors(validateUpdateContact({ id: BACKSIDE_CONTACT, role: 'LEAD' }))).toEqual([
      { field: 'input.role', code: 'UNSUPPORTED_BY_SOURCE' },
    ]);
  });

  it('refuses ids that do not decode or are of another type, and an empty change', () => {
    for (const id of ['nope', encodeGlobalID('Tag', nodeKey('INTERCOM', '1')), encodeGlobalID('Contact', 'MARS:1')]) {
      expect(errors(validateUpdateContact({ id, name: 'Ada' })), id).toEqual([{ field: 'input.id', code: 'INVALID' }]);
    }
    expect(errors(validateUpdateContact({ id: INTERCOM_CONTACT }))).toEqual([{ field: 'input', code: 'REQUIRED' }]);
    expect(errors(validateUpdateContact({ id: INTERCOM_CONTACT, clientMutationId: 'x' }))).toEqual([
      { field: 'input', code: 'REQUIRED' },
    ]);
  });

  it('reports the id and every field at once', () => {
    expect(errors(validateUpdateContact({ id: 'nope', email: 'x', phone: '12' }, US))).toEqual([
      { field: 'input.id', code: 'INVALID' },
      { field: 'input.email', code: 'INVALID' },
      { field: 'input.phone', code: 'INVALID' },
    ]);
  });
});

describe('deleteContact', () => {
  it('deletes permanently on Intercom only', () => {
    expect(value(validateDeleteContact({ id: INTERCOM_CONTACT, permanently: true }))).toEqual({
      contact: { source: 'INTERCOM', sourceId: '65f0a1' },
      permanently: true,
    });
    expect(value(validateDeleteContact({ id: BACKSIDE_CONTACT, permanently: null })).permanently).toBe(false);
    expect(errors(validateDeleteContact({ id: BACKSIDE_CONTACT, permanently: true }))).toEqual([
      { field: 'input.permanently', code: 'UNSUPPORTED_BY_SOURCE' },
    ]);
  });
});

describe('tagContact', () => {
  it('trims the tag name and needs one', () => {
    expect(value(validateTagContact({ contactId: INTERCOM_CONTACT, tagName: '  vip ' })).tagName).toBe('vip');
    expect(errors(validateTagContact({ contactId: INTERCOM_CONTACT, tagName: '  ' }))).toEqual([
      { field: 'input.tagName', code: 'REQUIRED' },
    ]);
    expect(
      errors(
        validateTagContact({
          contactId: companyId('INTERCOM', '1'),
          tagName: 'x'.repeat(WRITE_LIMITS.tagNameLength + 1),
        }),
      ),
    ).toEqual([
      { field: 'input.contactId', code: 'INVALID' },
      { field: 'input.tagName', code: 'INVALID' },
    ]);
  });
});

describe('addChannel', () => {
  const add = (type: 'EMAIL' | 'PHONE' | 'WEBSITE' | 'SOCIAL' | 'OTHER', value: string) =>
    validateAddChannel({ contactId: BACKSIDE_CONTACT, type, value }, US);

  it('reads the value by its type', () => {
    expect(value(add('EMAIL', ' Ada@Example.com '))).toEqual({
      contact: { source: 'BACKSIDE', sourceId: 'ctc_1' },
      channel: { type: 'EMAIL', value: 'ada@example.com', label: undefined, isPrimary: false },
    });
    expect(value(add('PHONE', '202-555-0123')).channel.value).toBe('+12025550123');
    expect(value(add('WEBSITE', 'https://Example.com')).channel.value).toBe('https://example.com/');
    expect(value(add('SOCIAL', '@ada_l')).channel.value).toBe('@ada_l');
    expect(value(add('SOCIAL', 'https://social.example/@ada')).channel.value).toBe('https://social.example/@ada');
    expect(value(add('OTHER', ' pager 42 ')).channel.value).toBe('pager 42');
    expect(
      value(
        validateAddChannel({
          contactId: BACKSIDE_CONTACT,
          type: 'OTHER',
          value: 'x',
          label: ' Work ',
          isPrimary: true,
        }),
      ).channel,
    ).toEqual({ type: 'OTHER', value: 'x', label: 'Work', isPrimary: true });
  });

  it('refuses a value that is not of its type, and a blank one', () => {
    expect(errors(add('EMAIL', '+12025550123'))).toEqual([{ field: 'input.value', code: 'INVALID' }]);
    expect(errors(add('PHONE', 'ada@example.com'))).toEqual([{ field: 'input.value', code: 'INVALID' }]);
    expect(errors(add('WEBSITE', 'example.com'))).toEqual([{ field: 'input.value', code: 'INVALID' }]);
    expect(errors(add('WEBSITE', 'javascript:alert(1)'))).toEqual([{ field: 'input.value', code: 'INVALID' }]);
    expect(errors(add('SOCIAL', 'ada lovelace'))).toEqual([{ field: 'input.value', code: 'INVALID' }]);
    expect(errors(add('OTHER', ' '))).toEqual([{ field: 'input.value', code: 'REQUIRED' }]);
  });
});

describe('addAddress', () => {
  it('needs at least one field, trims them and reads the country code', () => {
    expect(
      value(validateAddAddress({ contactId: INTERCOM_CONTACT, city: ' Dublin ', countryCode: 'ie', label: 'Home' })),
    ).toEqual({
      contact: { source: 'INTERCOM', sourceId: '65f0a1' },
      address: { city: 'Dublin', countryCode: 'IE', label: 'Home', isPrimary: false },
    });
    expect(errors(validateAddAddress({ contactId: INTERCOM_CONTACT, label: 'Home', street: ' ' }))).toEqual([
      { field: 'input', code: 'REQUIRED' },
    ]);
    expect(
      errors(
        validateAddAddress({
          contactId: INTERCOM_CONTACT,
          street: 'x'.repeat(WRITE_LIMITS.addressFieldLength + 1),
          countryCode: 'EU',
        }),
      ),
    ).toEqual([
      { field: 'input.street', code: 'INVALID' },
      { field: 'input.countryCode', code: 'INVALID' },
    ]);
  });
});

describe('addNote', () => {
  it('takes HTML up to 64 KiB on Intercom contacts', () => {
    expect(value(validateAddNote({ contactId: INTERCOM_CONTACT, body: ' <p>Called.</p>\n' })).body).toBe(
      '<p>Called.</p>',
    );
    expect(errors(validateAddNote({ contactId: INTERCOM_CONTACT, body: ' \n ' }))).toEqual([
      { field: 'input.body', code: 'REQUIRED' },
    ]);
    expect(errors(validateAddNote({ contactId: INTERCOM_CONTACT, body: 'é'.repeat(32 * 1024 + 1) }))).toEqual([
      { field: 'input.body', code: 'INVALID' },
    ]);
    expect(validateAddNote({ contactId: INTERCOM_CONTACT, body: 'x'.repeat(64 * 1024) }).ok).toBe(true);
  });

  it('refuses a Backside contact: Backside has no notes', () => {
    expect(errors(validateAddNote({ contactId: BACKSIDE_CONTACT, body: 'hi' }))).toEqual([
      { field: 'input.contactId', code: 'UNSUPPORTED_BY_SOURCE' },
    ]);
  });
});

describe('attachCompany / detachCompany', () => {
  it('needs a Company id of the contact’s source', () => {
    expect(
      value(
        validateCompanyLink({ contactId: BACKSIDE_CONTACT, companyId: companyId('BACKSIDE', 'org_1'), title: ' CTO ' }),
      ),
    ).toEqual({
      contact: { source: 'BACKSIDE', sourceId: 'ctc_1' },
      company: { source: 'BACKSIDE', sourceId: 'org_1' },
      title: 'CTO',
    });
    expect(
      errors(validateCompanyLink({ contactId: BACKSIDE_CONTACT, companyId: companyId('INTERCOM', 'c1') })),
    ).toEqual([{ field: 'input.companyId', code: 'INVALID' }]);
    expect(errors(validateCompanyLink({ contactId: BACKSIDE_CONTACT, companyId: BACKSIDE_CONTACT }))).toEqual([
      { field: 'input.companyId', code: 'INVALID' },
    ]);
  });
});

describe('mergeContacts', () => {
  it('merges two different Intercom contacts only', () => {
    const lead = contactId('INTERCOM', 'lead1');
    expect(value(validateMergeContacts({ fromId: lead, intoId: INTERCOM_CONTACT }))).toEqual({
      from: { source: 'INTERCOM', sourceId: 'lead1' },
      into: { source: 'INTERCOM', sourceId: '65f0a1' },
    });
    expect(errors(validateMergeContacts({ fromId: BACKSIDE_CONTACT, intoId: INTERCOM_CONTACT }))).toEqual([
      { field: 'input.fromId', code: 'UNSUPPORTED_BY_SOURCE' },
    ]);
    expect(errors(validateMergeContacts({ fromId: lead, intoId: lead }))).toEqual([
      { field: 'input.intoId', code: 'INVALID' },
    ]);
    expect(errors(validateMergeContacts({ fromId: 'x', intoId: companyId('INTERCOM', '1') }))).toEqual([
      { field: 'input.fromId', code: 'INVALID' },
      { field: 'input.intoId', code: 'INVALID' },
    ]);
  });
});

describe('copyContact', () => {
  it('copies to another source only', () => {
    expect(value(validateCopyContact({ id: BACKSIDE_CONTACT, to: 'INTERCOM', idempotencyKey: 'k' }))).toEqual({
      contact: { source: 'BACKSIDE', sourceId: 'ctc_1' },
      to: 'INTERCOM',
      idempotencyKey: 'k',
    });
    expect(errors(validateCopyContact({ id: BACKSIDE_CONTACT, to: 'BACKSIDE' }))).toEqual([
      { field: 'input.to', code: 'INVALID' },
    ]);
  });
});
