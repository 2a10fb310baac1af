// The benchmark's queries, the same for every system.
export const QUERIES = {
  A: {
    title: 'one contact, every child field',
    query: `query A { contactBySourceId(source: INTERCOM, sourceId: "5ba682d23d7cf92bef87bfd4") {
      id displayName email phone createdAt updatedAt
      addresses { formatted } channels { type value } tags { id name } companies { id name website }
      affiliations { isCurrent company { name } } notes { text createdAt } dates { type } customAttributes
    } }`,
  },
  B: {
    title: '50 Intercom contacts with tags and companies (N+1 shape)',
    query:
      'query B { contacts(first: 50, sources: [INTERCOM]) { nodes { id displayName tags { id name } companies { id name } } } }',
  },
  C: {
    title: '50 Backside contacts with channels, tags and companies',
    query: `query C { contacts(first: 50, sources: [BACKSIDE]) { nodes {
      id displayName channels { type value } tags { id name } companies { id name }
    } } }`,
  },
  D: { title: '{ __typename }', query: 'query D { __typename }' },
} as const;

export type QueryName = keyof typeof QUERIES;
