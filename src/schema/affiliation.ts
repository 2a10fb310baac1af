import type { Affiliation } from '../model.js';
import { builder } from './builder.js';
import { CompanyRef } from './company.js';

export const AffiliationRef = builder.objectRef<Affiliation>('Affiliation').implement({
  fields: (t) => ({
    company: t.expose('company', { type: CompanyRef }),
    title: t.exposeString('title', { nullable: true }),
    role: t.exposeString('role', { nullable: true }),
    department: t.exposeString('department', { nullable: true }),
    description: t.exposeString('description', { nullable: true }),
    isCurrent: t.exposeBoolean('isCurrent'),
    startDate: t.expose('startDate', { type: 'LocalDate', nullable: true }),
    endDate: t.expose('endDate', { type: 'LocalDate', nullable: true }),
  }),
});
