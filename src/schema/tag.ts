import type { Tag } from '../model.js';
import { builder } from './builder.js';
import { nodeKey } from './ids.js';
import { SourceEnum } from './source.js';

export const TagRef = builder.objectRef<Tag>('Tag');

builder.node(TagRef, {
  id: { resolve: (tag) => nodeKey(tag.source, tag.sourceId) },
  fields: (t) => ({
    source: t.expose('source', { type: SourceEnum }),
    sourceId: t.exposeString('sourceId'),
    name: t.exposeString('name'),
    color: t.exposeString('color', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
  }),
});
