import type { Address } from '../model.js';
import { builder } from './builder.js';

export const AddressRef = builder.objectRef<Address>('Address').implement({
  fields: (t) => ({
    id: t.exposeID('id'),
    label: t.exposeString('label', { nullable: true }),
    street: t.exposeString('street', { nullable: true }),
    extended: t.exposeString('extended', { nullable: true }),
    poBox: t.exposeString('poBox', { nullable: true }),
    city: t.exposeString('city', { nullable: true }),
    region: t.exposeString('region', { nullable: true }),
    postalCode: t.exposeString('postalCode', { nullable: true }),
    country: t.exposeString('country', { nullable: true }),
    countryCode: t.expose('countryCode', { type: 'CountryCode', nullable: true }),
    latitude: t.expose('latitude', { type: 'Latitude', nullable: true }),
    longitude: t.expose('longitude', { type: 'Longitude', nullable: true }),
    isPrimary: t.exposeBoolean('isPrimary'),
    formatted: t.exposeString('formatted', { description: "One line, the non-empty parts joined with ', '." }),
  }),
});
