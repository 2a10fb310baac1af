// A second federation subgraph, as another team would write it: an orders service that adds `orders` to the
// gateway's Contact entity and points each order at its customer (a Contact reference the gateway resolves through
// `_entities`). Built with Pothos' federation plugin and served by graphql-yoga on a free loopback port.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import SchemaBuilder from '@pothos/core';
import DirectivePlugin from '@pothos/plugin-directives';
import FederationPlugin from '@pothos/plugin-federation';
import { createYoga } from 'graphql-yoga';

export interface Order {
  id: string;
  /** Cents. */
  total: number;
  /** The customer's global Contact id, as the contact gateway gives it out. */
  customerId: string;
}

export interface OrdersSubgraph {
  url: string;
  /** The subgraph's SDL as a composer reads it (`_service { sdl }`). */
  sdl(): Promise<string>;
  close(): Promise<void>;
}

export async function startOrdersSubgraph(orders: Order[]): Promise<OrdersSubgraph> {
  const builder = new SchemaBuilder<{ DefaultFieldNullability: false }>({
    plugins: [DirectivePlugin, FederationPlugin],
    defaultFieldNullability: false,
  });
  const OrderRef = builder.objectRef<Order>('Order');
  // Contact lives in the contact gateway; this subgraph only knows its key and adds a field.
  const ContactRef = builder.externalRef('Contact', builder.selection<{ id: string }>('id'));
  ContactRef.implement({
    externalFields: (t) => ({ id: t.id() }),
    fields: (t) => ({
      orders: t.field({
        type: [OrderRef],
        resolve: (contact) => orders.filter((order) => order.customerId === contact.id),
      }),
    }),
  });
  OrderRef.implement({
    fields: (t) => ({
      id: t.exposeID('id'),
      total: t.exposeInt('total'),
      customer: t.field({ type: ContactRef, resolve: (order) => ({ id: order.customerId }) }),
    }),
  });
  builder.queryType({
    fields: (t) => ({
      orders: t.field({
        type: [OrderRef],
        args: { first: t.arg.int({ required: true }) },
        resolve: (_root, args) => orders.slice(0, args.first),
      }),
    }),
  });
  const yoga = createYoga({
    schema: builder.toSubGraphSchema({ linkUrl: 'https://specs.apollo.dev/federation/v2.6' }),
    logging: false,
  });
  const server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  return {
    url,
    async sdl() {
      const response = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ query: '{ _service { sdl } }' }),
      });
      return ((await response.json()) as { data: { _service: { sdl: string } } }).data._service.sdl;
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}
