import { CountryCodeResolver, LatitudeResolver, LongitudeResolver } from 'graphql-scalars';
import type { Address } from '../model.js';
import { builder } from './builder.js';
import { representable } from './scalars.js';

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
    // Values come checked (src/values.ts); one that still fails its scalar is null here, never an error.
    countryCode: t.field({
      type: 'CountryCode',
      nullable: true,
      description:
        "ISO 3166-1 alpha-2: the source's code (UK read as GB; a code that names no country, such as EU, is null), " +
        "or when the source gives none, the code of the country it names ('Ireland' is IE).",
      resolve: (address) => representable(CountryCodeResolver, address.countryCode),
    }),
    latitude: t.field({
      type: 'Latitude',
      nullable: true,
      resolve: (address) => representable(LatitudeResolver, address.latitude),
    }),
    longitude: t.field({
      type: 'Longitude',
      nullable: true,
      resolve: (address) => representable(LongitudeResolver, address.longitude),
    }),
    isPrimary: t.exposeBoolean('isPrimary'),
    formatted: t.exposeString('formatted', { description: "One line, the non-empty parts joined with ', '." }),
  }),
});
