// Apollo Federation v2: Contact, Company and Tag are entities keyed by their global `id`, so another subgraph can add
// fields to them (an orders service adding `Contact.orders`) and a federation gateway can ask this one for the rest.
// `_entities` reads each representation through the same per-request loaders as `node`/`nodes`: the representations
// of one call are loaded in one tick, so each source's DataLoader batches them (20 Intercom contacts: one search).
import type { GraphQLFieldConfig, GraphQLObjectType, GraphQLSchema } from 'graphql';
import type { GatewayContext } from '../context.js';
import { FEDERATION_MAX_REPRESENTATIONS } from '../defaults.js';
import { GatewayError } from '../errors.js';
import { builder } from './builder.js';
import { CompanyRef } from './company.js';
import { ContactRef } from './contact.js';
import { decodeGlobalID } from './ids.js';
import { loadNode } from './node.js';
import { TagRef } from './tag.js';

/** The federation spec this subgraph links (`@link(url:)`); 2.6 is what Hive Gateway and Apollo Router compose. */
export const FEDERATION_SPEC_URL = 'https://specs.apollo.dev/federation/v2.6';

/**
 * An entity's reference resolver: the global id must name an object of that very type (a Tag id sent as a Contact
 * is BAD_USER_INPUT for that representation only); a plain miss is null, as in `node`.
 */
function byGlobalId(typename: string) {
  // Async, so a bad id rejects its own item: a synchronous throw would fail the whole `_entities` list.
  return async (reference: { id: string }, ctx: GatewayContext) => {
    if (typeof reference.id !== 'string' || decodeGlobalID(reference.id).typename !== typename) {
      throw GatewayError.badInput(`The id is not a ${typename} id this gateway gave out.`);
    }
    return (await loadNode(reference.id, ctx)) as never;
  };
}

builder.asEntity(ContactRef, { key: builder.selection<{ id: string }>('id'), resolveReference: byGlobalId('Contact') });
builder.asEntity(CompanyRef, { key: builder.selection<{ id: string }>('id'), resolveReference: byGlobalId('Company') });
builder.asEntity(TagRef, { key: builder.selection<{ id: string }>('id'), resolveReference: byGlobalId('Tag') });

/**
 * The subgraph schema: ours plus `_service { sdl }` and `_entities(representations:)`. `_entities` is bounded to
 * FEDERATION_MAX_REPRESENTATIONS representations a call (BAD_USER_INPUT beyond, before any upstream call); each
 * representation fails on its own (graphql-js answers null at `_entities[i]` with that error), like `nodes`.
 */
export function toSubgraphSchema(): GraphQLSchema {
  const schema = builder.toSubGraphSchema({ linkUrl: FEDERATION_SPEC_URL, federationDirectives: ['@key'] });
  const query = schema.getQueryType() as GraphQLObjectType;
  const entities = query.getFields()._entities as unknown as GraphQLFieldConfig<unknown, GatewayContext> | undefined;
  const resolve = entities?.resolve;
  if (entities && resolve) {
    entities.resolve = (root, args: { representations?: unknown[] }, ctx, info) => {
      if ((args.representations?.length ?? 0) > FEDERATION_MAX_REPRESENTATIONS) {
        throw GatewayError.badInput(
          `_entities takes at most ${FEDERATION_MAX_REPRESENTATIONS} representations a call; send them in batches.`,
        );
      }
      return resolve(root, args, ctx, info);
    };
  }
  return schema;
}
