import SchemaBuilder from '@pothos/core';
import RelayPlugin from '@pothos/plugin-relay';
import type { GatewayContext } from '../context.js';
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
  plugins: [RelayPlugin],
  defaultFieldNullability: false,
  relay: {
    clientMutationId: 'omit',
    cursorType: 'String',
    edgesFieldOptions: { nullable: false },
    nodeFieldOptions: { nullable: false },
    nodesOnConnection: true,
    encodeGlobalID,
    decodeGlobalID,
  },
});

builder.queryType({});
