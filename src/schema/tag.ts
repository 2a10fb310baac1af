import type { Tag } from '../model.js';
import { builder } from './builder.js';
import { nodeKey, parseNodeKey } from './ids.js';
import { SourceEnum } from './source.js';

export const TagRef = builder.objectRef<Tag>('Tag');

builder.node(TagRef, {
  id: { resolve: (tag) => nodeKey(tag.source, tag.sourceId) },
  loadOne: (key, ctx) => {
    const { source, ids } = parseNodeKey(key);
    return ctx.sources.get(source).tag(ids[0] as string);
  },
  fields: (t) => ({
    source: t.expose('source', { type: SourceEnum }),
    sourceId: t.exposeString('sourceId'),
    name: t.exposeString('name'),
    color: t.exposeString('color', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
  }),
});
