import type { Channel, ChannelType } from '../model.js';
import { builder } from './builder.js';

export const ChannelTypeEnum = builder.enumType('ChannelType', {
  values: ['EMAIL', 'PHONE', 'SOCIAL', 'WEBSITE', 'OTHER'] as const satisfies readonly ChannelType[],
});

export const ChannelRef = builder.objectRef<Channel>('Channel').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    type: t.expose('type', { type: ChannelTypeEnum }),
    sourceType: t.exposeString('sourceType', {
      description: "The source's own word for it: email, phone, twitter, linkedin, custom, Twitter, …",
    }),
    label: t.exposeString('label', { nullable: true }),
    value: t.exposeString('value'),
    canonicalValue: t.exposeString('canonicalValue', {
      nullable: true,
      description:
        'Email: trimmed and lowercased. Phone: E.164, with an extension as RFC 3966 `;ext=` (+12025550123;ext=42); ' +
        'national numbers read in the record’s country or the configured region. Null when it does not parse.',
    }),
    isPrimary: t.exposeBoolean('isPrimary'),
    isVerified: t.exposeBoolean('isVerified', { nullable: true }),
    preferenceOrder: t.exposeInt('preferenceOrder', { nullable: true }),
  }),
});
