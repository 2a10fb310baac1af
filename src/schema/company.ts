import type { Company } from '../model.js';
import { builder } from './builder.js';
import { nodeKey } from './ids.js';
import { SourceEnum } from './source.js';

export const CompanyRef = builder.objectRef<Company>('Company');

builder.node(CompanyRef, {
  id: { resolve: (company) => nodeKey(company.source, company.sourceId) },
  fields: (t) => ({
    source: t.expose('source', { type: SourceEnum }),
    sourceId: t.exposeString('sourceId'),
    name: t.exposeString('name'),
    website: t.expose('website', { type: 'URL', nullable: true }),
    industry: t.exposeString('industry', { nullable: true }),
    size: t.exposeInt('size', { nullable: true }),
    createdAt: t.expose('createdAt', { type: 'DateTime', nullable: true }),
    updatedAt: t.expose('updatedAt', { type: 'DateTime', nullable: true }),
    customAttributes: t.expose('customAttributes', { type: 'JSONObject' }),
  }),
});
