// A real Apollo Client with InMemoryCache against the running gateway over HTTP: Contact, Tag and Company must
// normalise by id, so a second query for one contact lands on the same cache entries.
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Stack, serveOnLoopback, startStack } from './helpers/stack.js';

const CONTACT_PARTS = gql`
  fragment ContactParts on Contact {
    id
    source
    displayName
    tags {
      id
      name
    }
    companies {
      id
      name
    }
  }
`;

const LIST = gql`
  ${CONTACT_PARTS}
  query List($sources: [Source!]) {
    contacts(first: 15, sources: $sources) {
      nodes {
        ...ContactParts
      }
    }
  }
`;

const ONE = gql`
  ${CONTACT_PARTS}
  query One($id: ID!) {
    contact(id: $id) {
      ...ContactParts
      email
    }
  }
`;

interface ContactParts {
  id: string;
  source: string;
  displayName: string;
  tags: { id: string; name: string }[];
  companies: { id: string; name: string }[];
}

let stack: Stack;
let served: Awaited<ReturnType<typeof serveOnLoopback>>;
let client: ApolloClient;

beforeAll(async () => {
  stack = await startStack();
  served = await serveOnLoopback(stack.gateway);
  client = new ApolloClient({
    link: new HttpLink({ uri: served.url }),
    cache: new InMemoryCache(),
  });
});

afterAll(async () => {
  await served.close();
  await stack.close();
});

describe('Apollo Client', () => {
  it('normalises Contact, Tag and Company by id across queries', async () => {
    for (const sources of [['INTERCOM'], ['BACKSIDE']]) {
      const list = await client.query<{ contacts: { nodes: ContactParts[] } }>({ query: LIST, variables: { sources } });
      expect(list.error).toBeUndefined();
      expect(list.data?.contacts.nodes).toHaveLength(15);
    }
    const cached = client.cache.extract() as Record<string, { __typename?: string }>;
    const byType = (typename: string) => Object.keys(cached).filter((key) => cached[key]?.__typename === typename);
    expect(byType('Contact')).toHaveLength(30);
    expect(byType('Tag').length).toBeGreaterThan(3);
    expect(byType('Company').length).toBeGreaterThan(1);

    const list = client.readQuery<{ contacts: { nodes: ContactParts[] } }>({
      query: LIST,
      variables: { sources: ['INTERCOM'] },
    });
    const withTags = list?.contacts.nodes.find((node) => node.tags.length > 0 && node.companies.length > 0);
    expect(withTags).toBeDefined();
    const tagsBefore = byType('Tag').length;

    const one = await client.query<{ contact: ContactParts & { email: string | null } }>({
      query: ONE,
      variables: { id: withTags?.id },
      fetchPolicy: 'network-only',
    });
    expect(one.data?.contact.id).toBe(withTags?.id);
    // The second answer merged into the same entries: same keys, one entry per tag, and the list sees the email.
    const after = client.cache.extract() as Record<string, { __typename?: string; email?: string }>;
    expect(Object.keys(after).filter((key) => after[key]?.__typename === 'Tag')).toHaveLength(tagsBefore);
    const key = client.cache.identify({ __typename: 'Contact', id: withTags?.id as string }) as string;
    expect(after[key]?.email).toBe(one.data?.contact.email);
    for (const tag of withTags?.tags ?? []) {
      expect(client.cache.identify({ __typename: 'Tag', id: tag.id })).toBe(`Tag:${tag.id}`);
      expect(after[`Tag:${tag.id}`]).toMatchObject({ name: tag.name });
    }
  });
});
