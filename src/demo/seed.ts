// Deterministic demo data for both fakes: realistic people, organizations, tags, companies and notes, with the quirks
// the upstream docs warn about, and people present in both sources under differently written emails and phones.
import type {
  BacksideAddress,
  BacksideAffiliation,
  BacksideChannel,
  BacksideContact,
  BacksideDate,
  BacksideTag,
} from '../upstream/backside/types.js';
import type {
  IntercomAdmin,
  IntercomCompany,
  IntercomContact,
  IntercomNote,
  IntercomTag,
} from '../upstream/intercom/types.js';

// The demo credentials live here (not in index.ts) so the servers can use them without an import cycle.
/** Backside tenant A: most of the data. */
export const DEMO_BACKSIDE_API_KEY = 'bsk_test_demo';
/** Backside tenant B: five contacts of its own, invisible to tenant A. */
export const DEMO_BACKSIDE_OTHER_KEY = 'bsk_test_other';
/** Backside tenant A again, scoped `contacts:read` only: every write answers 403. */
export const DEMO_BACKSIDE_READONLY_KEY = 'bsk_test_readonly';
export const DEMO_INTERCOM_TOKEN = 'ic_test_demo';
/** The demo Intercom app's client secret: the fake signs its webhooks with it (X-Hub-Signature), the gateway checks. */
export const DEMO_INTERCOM_CLIENT_SECRET = 'ic_test_demo_client_secret';
/** A teammate (admin) of the Intercom workspace: notes need an author (`admin_id`). */
export const DEMO_INTERCOM_ADMIN_ID = '991';

/** A Backside API key; `scopes` absent means full access (`contacts:read` and `contacts:write`). */
export interface BacksideTenantKey {
  id: string;
  apiKey: string;
  scopes?: string[];
}

export interface Seed {
  backside: { tenants: BacksideTenantKey[]; contacts: BacksideContact[] };
  intercom: {
    contacts: IntercomContact[];
    /** The workspace's teammates: note authors. */
    admins: IntercomAdmin[];
    tags: IntercomTag[];
    companies: IntercomCompany[];
    notes: IntercomNote[];
    contactTags: Record<string, string[]>;
    contactCompanies: Record<string, string[]>;
    merged: Record<string, string>;
    archived: string[];
    searchLag: string[];
  };
}

/** A person known to both sources, written differently in each. */
export interface SharedPerson {
  given: string;
  family: string;
  backsideEmail: string | null;
  intercomEmail: string | null;
  backsidePhone: string | null;
  intercomPhone: string | null;
}

export const SHARED_PEOPLE: SharedPerson[] = [
  {
    given: 'Ada',
    family: 'Lovelace',
    backsideEmail: 'ada.lovelace@example.com',
    intercomEmail: ' Ada.Lovelace@Example.COM ',
    backsidePhone: '+14155550134',
    intercomPhone: '(415) 555-0134',
  },
  {
    given: 'Grace',
    family: 'Hopper',
    backsideEmail: 'grace.hopper@example.org',
    intercomEmail: 'GRACE.HOPPER@EXAMPLE.ORG',
    backsidePhone: null,
    intercomPhone: null,
  },
  {
    given: 'Alan',
    family: 'Turing',
    backsideEmail: 'alan@turing.example',
    intercomEmail: 'Alan@Turing.example',
    backsidePhone: '+442079460958',
    intercomPhone: '+44 20 7946 0958',
  },
  {
    given: 'Katherine',
    family: 'Johnson',
    backsideEmail: null,
    intercomEmail: 'kjohnson@nasa.example',
    backsidePhone: '+17575550188',
    intercomPhone: '757-555-0188',
  },
  {
    given: 'Edsger',
    family: 'Dijkstra',
    backsideEmail: 'edsger@dijkstra.example',
    intercomEmail: ' edsger@dijkstra.example',
    backsidePhone: null,
    intercomPhone: null,
  },
  {
    given: 'Barbara',
    family: 'Liskov',
    backsideEmail: null,
    intercomEmail: null,
    backsidePhone: '+16175550199',
    intercomPhone: '6175550199',
  },
  {
    given: 'Donald',
    family: 'Knuth',
    backsideEmail: 'knuth@stanford.example',
    intercomEmail: 'Knuth@Stanford.Example',
    backsidePhone: '+16505550111',
    intercomPhone: '+16505550111',
  },
  {
    given: 'Margaret',
    family: 'Hamilton',
    backsideEmail: 'margaret@hamilton.example',
    intercomEmail: 'Margaret@Hamilton.Example  ',
    backsidePhone: null,
    intercomPhone: '+1 (617) 555-0142',
  },
];

