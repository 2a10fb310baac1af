// Apollo Server 5 with @apollo/datasource-rest, written the way Apollo's docs recommend: one RESTDataSource per
// upstream, created per request in the context function (so GETs are deduped within a request), resolvers that call
// them. Only the schema the benchmark's queries need. Usage: tsx bench/peers/apollo.ts <port> <backsideUrl> <intercomUrl>

import { type AugmentedRequest, RESTDataSource } from '@apollo/datasource-rest';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';

const [port, backsideUrl, intercomUrl] = process.argv.slice(2) as [string, string, string];
type Json = any;

class IntercomAPI extends RESTDataSource {
  override baseURL = `${intercomUrl}/`;
  override willSendRequest(_path: string, request: AugmentedRequest) {
    request.headers.authorization = 'Bearer ic_test_demo';
    request.headers['intercom-version'] = '2.16';
  }
  contact(id: string) {
    return this.get(`contacts/${encodeURIComponent(id)}`);
  }
  contacts(perPage: number, after?: string | null) {
    const params: Record<string, string> = { per_page: String(perPage) };
    if (after) params.starting_after = after;
    return this.get('contacts', { params });
  }
  tags() {
    return this.get('tags');
  }
  company(id: string) {
    return this.get(`companies/${encodeURIComponent(id)}`);
  }
  notes(id: string) {
    return this.get(`contacts/${encodeURIComponent(id)}/notes`);
  }
}

class BacksideAPI extends RESTDataSource {
  override baseURL = `${backsideUrl}/api/v1/`;
  override willSendRequest(_path: string, request: AugmentedRequest) {
    request.headers.authorization = 'Bearer bsk_test_demo';
  }
  contact(id: string) {
    return this.get(`contacts/${encodeURIComponent(id)}`);
  }
  contacts(limit: number, after?: string | null) {
    const params: Record<string, string> = { limit: String(limit) };
    if (after) params.cursor = after;
    return this.get('contacts', { params });
  }
}

interface Context {
  intercom: IntercomAPI;
  backside: BacksideAPI;
}

const typeDefs = `#graphql
  enum Source { BACKSIDE INTERCOM }
  type Query {
    contactBySourceId(source: Source!, sourceId: String!): Contact
    contacts(first: Int = 20, after: String, sources: [Source!]): ContactConnection!
  }
  type ContactConnection { nodes: [Contact!]! }
  type Contact {
    id: ID! displayName: String! email: String phone: String createdAt: String! updatedAt: String!
    addresses: [Address!]! channels: [Channel!]! tags: [Tag!]! companies: [Company!]!
    affiliations: [Affiliation!]! notes: [Note!]! dates: [ContactDate!]! customAttributes: String
  }
  type Address { formatted: String! }
  type Channel { type: String! value: String! }
  type Tag { id: ID! name: String! }
  type Company { id: ID! name: String! website: String }
  type Affiliation { isCurrent: Boolean! company: Company! }
  type Note { text: String! createdAt: String! }
  type ContactDate { type: String! }
`;

const iso = (unix: number) => new Date(unix * 1000).toISOString();
const intercomContact = (raw: Json) => ({ source: 'INTERCOM', raw });
const backsideContact = (raw: Json) => ({ source: 'BACKSIDE', raw });

const resolvers = {
  Query: {
    contactBySourceId: async (_: unknown, args: { source: string; sourceId: string }, ctx: Context) =>
      args.source === 'INTERCOM'
        ? intercomContact(await ctx.intercom.contact(args.sourceId))
        : backsideContact(await ctx.backside.contact(args.sourceId)),
    // `after` is the upstream's own page cursor (the varied workloads pass it).
    contacts: async (_: unknown, args: { first: number; after?: string | null; sources?: string[] }, ctx: Context) => {
      if (args.sources?.[0] === 'INTERCOM') {
        return { nodes: (await ctx.intercom.contacts(args.first, args.after)).data.map(intercomContact) };
      }
      const list = await ctx.backside.contacts(args.first, args.after);
      // List items leave the related arrays out: load each full contact.
      return {
        nodes: await Promise.all(list.data.map(async (c: Json) => backsideContact(await ctx.backside.contact(c.id)))),
      };
    },
  },
  Contact: {
    id: (c: Json) => Buffer.from(`Contact:${c.source}:${c.raw.id}`).toString('base64url'),
    displayName: (c: Json) => c.raw.name ?? c.raw.display_name ?? c.raw.email ?? c.raw.id,
    email: (c: Json) => c.raw.email?.trim().toLowerCase() ?? null,
    phone: (c: Json) => c.raw.phone ?? null,
    createdAt: (c: Json) => (c.source === 'INTERCOM' ? iso(c.raw.created_at) : c.raw.created_at),
    updatedAt: (c: Json) => (c.source === 'INTERCOM' ? iso(c.raw.updated_at) : c.raw.updated_at),
    addresses: (c: Json) =>
      c.source === 'INTERCOM'
        ? c.raw.location?.city
          ? [
              {
                formatted: [c.raw.location.city, c.raw.location.region, c.raw.location.country]
                  .filter(Boolean)
                  .join(', '),
              },
            ]
          : []
        : (c.raw.addresses ?? []).map((a: Json) => ({
            formatted: [a.street, a.city, a.country].filter(Boolean).join(', '),
          })),
    channels: (c: Json) =>
      c.source === 'INTERCOM'
        ? [
            c.raw.email && { type: 'EMAIL', value: c.raw.email },
            c.raw.phone && { type: 'PHONE', value: c.raw.phone },
          ].filter(Boolean)
        : (c.raw.channels ?? []).map((ch: Json) => ({ type: String(ch.type).toUpperCase(), value: ch.value })),
    tags: async (c: Json, _: unknown, ctx: Context) => {
      if (c.source === 'BACKSIDE') return c.raw.tags ?? [];
      const all = await ctx.intercom.tags();
      return (c.raw.tags?.data ?? []).map((ref: Json) => all.data.find((t: Json) => t.id === ref.id)).filter(Boolean);
    },
    companies: async (c: Json, _: unknown, ctx: Context) => {
      if (c.source === 'BACKSIDE') {
        return Promise.all(
          (c.raw.affiliations ?? []).map(async (a: Json) => {
            const org = await ctx.backside.contact(a.organization_id);
            return { id: org.id, name: org.display_name, website: null };
          }),
        );
      }
      return Promise.all((c.raw.companies?.data ?? []).map((ref: Json) => ctx.intercom.company(ref.id)));
    },
    affiliations: async (c: Json, _: unknown, ctx: Context) => {
      const companies = await resolvers.Contact.companies(c, _, ctx);
      return companies.map((company: Json) => ({ isCurrent: true, company }));
    },
    notes: async (c: Json, _: unknown, ctx: Context) =>
      c.source === 'INTERCOM'
        ? (await ctx.intercom.notes(c.raw.id)).data.map((n: Json) => ({
            text: String(n.body).replace(/<[^>]*>/g, ''),
            createdAt: iso(n.created_at),
          }))
        : [],
    dates: () => [],
    customAttributes: (c: Json) => JSON.stringify(c.raw.custom_attributes ?? c.raw.metadata ?? {}),
  },
};

const server = new ApolloServer<Context>({ typeDefs, resolvers });
const { url } = await startStandaloneServer(server, {
  listen: { port: Number(port), host: '127.0.0.1' },
  context: async () => {
    const { cache } = server;
    return { intercom: new IntercomAPI({ cache }), backside: new BacksideAPI({ cache }) };
  },
});
console.log(`ready ${process.pid} ${url}`);
