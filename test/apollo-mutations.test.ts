// Writes through a real Apollo Client (InMemoryCache, HttpLink over HTTP to the gateway on loopback): a mutation's
// payload carries the contact by id, so the normalised cache updates with no refetch; an optimistic response shows
// at once and is dropped when the mutation answers userErrors (contact null leaves the cached contact as it was).
import { ApolloClient, gql, HttpLink, InMemoryCache } from '@apollo/client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type Stack, serveOnLoopback, startStack } from './helpers/stack.js';

const ONE = gql`
  query One($id: ID!) {
    contact(id: $id) {
      id
      displayName
      tags {
        id
        name
      }
    }
  }
`;

const PICK = gql`
  query Pick($sources: [Source!]) {
    contacts(first: 15, sources: $sources) {
      nodes {
        id
        kind
        displayName
        tags {
          id
          name
        }
      }
    }
  }
`;

const RENAME = gql`
  mutation Rename($input: UpdateContactInput!) {
    updateContact(input: $input) {
      contact {
        id
        displayName
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

const TAG = gql`
  mutation Tag($input: TagContactInput!) {
    tagContact(input: $input) {
      contact {
        id
        tags {
          id
          name
        }
      }
      userErrors {
        field
        message
        code
      }
    }
  }
`;

interface Contact {
  __typename?: 'Contact';
  id: string;
  displayName: string;
  tags: { id: string; name: string }[];
}

interface UserError {
  field: string[] | null;
  message: string;
  code: string;
}

interface RenameData {
  updateContact: {
    __typename?: 'ContactPayload';
    contact: { __typename?: 'Contact'; id: string; displayName: string } | null;
    userErrors: UserError[];
  };
}

interface TagData {
  tagContact: { contact: { id: string; tags: { id: string; name: string }[] } | null; userErrors: UserError[] };
}

let stack: Stack;
let served: Awaited<ReturnType<typeof serveOnLoopback>>;
/** The operation name of every HTTP request the client made, in order. */
let requests: string[] = [];
/** While set, requests wait for it before they go out: the mutation stays in flight. */
let gate: Promise<void> | undefined;

function newClient(): ApolloClient {
  return new ApolloClient({
    link: new HttpLink({
      uri: served.url,
      fetch: async (input, init) => {
        requests.push(JSON.parse(String(init?.body ?? '{}')).operationName);
        if (gate) await gate;
        return fetch(input, init);
      },
    }),
    cache: new InMemoryCache(),
  });
}

/** A person of the source with at least one tag, read through a throwaway client (not counted). */
async function pickPerson(source: 'BACKSIDE' | 'INTERCOM'): Promise<Contact> {
  const picker = newClient();
  const { data } = await picker.query<{ contacts: { nodes: (Contact & { kind: string })[] } }>({
    query: PICK,
    variables: { sources: [source] },
  });
  const person = data?.contacts.nodes.find((node) => node.kind === 'PERSON' && node.tags.length > 0);
  if (!person) throw new Error(`no tagged person in ${source}'s first page`);
  requests = [];
  return person;
}

beforeAll(async () => {
  stack = await startStack();
  served = await serveOnLoopback(stack.gateway);
});

afterAll(async () => {
  await served.close();
  await stack.close();
});

beforeEach(() => {
  requests = [];
  gate = undefined;
});