const GIVEN = [
  'Olivia',
  'Liam',
  'Emma',
  'Noah',
  'Amelia',
  'Oliver',
  'Sophia',
  'Elijah',
  'Isabella',
  'Mateo',
  'Mia',
  'Lucas',
  'Chloé',
  'Jonas',
  'Aiko',
  'Ravi',
  'Fatima',
  'Sven',
  'Lucía',
  'Kwame',
  'Yara',
  'Tomás',
  'Ingrid',
  'Wei',
  'Nadia',
  'Pavel',
  'Zoë',
  'Omar',
  'Hana',
  'Diego',
];
const FAMILY = [
  'Smith',
  'García',
  'Müller',
  'Rossi',
  'Dubois',
  'Kowalski',
  'Nakamura',
  'Okafor',
  'Patel',
  'Johansson',
  'Silva',
  'Novak',
  "O'Brien",
  'Kim',
  'Haddad',
  'Andersen',
  'Moreau',
  'Costa',
  'Yilmaz',
  'Schmidt',
];
const ORGS = [
  'Acme Robotics',
  'Blue Sun Corp',
  'Initech',
  'Globex',
  'Umbrella Health',
  'Stark Analytics',
  'Wayne Logistics',
  'Tyrell Systems',
];
const INDUSTRIES = ['Software', 'Logistics', 'Healthcare', 'Manufacturing', 'Finance', 'Retail'];
const CITIES: [string, string, string, string, number, number][] = [
  ['Dublin', 'Leinster', 'Ireland', 'IE', 53.3498, -6.2603],
  ['Berlin', 'Berlin', 'Germany', 'DE', 52.52, 13.405],
  ['San Francisco', 'CA', 'United States', 'US', 37.7749, -122.4194],
  ['Lisbon', 'Lisboa', 'Portugal', 'PT', 38.7223, -9.1393],
  ['Tokyo', 'Tokyo', 'Japan', 'JP', 35.6762, 139.6503],
  ['Toronto', 'ON', 'Canada', 'CA', 43.6532, -79.3832],
];
const BACKSIDE_TAGS = [
  'vip',
  'customer',
  'prospect',
  'partner',
  'investor',
  'press',
  'churn-risk',
  'newsletter',
  'event-2026',
  'beta',
];
const INTERCOM_TAGS = [
  'VIP',
  'Customer',
  'Trial',
  'Enterprise',
  'Churned',
  'Newsletter',
  'Beta',
  'Partner',
  'High touch',
  'Self serve',
  'EMEA',
  'AMER',
  'APAC',
  'Onboarding',
  'Renewal Q1',
  'Renewal Q2',
  'Renewal Q3',
  'Renewal Q4',
  'NPS promoter',
  'NPS detractor',
  'Webinar',
  'Support heavy',
  'Developer',
  'Admin',
  'Billing contact',
];
const COMPANIES = [
  'Blue Sun',
  'Serenity Freight',
  'Alliance Medical',
  'Persephone Mining',
  'Ariel Labs',
  'Beaumonde Textiles',
  'Haven Farms',
  'Miranda Research',
  'Shadow Energy',
  'Osiris Bank',
  'Whitefall Media',
  'Bernadette Software',
];
const NOTES = [
  '<p>Called about the renewal &amp; pricing. Follow up next week.</p>',
  '<p>Met at the conference.<br>Interested in the API.</p>',
  '<p>Asked for an invoice copy &mdash; sent.</p>',
  '<p>Prefers email over phone.</p><p>Timezone: CET.</p>',
  '<p>Escalated a bug: <b>export fails</b> for large accounts.</p>',
];

