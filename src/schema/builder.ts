import SchemaBuilder from '@pothos/core';
import ComplexityPlugin from '@pothos/plugin-complexity';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';
import { GatewayError } from '../errors.js';
import { decodeGlobalID, encodeGlobalID } from './ids.js';

export const builder = new SchemaBuilder<{
  Context: GatewayContext;
  // Non-null unless a field says otherwise, as the contract is written.
  DefaultFieldNullability: false;
  DefaultEdgesNullability: false;
  DefaultNodeNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date };
    LocalDate: { Input: string; Output: string };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    URL: { Input: URL; Output: string };
    CountryCode: { Input: string; Output: string };
    Latitude: { Input: number; Output: number };
    Longitude: { Input: number; Output: number };
  };
}>({
  // Federation last: it wraps what the others define (its docs ask for it after plugins that wrap resolvers).
  plugins: [RelayPlugin, ComplexityPlugin, DirectivePlugin, FederationPlugin],
  defaultFieldNullability: false,
  // Cost counts possible upstream calls: fields that can call upstream say what they may cost (see their
  // `complexity`), everything else is free. A query over the limit is refused before any resolver runs.
  complexity: {
    defaultComplexity: 0,
    defaultListMultiplier: 1,
    limit: (ctx) => ({ complexity: ctx.maxCost }),
    complexityError: (_kind, result) =>
      GatewayError.badInput(
        `Query cost ${result.complexity} is over the limit of ${result.maxComplexity}: ask for fewer contacts or fewer child fields.`,
      ),
  },
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    nodesOnConnection: true,
    encodeGlobalID,
    decodeGlobalID,
    // Ours (src/schema/node.ts): every id loaded and failing on its own.
    nodeQueryOptions: false,
    nodesQueryOptions: false,
  },
});

builder.queryType({});
builder.mutationType({});
builder.subscriptionType({});
