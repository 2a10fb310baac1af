// Apollo's persisted-query manifest (what `@apollo/generate-persisted-query-manifest` writes), checked once at start.
// No imports: src/config.ts reads the file at the edge, in a WORKERS primary too, without loading the gateway.

/** One trusted document: `id` is what a client sends as extensions.persistedQuery.sha256Hash. */
export interface PersistedOperation {
  id: string;
  name: string;
  type: 'query' | 'mutation' | 'subscription';
  body: string;
}

/**
 * The operations of a manifest `{"format":"apollo-persisted-query-manifest","version":1,"operations":[…]}`; throws an
 * Error saying what is wrong (not JSON, another format, an operation without an id or body, an id given twice).
 */
export function parsePersistedManifest(text: string): PersistedOperation[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch {
    throw new Error('is not JSON');
  }
  const { format, version, operations } = (manifest ?? {}) as Record<string, unknown>;
  if (format !== 'apollo-persisted-query-manifest' || version !== 1 || !Array.isArray(operations)) {
    throw new Error('is not an apollo-persisted-query-manifest of version 1 with an "operations" list');
  }
  const seen = new Set<string>();
  return operations.map((operation: unknown, index) => {
    const { id, name, type, body } = (operation ?? {}) as Record<string, unknown>;
    if (typeof id !== 'string' || !/^[\x21-\x7e]{1,200}$/.test(id)) {
      throw new Error(`operation ${index} has no "id" (1 to 200 printable ASCII characters)`);
    }
    if (seen.has(id)) throw new Error(`operation id ${id} is given twice`);
    seen.add(id);
    if (typeof body !== 'string' || body.trim() === '') throw new Error(`operation ${id} has no "body"`);
    if (type !== undefined && type !== 'query' && type !== 'mutation' && type !== 'subscription') {
      throw new Error(`operation ${id} has an unknown "type"`);
    }
    return { id, name: typeof name === 'string' ? name : '', type: type ?? 'query', body };
  });
}