describe('Apollo Client mutations', () => {
  for (const source of ['INTERCOM', 'BACKSIDE'] as const) {
    it(`${source}: updateContact and tagContact payloads update the cached contact, with no refetch`, async () => {
      const person = await pickPerson(source);
      const client = newClient();
      const seen: string[] = [];
      const watched = client.watchQuery<{ contact: Contact }>({ query: ONE, variables: { id: person.id } });
      const subscription = watched.subscribe(({ data, dataState }) => {
        if (dataState === 'complete' && data.contact)
          seen.push(`${data.contact.displayName}|${data.contact.tags.map((tag) => tag.name).join(',')}`);
      });
      try {
        await expect.poll(() => seen.length).toBe(1);
        const before = client.readQuery<{ contact: Contact }>({ query: ONE, variables: { id: person.id } });
        expect(before?.contact.displayName).toBe(person.displayName);

        // `name` is Intercom's one name and Backside's display_name.
        const newName = `Renamed Through Apollo (${source})`;
        const renamed = await client.mutate<RenameData>({
          mutation: RENAME,
          variables: {
            input: { id: person.id, name: newName },
          },
        });
        expect(renamed.error).toBeUndefined();
        expect(renamed.data?.updateContact.userErrors).toEqual([]);
        const displayName = renamed.data?.updateContact.contact?.displayName as string;
        expect(displayName).toBe(newName);

        const tagged = await client.mutate<TagData>({
          mutation: TAG,
          variables: { input: { contactId: person.id, tagName: `apollo-${source.toLowerCase()}` } },
        });
        expect(tagged.error).toBeUndefined();
        expect(tagged.data?.tagContact.userErrors).toEqual([]);
        const newTag = tagged.data?.tagContact.contact?.tags.find(
          (tag) => tag.name === `apollo-${source.toLowerCase()}`,
        );
        expect(newTag).toBeDefined();

        // The cache holds the new name and the new tag, next to the old tags, in the normalised entries.
        const after = client.readQuery<{ contact: Contact }>({ query: ONE, variables: { id: person.id } });
        expect(after?.contact.displayName).toBe(displayName);
        expect(after?.contact.tags.map((tag) => tag.name)).toEqual([
          ...person.tags.map((tag) => tag.name),
          newTag?.name,
        ]);
        const fragment = client.cache.readFragment<Contact>({
          id: client.cache.identify({ __typename: 'Contact', id: person.id }),
          fragment: gql`
            fragment Seen on Contact {
              displayName
              tags {
                name
              }
            }
          `,
        });
        expect(fragment?.displayName).toBe(displayName);
        expect((client.cache.extract() as Record<string, unknown>)[`Tag:${newTag?.id}`]).toMatchObject({
          name: newTag?.name,
        });
        // The watching query saw each change as it landed, from the payloads alone.
        await expect.poll(() => seen.at(-1)).toBe(`${displayName}|${after?.contact.tags.map((t) => t.name).join(',')}`);
        expect(seen).toHaveLength(3);
        // A cache-first read of the query answers from the cache.
        await client.query({ query: ONE, variables: { id: person.id } });
        // One query, two mutations: nothing was refetched.
        expect(requests).toEqual(['One', 'Rename', 'Tag']);
      } finally {
        subscription.unsubscribe();
      }
    });
  }

  it('an optimistic response shows during flight and rolls back when the mutation answers userErrors', async () => {
    const person = await pickPerson('INTERCOM');
    const client = newClient();
    await client.query({ query: ONE, variables: { id: person.id } });
    const names: string[] = [];
    const watched = client.watchQuery<{ contact: Contact }>({
      query: ONE,
      variables: { id: person.id },
      fetchPolicy: 'cache-only',
    });
    const subscription = watched.subscribe(({ data, dataState }) => {
      if (dataState === 'complete' && data.contact) names.push(data.contact.displayName);
    });
    try {
      await expect.poll(() => names).toEqual([person.displayName]);
      let release = () => {};
      gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      const mutation = client.mutate<RenameData>({
        mutation: RENAME,
        // A valid name with an invalid email: the gateway refuses the whole input and changes nothing.
        variables: { input: { id: person.id, name: 'Optimistic Name', email: 'not-an-email' } },
        optimisticResponse: {
          updateContact: {
            __typename: 'ContactPayload',
            contact: { __typename: 'Contact', id: person.id, displayName: 'Optimistic Name' },
            userErrors: [],
          },
        },
      });
      // In flight (the request is held at the gate): the optimistic layer shows the new name.
      await expect.poll(() => requests).toEqual(['One', 'Rename']);
      expect(
        client.readQuery<{ contact: Contact }>({ query: ONE, variables: { id: person.id } }, true)?.contact,
      ).toMatchObject({
        displayName: 'Optimistic Name',
      });
      await expect.poll(() => names.at(-1)).toBe('Optimistic Name');
      // The data underneath is untouched.
      expect(
        client.readQuery<{ contact: Contact }>({ query: ONE, variables: { id: person.id } })?.contact.displayName,
      ).toBe(person.displayName);
      release();
      const answer = await mutation;
      expect(answer.error).toBeUndefined();
      expect(answer.data?.updateContact).toMatchObject({
        contact: null,
        userErrors: [{ field: ['input', 'email'], code: 'INVALID' }],
      });
      // The optimistic layer is gone and the contact reads as before, in the cache and in what the watcher saw.
      expect(
        client.readQuery<{ contact: Contact }>({ query: ONE, variables: { id: person.id } }, true)?.contact,
      ).toEqual({
        __typename: 'Contact',
        id: person.id,
        displayName: person.displayName,
        tags: person.tags.map((tag) => ({ __typename: 'Tag', ...tag })),
      });
      await expect.poll(() => names.at(-1)).toBe(person.displayName);
      expect(names).toEqual([person.displayName, 'Optimistic Name', person.displayName]);
      // The gateway changed nothing: a network read answers the original name.
      const fresh = await client.query<{ contact: Contact }>({
        query: ONE,
        variables: { id: person.id },
        fetchPolicy: 'network-only',
      });
      expect(fresh.data?.contact.displayName).toBe(person.displayName);
      expect(requests).toEqual(['One', 'Rename', 'One']);
    } finally {
      subscription.unsubscribe();
    }
  });
});