function mulberry32(seed: number) {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function createSeed(): Seed {
  const random = mulberry32(20261123);
  const int = (max: number) => Math.floor(random() * max);
  const pick = <T>(items: readonly T[]): T => items[int(items.length)] as T;
  const hex = (length: number) => Array.from({ length }, () => int(16).toString(16)).join('');
  const uuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
  const BASE = Date.UTC(2025, 0, 1) / 1000;
  const iso = (unix: number) => new Date(unix * 1000).toISOString().replace('.000Z', 'Z');

  // ---------------------------------------------------------------- Backside
  const tenantA = 'a1b2c3d4-0000-4000-8000-00000000000a';
  const tenantB = 'b1b2c3d4-0000-4000-8000-00000000000b';
  const contacts: BacksideContact[] = [];
  const record = (tenant: string, contactId: string, at: number) => ({
    id: uuid(),
    tenant_id: tenant,
    contact_id: contactId,
    created_at: iso(at),
    updated_at: iso(at),
    metadata: {},
  });
  const tags: BacksideTag[] = BACKSIDE_TAGS.map((name, index) => ({
    id: uuid(),
    tenant_id: tenantA,
    created_at: iso(BASE),
    updated_at: iso(BASE),
    metadata: {},
    name,
    color: ['#e11d48', '#2563eb', '#16a34a', '#ca8a04', '#9333ea'][index % 5] as string,
    description: `Contacts marked ${name}`,
  }));

  const organizations: BacksideContact[] = ORGS.map((name, index) => {
    const id = uuid();
    const at = BASE + index * 3600;
    const slug = name.toLowerCase().replace(/[^a-z]+/g, '');
    return {
      id,
      tenant_id: tenantA,
      kind: 'organization',
      display_name: name,
      created_at: iso(at),
      updated_at: iso(at + 86400),
      metadata: { industry: INDUSTRIES[index % INDUSTRIES.length], size: 20 + index * 75 },
      channels: [
        {
          ...record(tenantA, id, at),
          type: 'custom',
          label: 'website',
          value: `https://${slug}.example`,
          is_primary: true,
          is_verified: true,
          preference_order: 1,
        },
        {
          ...record(tenantA, id, at),
          type: 'email',
          value: `hello@${slug}.example`,
          canonical_value: `hello@${slug}.example`,
          is_primary: true,
          is_verified: false,
          preference_order: 2,
        },
      ],
      addresses: [],
      affiliations: [],
      dates: [],
      tags: index % 3 === 0 ? [tags[3] as BacksideTag] : [],
    };
  });

  const person = (index: number, given: string, family: string, tenant: string): BacksideContact => {
    const id = uuid();
    const at = BASE + 86400 * (index + 1) + int(3600);
    const slug = `${given}.${family}`
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z.]/g, '');
    const channels: BacksideChannel[] = [
      {
        ...record(tenant, id, at),
        type: 'email',
        value: `${slug}@mail.example`,
        canonical_value: `${slug}@mail.example`,
        is_primary: true,
        is_verified: random() < 0.7,
        preference_order: 1,
        key_version: 1,
      },
    ];
    if (random() < 0.4) {
      channels.push({
        ...record(tenant, id, at),
        type: 'email',
        value: `${slug}@work.example`,
        canonical_value: `${slug}@work.example`,
        is_primary: false,
        is_verified: false,
        preference_order: 2,
        key_version: 1,
      });
    }
    const phones = int(3);
    for (let p = 0; p < phones; p++) {
      const number = `+1${pick(['212', '312', '415', '617', '646'])}555${String(1000 + int(8999)).slice(0, 4)}`;
      channels.push({
        ...record(tenant, id, at),
        type: 'phone',
        value: number,
        canonical_value: number,
        label: p === 0 ? 'mobile' : 'work',
        is_primary: p === 0,
        is_verified: p === 0,
        preference_order: 3 + p,
        key_version: 2,
      });
    }
    if (random() < 0.3)
      channels.push({
        ...record(tenant, id, at),
        type: 'twitter',
        value: `@${slug.replace('.', '_')}`,
        canonical_value: slug.replace('.', '_'),
        is_primary: false,
        is_verified: null,
        preference_order: 9,
      });
    if (random() < 0.3)
      channels.push({
        ...record(tenant, id, at),
        type: 'linkedin',
        value: `https://www.linkedin.com/in/${slug.replace('.', '-')}`,
        is_primary: false,
        is_verified: null,
        preference_order: 10,
      });
    if (random() < 0.15)
      channels.push({
        ...record(tenant, id, at),
        type: 'custom',
        label: 'pager',
        value: `PGR-${int(9999)}`,
        is_primary: false,
        is_verified: null,
        preference_order: 11,
      });
    const addresses: BacksideAddress[] = [];
    const addressCount = int(3);
    for (let a = 0; a < addressCount; a++) {
      const [city, region, country, code, lat, lon] = pick(CITIES);
      addresses.push({
        ...record(tenant, id, at),
        label: a === 0 ? 'home' : 'work',
        street: `${1 + int(200)} ${pick(['Main', 'High', 'Market', 'Station'])} Street`,
        extended: a === 1 ? 'Floor 3' : null,
        po_box: null,
        city,
        region,
        postal_code: String(10000 + int(89999)),
        country,
        country_code: code,
        latitude: lat,
        longitude: lon,
        is_primary: a === 0,
        key_version: 1,
      });
    }
    const affiliations: BacksideAffiliation[] = [];
    if (tenant === tenantA) {
      const affiliationCount = int(3);
      for (let f = 0; f < affiliationCount; f++) {
        const org = organizations[(index + f * 3) % organizations.length] as BacksideContact;
        const current = f === 0;
        affiliations.push({
          ...record(tenant, id, at),
          organization_id: org.id,
          title: pick(['Engineer', 'CTO', 'Head of Sales', 'Designer', 'Account Manager']),
          role: pick(['employee', 'advisor', 'contractor']),
          department: pick(['Engineering', 'Sales', 'Design', 'Finance']),
          description: null,
          is_current: current,
          start_date: `20${10 + int(14)}-0${1 + int(9)}-1${int(9)}`,
          end_date: current ? null : '2024-06-30',
        });
      }
    }
    const dates: BacksideDate[] = [];
    const dateCount = int(3);
    for (let d = 0; d < dateCount; d++) {
      const type = d === 0 ? 'birthday' : pick(['anniversary', 'custom']);
      dates.push({
        ...record(tenant, id, at),
        date_type: type,
        date_label: type === 'custom' ? 'First contract' : null,
        date_day: 1 + int(28),
        date_month: 1 + int(12),
        date_year: random() < 0.4 ? null : 1950 + int(50),
      });
    }
    const tagCount = tenant === tenantA ? int(4) : 0;
    const own: BacksideTag[] = [];
    for (let t = 0; t < tagCount; t++) {
      const tag = tags[(index + t * 4) % tags.length] as BacksideTag;
      if (!own.includes(tag)) own.push(tag);
    }
    return {
      id,
      tenant_id: tenant,
      kind: 'person',
      display_name: `${given} ${family}`,
      given_name: given,
      family_name: family,
      middle_name: random() < 0.1 ? 'J.' : null,
      nickname: random() < 0.1 ? given.slice(0, 3) : null,
      prefix: random() < 0.1 ? 'Dr.' : null,
      suffix: null,
      avatar_url: random() < 0.5 ? `https://avatars.example/${slug}.png` : null,
      bio: random() < 0.3 ? `${given} works on ${pick(['payments', 'search', 'growth', 'infrastructure'])}.` : null,
      language: pick(['en', 'de', 'fr', 'es', 'ja']),
      timezone: pick(['Europe/Dublin', 'Europe/Berlin', 'America/New_York', 'Asia/Tokyo']),
      vcard_uid: `urn:uuid:${uuid()}`,
      created_at: iso(at),
      updated_at: iso(at + int(86400 * 300)),
      deleted_at: null,
      metadata: random() < 0.5 ? { source: pick(['import', 'web', 'api']), score: int(100) } : {},
      addresses,
      affiliations,
      channels,
      dates,
      tags: own,
    };
  };

  for (let i = 0; i < 52; i++)
    contacts.push(person(i, GIVEN[i % GIVEN.length] as string, FAMILY[(i * 7) % FAMILY.length] as string, tenantA));
  // People in both sources: Backside's side.
  SHARED_PEOPLE.forEach((shared, index) => {
    const contact = person(60 + index, shared.given, shared.family, tenantA);
    const at = contact.created_at as string;
    const channels: BacksideChannel[] = [];
    if (shared.backsideEmail)
      channels.push({
        id: uuid(),
        tenant_id: tenantA,
        contact_id: contact.id,
        created_at: at,
        updated_at: at,
        type: 'email',
        value: shared.backsideEmail,
        canonical_value: shared.backsideEmail,
        is_primary: true,
        is_verified: true,
        preference_order: 1,
      });
    if (shared.backsidePhone)
      channels.push({
        id: uuid(),
        tenant_id: tenantA,
        contact_id: contact.id,
        created_at: at,
        updated_at: at,
        type: 'phone',
        value: shared.backsidePhone,
        canonical_value: shared.backsidePhone,
        is_primary: true,
        is_verified: true,
        preference_order: 2,
      });
    contact.channels = channels;
    contacts.push(contact);
  });
  contacts.push(...organizations);
  for (const [index, name] of ['Board of Advisors', 'Book Club'].entries()) {
    const id = uuid();
    contacts.push({
      id,
      tenant_id: tenantA,
      kind: 'group',
      display_name: name,
      created_at: iso(BASE + index),
      updated_at: iso(BASE + index),
      metadata: null,
      addresses: [],
      affiliations: [],
      channels: [],
      dates: [],
      tags: [],
    });
  }

  // Quirks, each on its own contact.
  const quirk = (index: number, change: (contact: BacksideContact) => void) =>
    change(contacts[index] as BacksideContact);
  quirk(1, (c) => {
    (c.channels as BacksideChannel[])[0] = {
      ...((c.channels as BacksideChannel[])[0] as BacksideChannel),
      value: 'not-an-email',
      canonical_value: 'not-an-email',
    };
  });
  quirk(2, (c) => {
    const [city, region, country] = CITIES[0] as [string, string, string, string, number, number];
    c.addresses = [
      {
        id: uuid(),
        tenant_id: tenantA,
        contact_id: c.id,
        city,
        region,
        country,
        country_code: 'XX1',
        latitude: 123,
        longitude: 200,
        is_primary: true,
        label: 'home',
        street: '1 Quay Street',
      },
    ];
  });
  quirk(3, (c) => {
    c.metadata = null;
  });
  quirk(4, (c) => {
    c.deleted_at = iso(BASE + 86400 * 400);
  });
  quirk(5, (c) => {
    c.display_name = null;
    c.given_name = null;
    c.family_name = null;
    c.channels = [
      {
        id: uuid(),
        tenant_id: tenantA,
        contact_id: c.id,
        type: 'email',
        value: 'nameless@mail.example',
        canonical_value: 'nameless@mail.example',
        is_primary: true,
      },
    ];
  });
  quirk(6, (c) => {
    c.display_name = null;
    c.given_name = null;
    c.family_name = null;
    c.channels = [];
  });
  quirk(7, (c) => {
    c.channels = [
      {
        id: uuid(),
        tenant_id: tenantA,
        contact_id: c.id,
        type: 'phone',
        value: '(415) 555-0177',
        canonical_value: '+14155550177',
        is_primary: true,
      },
    ];
  });
  quirk(8, (c) => {
    c.channels = [
      {
        id: uuid(),
        tenant_id: tenantA,
        contact_id: c.id,
        type: 'email',
        value: 'Upper.Case@Mail.Example',
        canonical_value: 'upper.case@mail.example',
        is_primary: true,
      },
    ];
  });

  for (let i = 0; i < 5; i++)
    contacts.push(
      person(
        100 + i,
        GIVEN[(i * 5 + 3) % GIVEN.length] as string,
        FAMILY[(i * 3 + 1) % FAMILY.length] as string,
        tenantB,
      ),
    );

  // ---------------------------------------------------------------- Intercom
  const hex24 = () => hex(24);
  const itags: IntercomTag[] = INTERCOM_TAGS.map((name, index) => ({
    type: 'tag',
    id: String(100 + index),
    name,
    applied_at: BASE + index,
  }));
  const icompanies: IntercomCompany[] = COMPANIES.map((name, index) => ({
    type: 'company',
    id: hex24(),
    name,
    company_id: String(index + 1),
    app_id: 'demo1234',
    created_at: BASE + index * 7200,
    updated_at: BASE + index * 7200 + 86400,
    remote_created_at: BASE - 86400 * 30,
    size: 10 + index * 40,
    website: `https://www.${name.toLowerCase().replace(/[^a-z]+/g, '')}.example`,
    industry: INDUSTRIES[index % INDUSTRIES.length] as string,
    monthly_spend: 100 * (index + 1),
    custom_attributes: { plan: pick(['Basic', 'Pro', 'Enterprise']), seats: 5 + index },
  }));
  const icontacts: IntercomContact[] = [];
  const inotes: IntercomNote[] = [];
  const contactTags: Record<string, string[]> = {};
  const contactCompanies: Record<string, string[]> = {};
  const admins = [
    { type: 'admin' as const, id: DEMO_INTERCOM_ADMIN_ID, name: 'Sam Support', email: 'sam@support.example' },
    { type: 'admin' as const, id: '992', name: 'Alex Account', email: 'alex@support.example' },
  ];

  const intercomContact = (
    index: number,
    name: string | null,
    email: string | null,
    phone: string | null,
    id = hex24(),
  ): IntercomContact => {
    const at = BASE + 86400 * (index + 2) + int(3600);
    const [city, region, country] = pick(CITIES);
    const locationKind = index % 5;
    const avatarKind = index % 3;
    const slug = (name ?? 'someone').toLowerCase().replace(/[^a-z]+/g, '.');
    return {
      type: 'contact',
      id,
      workspace_id: 'demo1234',
      external_id: random() < 0.6 ? `ext-${1000 + index}` : null,
      role: index % 4 === 3 ? 'lead' : 'user',
      email,
      email_domain: email?.split('@')[1]?.trim().toLowerCase() ?? '',
      phone,
      name,
      owner_id: String(900 + int(5)),
      avatar:
        avatarKind === 0
          ? `https://avatars.example/${slug}.jpg`
          : avatarKind === 1
            ? { type: 'avatar', image_url: `https://avatars.example/${slug}-2.png` }
            : null,
      has_hard_bounced: false,
      marked_email_as_spam: false,
      unsubscribed_from_emails: random() < 0.2,
      created_at: at,
      updated_at: at + int(86400 * 300),
      signed_up_at: at,
      last_seen_at: random() < 0.7 ? at + int(86400 * 200) : null,
      last_replied_at: null,
      last_contacted_at: null,
      last_email_opened_at: null,
      last_email_clicked_at: null,
      language_override: random() < 0.3 ? pick(['en', 'fr', 'de']) : null,
      browser: 'chrome',
      browser_version: '120.0',
      browser_language: pick(['en', 'en-US', 'de', 'fr']),
      os: 'OS X 14',
      location:
        locationKind === 0
          ? { type: 'location', country: null, region: null, city: null }
          : locationKind === 1
            ? { type: 'location', country, region: null, city: null }
            : { type: 'location', country, region, city },
      social_profiles: {
        type: 'list',
        data:
          random() < 0.4
            ? [{ type: 'social_profile', name: pick(['Twitter', 'LinkedIn']), url: `https://social.example/${slug}` }]
            : [],
      },
      custom_attributes:
        random() < 0.3
          ? {}
          : { paid_subscriber: random() < 0.5, monthly_spend: Math.round(random() * 50000) / 100, team_mates: int(12) },
    };
  };

  const names: (string | null)[] = [];
  for (let i = 0; i < 50; i++)
    names.push(`${GIVEN[(i * 11 + 5) % GIVEN.length]} ${FAMILY[(i * 13 + 2) % FAMILY.length]}`);
  names.forEach((name, index) => {
    const slug = (name as string)
      .toLowerCase()
      .normalize('NFD')
      .replace(/[^a-z ]/g, '')
      .replace(' ', '.');
    const phone =
      index % 3 === 0 ? `+1${pick(['202', '305', '415', '512'])}555${String(2000 + int(7999)).slice(0, 4)}` : null;
    icontacts.push(intercomContact(index, name, `${slug}@customer.example`, phone));
  });
  SHARED_PEOPLE.forEach((shared, index) => {
    icontacts.push(
      intercomContact(60 + index, `${shared.given} ${shared.family}`, shared.intercomEmail, shared.intercomPhone),
    );
  });
  const documented: IntercomContact = {
    ...intercomContact(70, 'Hoban Washburn', 'wash@serenity.example', '+1123456789', '5ba682d23d7cf92bef87bfd4'),
    external_id: '25',
    role: 'user',
    avatar: 'https://example.org/128Wash.jpg',
    location: { type: 'location', country: 'Ireland', region: 'Dublin', city: 'Dublin' },
    social_profiles: {
      type: 'list',
      data: [{ type: 'social_profile', name: 'Twitter', url: 'http://twitter.com/th1sland' }],
    },
    custom_attributes: { paid_subscriber: true, monthly_spend: 155.5, team_mates: 1 },
  };
  icontacts.push(documented);
  // Quirks.
  (icontacts[1] as IntercomContact).name = null;
  (icontacts[2] as IntercomContact).email = null;
  (icontacts[3] as IntercomContact).phone = null;
  (icontacts[4] as IntercomContact).email = 'bad@';
  const nameless = icontacts[5] as IntercomContact;
  nameless.name = null;
  nameless.email = null;
  nameless.phone = null;

  // Relations: tags, companies, notes.
  icontacts.forEach((contact, index) => {
    const tagCount = index === 6 ? 12 : int(4);
    const companyCount = index === 7 ? 11 : int(3);
    const noteCount = index === 8 ? 12 : index % 2 === 0 ? 1 + int(3) : 0;
    contactTags[contact.id] = [
      ...new Set(Array.from({ length: tagCount }, (_, t) => (itags[(index * 3 + t) % itags.length] as IntercomTag).id)),
    ];
    contactCompanies[contact.id] = [
      ...new Set(
        Array.from(
          { length: companyCount },
          (_, c) => (icompanies[(index + c) % icompanies.length] as IntercomCompany).id,
        ),
      ),
    ];
    for (let n = 0; n < noteCount; n++) {
      inotes.push({
        type: 'note',
        id: String(20000000 + inotes.length),
        created_at: contact.created_at + 3600 * (n + 1),
        body: NOTES[(index + n) % NOTES.length] as string,
        contact: { type: 'contact', id: contact.id },
        author: admins[n % 2] as (typeof admins)[number],
      });
    }
  });
  contactTags[documented.id] = ['102', '104', '105'];
  contactCompanies[documented.id] = (icompanies.slice(0, 3) as IntercomCompany[]).map((c) => c.id);

  const refList = (type: string, ids: string[], contactId: string, plural: string) => ({
    type: 'list',
    data: ids.slice(0, 10).map((id) => ({ type, id, url: `/${plural}/${id}` })),
    url: `/contacts/${contactId}/${plural}`,
    total_count: ids.length,
    has_more: ids.length > 10,
  });
  for (const contact of icontacts) {
    contact.tags = refList('tag', contactTags[contact.id] ?? [], contact.id, 'tags');
    contact.companies = refList('company', contactCompanies[contact.id] ?? [], contact.id, 'companies');
    const noteIds = inotes.filter((note) => note.contact?.id === contact.id).map((note) => note.id);
    contact.notes = refList('note', noteIds, contact.id, 'notes');
  }

  // One merged contact (its old id answers 410 pointing at index 10), one archived, two not yet searchable.
  const merged = { [hex24()]: (icontacts[10] as IntercomContact).id };
  const archived = [(icontacts[11] as IntercomContact).id];
  const searchLag = [(icontacts[12] as IntercomContact).id, (icontacts[13] as IntercomContact).id];

  return {
    backside: {
      tenants: [
        { id: tenantA, apiKey: DEMO_BACKSIDE_API_KEY },
        { id: tenantB, apiKey: DEMO_BACKSIDE_OTHER_KEY },
        { id: tenantA, apiKey: DEMO_BACKSIDE_READONLY_KEY, scopes: ['contacts:read'] },
      ],
      contacts,
    },
    intercom: {
      contacts: icontacts,
      admins,
      tags: itags,
      companies: icompanies,
      notes: inotes,
      contactTags,
      contactCompanies,
      merged,
      archived,
      searchLag,
    },
  };
}
