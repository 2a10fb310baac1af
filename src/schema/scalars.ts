import {
  CountryCodeResolver,
  DateTimeResolver,
  JSONObjectResolver,
  LatitudeResolver,
  LocalDateResolver,
  LongitudeResolver,
  URLResolver,
} from 'graphql-scalars';
import { builder } from './builder.js';

// The contract's scalars, from graphql-scalars. Mappers only hand them values that pass (src/values.ts).
builder.addScalarType('DateTime', DateTimeResolver);
builder.addScalarType('LocalDate', LocalDateResolver);
builder.addScalarType('JSONObject', JSONObjectResolver);
builder.addScalarType('URL', URLResolver);
builder.addScalarType('CountryCode', CountryCodeResolver);
builder.addScalarType('Latitude', LatitudeResolver);
builder.addScalarType('Longitude', LongitudeResolver);
