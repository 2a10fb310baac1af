import { SOURCES, type Source } from '../model.js';
import { builder } from './builder.js';

export const SourceEnum = builder.enumType('Source', {
  description: 'Where a record lives upstream.',
  values: SOURCES,
});

const SourceInfo = builder.objectRef<{ source: Source; configured: boolean }>('SourceInfo').implement({
  fields: (t) => ({
    source: t.expose('source', { type: SourceEnum }),
    configured: t.exposeBoolean('configured'),
  }),
});

builder.queryField('sources', (t) =>
  t.field({
    type: [SourceInfo],
    description: 'Which sources this gateway is configured for.',
    resolve: (_root, _args, ctx) => SOURCES.map((source) => ({ source, configured: ctx.sources.isConfigured(source) })),
  }),
);
