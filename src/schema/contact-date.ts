import type { ContactDate, ContactDateType } from '../model.js';
import { builder } from './builder.js';

const ContactDateTypeEnum = builder.enumType('ContactDateType', {
  values: ['BIRTHDAY', 'ANNIVERSARY', 'OTHER'] as const satisfies readonly ContactDateType[],
});

export const ContactDateRef = builder.objectRef<ContactDate>('ContactDate').implement({
  fields: (t) => ({
    type: t.expose('type', { type: ContactDateTypeEnum }),
    sourceType: t.exposeString('sourceType'),
    label: t.exposeString('label', { nullable: true }),
    day: t.exposeInt('day', { nullable: true }),
    month: t.exposeInt('month', { nullable: true }),
    year: t.exposeInt('year', { nullable: true }),
    date: t.expose('date', {
      type: 'LocalDate',
      nullable: true,
      description: 'Set when day, month and year are all known.',
    }),
  }),
});
