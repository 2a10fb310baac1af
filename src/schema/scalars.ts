import { GraphQLScalarType } from 'graphql';
import {
  CountryCodeResolver,
  DateTimeResolver,
  JSONObjectResolver,
  LatitudeResolver,
  LocalDateResolver,
  LongitudeResolver,
  URLResolver,
} from 'graphql-scalars';
import { GatewayError } from '../errors.js';
import { jsonObject } from '../values.js';
import { builder } from './builder.js';

// The contract's scalars, from graphql-scalars. Mappers only hand them values that pass (src/values.ts), so a messy
// upstream value is null in the answer without an error. What is left here is the last line: a value that still fails
// an output scalar (a bug of ours) answers UPSTREAM_BAD_RESPONSE at its path. Without it, graphql-scalars' own error
// would reach the caller as BAD_USER_INPUT, its message quoting the upstream value. Inputs (arguments, variables) keep
// graphql-scalars' behaviour: a bad input is the caller's.

/**
 * `scalar` with an output serialiser that never blames the caller or quotes the value: a value it rejects throws
 * UPSTREAM_BAD_RESPONSE ("… could not be represented as <Name>.").
 */
export function guardedOutput(scalar: GraphQLScalarType, clean?: (value: unknown) => unknown): GraphQLScalarType {
  const config = scalar.toConfig();
  const serialize = config.serialize;
  return new GraphQLScalarType({
    ...config,
    serialize(value) {
      try {
        return serialize(clean ? clean(value) : value);
      } catch {
        throw new GatewayError(
          'UPSTREAM_BAD_RESPONSE',
          `A value from a source could not be represented as ${scalar.name}.`,
        );
      }
    },
  });
}

/** `value` when `scalar` can write it, else null: for nullable fields, where a bad value is null without an error. */
export function representable<T>(scalar: GraphQLScalarType, value: T | null | undefined): T | null {
  if (value === null || value === undefined) return null;
  try {
    scalar.serialize(value);
    return value;
  } catch {
    return null;
  }
}

builder.addScalarType('DateTime', guardedOutput(DateTimeResolver));
builder.addScalarType('LocalDate', guardedOutput(LocalDateResolver));
// Nesting is cut at MAX_JSON_DEPTH here too (jsonObject is the same object when nothing is cut), so no JSONObject
// field can make the answer too deep to write.
builder.addScalarType(
  'JSONObject',
  guardedOutput(JSONObjectResolver, (value) =>
    typeof value === 'object' && value !== null && !Array.isArray(value) ? jsonObject(value) : value,
  ),
);
builder.addScalarType('URL', guardedOutput(URLResolver));
builder.addScalarType('CountryCode', guardedOutput(CountryCodeResolver));
builder.addScalarType('Latitude', guardedOutput(LatitudeResolver));
builder.addScalarType('Longitude', guardedOutput(LongitudeResolver));
