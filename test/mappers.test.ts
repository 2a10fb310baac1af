import { describe, expect, it } from 'vitest';
import * as backside from '../src/upstream/backside/mappers.js';
import type { BacksideContact } from '../src/upstream/backside/types.js';
import * as intercom from '../src/upstream/intercom/mappers.js';
import type { IntercomContact } from '../src/upstream/intercom/types.js';
import { canonicalPhone, htmlToText } from '../src/values.js';
import { backsideSeedContact, intercomSeedContact } from './helpers/seeds.js';

const options = { defaultRegion: 'US' };

describe('Backside mappers on the documented contact response', () => {
  const raw = backsideSeedContact() as BacksideContact;

  it('maps the contact, treating the documented placeholders as values that fail their scalars', () => {
    const contact = backside.mapContact(raw, options);
    expect(contact).toMatchObject({
      source: 'BACKSIDE',
      sourceId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
      kind: 'PERSON', // "<string>" is no kind we know: a person is the safe reading
      role: null,
      displayName: '<string>',
      givenName: '<string>',
      externalId: '<string>',
      avatarUrl: null, // "<string>" is not a URL
      customAttributes: {}, // metadata "<unknown>" is not an object
      partial: false,
    });
    expect(contact.createdAt.toISOString()).toBe('2023-11-07T05:31:56.000Z');
    expect(contact.deletedAt?.toISOString()).toBe('2023-11-07T05:31:56.000Z');
  });

  it('maps addresses with invalid country codes and coordinates to null, keeping the rest', () => {
    const [address] = (raw.addresses ?? []).map(backside.mapAddress);
    expect(address).toMatchObject({
      countryCode: null,
      latitude: null,
      longitude: 123,
      isPrimary: true,
      city: '<string>',
    });
    expect(address?.formatted).toBe(Array(7).fill('<string>').join(', '));
  });

  it('maps dates with an impossible day to no day and no date', () => {
    expect((raw.dates ?? []).map(backside.mapDate)).toEqual([
      { type: 'OTHER', sourceType: '<string>', label: '<string>', day: null, month: null, year: 123, date: null },
    ]);
  });

  it('maps affiliations, channels and tags', () => {
    expect(backside.mapAffiliation(raw.affiliations?.[0] as never)).toEqual({
      companyId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
      title: '<string>',
      role: '<string>',
      department: '<string>',
      description: '<string>',
      isCurrent: true,
      startDate: '2023-12-25',
      endDate: '2023-12-25',
    });
    expect(backside.mapChannels(raw.channels ?? [], options)[0]).toMatchObject({
      type: 'OTHER',
      sourceType: '<string>',
      isPrimary: true,
      isVerified: true,
      preferenceOrder: 123,
    });
    expect(backside.mapTag(raw.tags?.[0] as never)).toEqual({
      source: 'BACKSIDE',
      sourceId: '3c90c3cc-0d44-4b50-8888-8dd25736052a',
      name: '<string>',
      color: '<string>',
      description: '<string>',
    });
  });

  it('takes the primary email lowercased and the primary phone as E.164', () => {
    const contact = backside.mapContact(
      {
        ...raw,
        display_name: null,
        given_name: null,
        family_name: null,
        channels: [
          { id: 'c1', type: 'email', value: 'Second@Example.com', preference_order: 2 },
          { id: 'c2', type: 'email', value: ' Ada@Example.COM ', is_primary: true },
          { id: 'c3', type: 'phone', value: '(415) 555-0134' },
        ],
      },
      options,
    );
    expect(contact).toMatchObject({
      email: 'ada@example.com',
      phone: '+14155550134',
      displayName: 'ada@example.com',
      named: false,
    });
  });

  it('marks a list item without related arrays as partial', () => {
    const { addresses: _a, channels: _c, affiliations: _f, dates: _d, tags: _t, ...summary } = raw;
    expect(backside.mapContact(summary, options).partial).toBe(true);
  });

  it('reads an organization as a company', () => {
    const company = backside.mapOrganization({
      id: 'org1',
      kind: 'organization',
      display_name: 'Acme',
      metadata: { industry: 'Software', size: 120 },
      channels: [{ id: 'w', type: 'custom', value: 'https://acme.example' }],
      created_at: '2024-01-02T03:04:05Z',
    });
    expect(company).toMatchObject({ name: 'Acme', website: 'https://acme.example/', industry: 'Software', size: 120 });
  });
});

