// The hand-written floor: plain node:http, keep-alive upstream calls (Node's fetch pools connections), JSON assembled
// by hand, no GraphQL. It answers the benchmark's operations by name (A-D, and Av-Cv with variables) and bounds what any Node gateway can do.
// Usage: tsx bench/peers/floor.ts <port> <backsideUrl> <intercomUrl>
import { createServer } from 'node:http';

const [port, backside, intercom] = process.argv.slice(2) as [string, string, string];
const B_AUTH = { authorization: 'Bearer bsk_test_demo', accept: 'application/json' };
const I_AUTH = { authorization: 'Bearer ic_test_demo', accept: 'application/json', 'intercom-version': '2.16' };

type Json = any;
const get = async (url: string, headers: Record<string, string>): Promise<Json> =>
  (await fetch(url, { headers })).json();

async function intercomContacts(contacts: Json[]) {
  const tags = new Map<string, string>((await get(`${intercom}/tags`, I_AUTH)).data.map((t: Json) => [t.id, t.name]));
  const companyIds = [...new Set(contacts.flatMap((c) => c.companies?.data.map((r: Json) => r.id) ?? []))];
  const companies = new Map(
    await Promise.all(companyIds.map(async (id) => [id, await get(`${intercom}/companies/${id}`, I_AUTH)] as const)),
  );
  return { tags, companies };
}

type Variables = { id?: string; first?: number; after?: string };

async function opA({ id = '5ba682d23d7cf92bef87bfd4' }: Variables = {}): Promise<string> {
  const contact = await get(`${intercom}/contacts/${id}`, I_AUTH);
  const [{ tags, companies }, notes] = await Promise.all([
    intercomContacts([contact]),
    get(`${intercom}/contacts/${id}/notes`, I_AUTH),
  ]);
  const companyList = (contact.companies?.data ?? []).map((r: Json) => companies.get(r.id));
  return JSON.stringify({
    data: {
      contactBySourceId: {
        id: Buffer.from(`Contact:INTERCOM:${id}`).toString('base64url'),
        displayName: contact.name ?? contact.email ?? id,
        email: contact.email?.trim().toLowerCase() ?? null,
        phone: contact.phone ?? null,
        createdAt: new Date(contact.created_at * 1000).toISOString(),
        updatedAt: new Date(contact.updated_at * 1000).toISOString(),
        addresses: contact.location?.city
          ? [
              {
                formatted: [contact.location.city, contact.location.region, contact.location.country]
                  .filter(Boolean)
                  .join(', '),
              },
            ]
          : [],
        channels: [
          contact.email && { type: 'EMAIL', value: contact.email },
          contact.phone && { type: 'PHONE', value: contact.phone },
        ].filter(Boolean),
        tags: (contact.tags?.data ?? []).map((r: Json) => ({ id: r.id, name: tags.get(r.id) })),
        companies: companyList.map((c: Json) => ({ id: c.id, name: c.name, website: c.website ?? null })),
        affiliations: companyList.map((c: Json) => ({ isCurrent: true, company: { name: c.name } })),
        notes: notes.data.map((n: Json) => ({
          text: String(n.body).replace(/<[^>]*>/g, ''),
          createdAt: new Date(n.created_at * 1000).toISOString(),
        })),
        dates: [],
        customAttributes: contact.custom_attributes ?? {},
      },
    },
  });
}

async function opB({ first = 50, after }: Variables = {}): Promise<string> {
  const page = after ? `&starting_after=${encodeURIComponent(after)}` : '';
  const list = await get(`${intercom}/contacts?per_page=${first}${page}`, I_AUTH);
  const { tags, companies } = await intercomContacts(list.data);
  const nodes = list.data.map((c: Json) => ({
    id: Buffer.from(`Contact:INTERCOM:${c.id}`).toString('base64url'),
    displayName: c.name ?? c.email ?? c.id,
    tags: (c.tags?.data ?? []).map((r: Json) => ({ id: r.id, name: tags.get(r.id) })),
    companies: (c.companies?.data ?? []).map((r: Json) => ({ id: r.id, name: companies.get(r.id)?.name })),
  }));
  return JSON.stringify({ data: { contacts: { nodes } } });
}

async function opC({ first = 50, after }: Variables = {}): Promise<string> {
  const page = after ? `&cursor=${encodeURIComponent(after)}` : '';
  const list = await get(`${backside}/api/v1/contacts?limit=${first}${page}`, B_AUTH);
  const full: Json[] = await Promise.all(
    list.data.map((c: Json) => get(`${backside}/api/v1/contacts/${c.id}`, B_AUTH)),
  );
  const orgIds = [...new Set(full.flatMap((c) => (c.affiliations ?? []).map((a: Json) => a.organization_id)))];
  const known = new Map(full.map((c) => [c.id, c]));
  const orgs = new Map(
    await Promise.all(
      orgIds.map(
        async (id) => [id, known.get(id) ?? (await get(`${backside}/api/v1/contacts/${id}`, B_AUTH))] as const,
      ),
    ),
  );
  const nodes = full.map((c) => ({
    id: Buffer.from(`Contact:BACKSIDE:${c.id}`).toString('base64url'),
    displayName: c.display_name ?? c.id,
    channels: (c.channels ?? []).map((ch: Json) => ({ type: String(ch.type).toUpperCase(), value: ch.value })),
    tags: (c.tags ?? []).map((t: Json) => ({ id: t.id, name: t.name })),
    companies: (c.affiliations ?? []).map((a: Json) => ({
      id: a.organization_id,
      name: orgs.get(a.organization_id)?.display_name,
    })),
  }));
  return JSON.stringify({ data: { contacts: { nodes } } });
}

// Av, Bv and Cv (the varied workloads) are A, B and C with variables: a contact's id, a page's size and the upstream's
// own cursor.
const OPERATIONS: Record<string, (variables: Variables) => Promise<string>> = {
  A: opA,
  B: opB,
  C: opC,
  Av: opA,
  Bv: opB,
  Cv: opC,
  D: async () => '{"data":{"__typename":"Query"}}',
};

createServer((req, res) => {
  let body = '';
  req.on('data', (chunk: Buffer) => {
    body += chunk;
  });
  req.on('end', () => {
    const request = JSON.parse(body);
    const name = /query\s+(\w+)/.exec(request.query)?.[1] ?? '';
    const operation = OPERATIONS[name];
    if (!operation) {
      res.writeHead(400).end();
      return;
    }
    operation(request.variables ?? {}).then(
      (json) => res.writeHead(200, { 'content-type': 'application/json' }).end(json),
      () => res.writeHead(502).end(),
    );
  });
}).listen(Number(port), '127.0.0.1', () => console.log(`ready ${process.pid}`));