describe('Intercom mappers on the documented contact response', () => {
  const raw = intercomSeedContact() as IntercomContact;

  it('converts unix seconds and maps every field', () => {
    const contact = intercom.mapContact(raw, options);
    expect(contact).toMatchObject({
      source: 'INTERCOM',
      sourceId: '5ba682d23d7cf92bef87bfd4',
      kind: 'PERSON',
      role: 'USER',
      displayName: 'Hoban Washburn',
      phone: '+1123456789',
      avatarUrl: 'https://example.org/128Wash.jpg',
      externalId: '25',
      language: 'en',
      customAttributes: { paid_subscriber: true, monthly_spend: 155.5, team_mates: 1 },
    });
    expect(contact.createdAt.toISOString()).toBe('2019-10-21T15:35:54.000Z');
    expect(contact.updatedAt.toISOString()).toBe('2019-10-21T15:35:58.000Z');
    expect(contact.lastSeenAt?.toISOString()).toBe('2019-10-14T16:15:51.000Z');
  });

  it('keeps a phone that does not parse as it was written rather than dropping it', () => {
    expect(canonicalPhone('+1123456789', 'US')).toBeNull();
    expect(intercom.mapContact({ ...raw, phone: 'ask reception' }, options).phone).toBe('ask reception');
  });

  it('maps the location as one address and the social profiles as channels', () => {
    expect(intercom.mapAddresses(raw)).toEqual([
      expect.objectContaining({
        city: 'Dublin',
        region: 'Dublin',
        country: 'Ireland',
        formatted: 'Dublin, Dublin, Ireland',
      }),
    ]);
    const channels = intercom.mapChannels(raw, options);
    expect(channels.map((c) => [c.type, c.sourceType, c.value])).toEqual([
      ['EMAIL', 'email', raw.email],
      ['PHONE', 'phone', '+1123456789'],
      ['SOCIAL', 'Twitter', 'http://twitter.com/th1sland'],
    ]);
  });

  it('accepts the spec’s avatar object as well as a plain URL', () => {
    const avatar = { type: 'avatar', image_url: 'https://example.org/a.png' };
    expect(intercom.mapContact({ ...raw, avatar }, options).avatarUrl).toBe('https://example.org/a.png');
    expect(intercom.mapContact({ ...raw, avatar: null, name: null, email: null, phone: null }, options)).toMatchObject({
      avatarUrl: null,
      displayName: raw.id,
    });
  });

  it('maps notes as HTML and plain text', () => {
    const note = intercom.mapNote(
      {
        type: 'note',
        id: '1',
        created_at: 1674589321,
        body: '<p>Call back &amp; confirm</p><p>Line<br>two</p>',
        author: { id: '9', name: 'Ann' },
      },
      'c1',
    );
    expect(note).toMatchObject({
      body: '<p>Call back &amp; confirm</p><p>Line<br>two</p>',
      text: 'Call back & confirm\nLine\ntwo',
      authorName: 'Ann',
    });
  });

  it('maps companies from the OpenAPI example', () => {
    const company = intercom.mapCompany({
      type: 'company',
      id: '531ee472cce572a6ec000006',
      name: 'Blue Sun',
      company_id: '6',
      created_at: 1663597223,
      size: 100,
      website: 'https://www.intercom.com',
      industry: 'Software',
      custom_attributes: { paid_subscriber: true },
    });
    expect(company).toMatchObject({
      name: 'Blue Sun',
      size: 100,
      website: 'https://www.intercom.com/',
      industry: 'Software',
    });
    expect(company.createdAt?.toISOString()).toBe('2022-09-19T14:20:23.000Z');
  });
});

describe('values', () => {
  it('turns HTML into readable text', () => {
    expect(htmlToText('<div>a&nbsp;b</div>\n<ul><li>x</li><li>y</li></ul>')).toBe('a b\nx\ny');
  });
});
