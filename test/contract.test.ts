// The public API is shared/design/contract.graphql, extended by contract-writes.graphql and contract-events.graphql (read together, as one
// document): every type, field, argument, input field, default and enum value there must exist in the gateway's
// schema with exactly the same type. The printed schema.graphql must match the Pothos schema.
import { readFileSync } from 'node:fs';
import {
  buildSchema,
  type GraphQLNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  printSchema,
} from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';

const CONTRACT_FILES = ['contract.graphql', 'contract-writes.graphql', 'contract-events.graphql'];
const contract = buildSchema(
  CONTRACT_FILES.map((file) => readFileSync(new URL(`../../shared/design/${file}`, import.meta.url), 'utf8')).join(
    '\n',
  ),
);

/** Contract parts marked (lists) that a later issue delivers; empty once they exist. */
const PENDING = new Set<string>([]);

function contractTypes(): GraphQLNamedType[] {
  return Object.values(contract.getTypeMap()).filter((type) => !type.name.startsWith('__') && !PENDING.has(type.name));
}

describe('the public contract', () => {
  it.each(contractTypes().map((type) => [type.name, type] as const))('%s is served as promised', (name, promised) => {
    const served = schema.getType(name);
    expect(served, `type ${name}`).toBeDefined();
    expect(served?.constructor.name).toBe(promised.constructor.name);
    if ((isObjectType(promised) || isInterfaceType(promised)) && (isObjectType(served) || isInterfaceType(served))) {
      expect(served.getInterfaces().map((i) => i.name)).toEqual(
        expect.arrayContaining(promised.getInterfaces().map((i) => i.name)),
      );
      for (const field of Object.values(promised.getFields())) {
        if (PENDING.has(`${name}.${field.name}`)) continue;
        const mine = served.getFields()[field.name];
        expect(mine, `${name}.${field.name}`).toBeDefined();
        expect(String(mine?.type), `${name}.${field.name}`).toBe(String(field.type));
        for (const arg of field.args) {
          const myArg = mine?.args.find((candidate) => candidate.name === arg.name);
          expect(String(myArg?.type), `${name}.${field.name}(${arg.name})`).toBe(String(arg.type));
          expect(myArg?.defaultValue, `${name}.${field.name}(${arg.name}) default`).toEqual(arg.defaultValue);
        }
      }
    }
    if (isEnumType(promised) && isEnumType(served)) {
      expect(served.getValues().map((v) => v.name)).toEqual(
        expect.arrayContaining(promised.getValues().map((v) => v.name)),
      );
    }
    if (isInputObjectType(promised) && isInputObjectType(served)) {
      for (const field of Object.values(promised.getFields())) {
        const mine = served.getFields()[field.name];
        expect(String(mine?.type), `${name}.${field.name}`).toBe(String(field.type));
        expect(mine?.defaultValue, `${name}.${field.name} default`).toEqual(field.defaultValue);
      }
    }
  });

  it('serves the write API: every mutation of contract-writes.graphql', () => {
    const promised = Object.keys(contract.getMutationType()?.getFields() ?? {});
    expect(promised.length).toBeGreaterThan(10);
    expect(Object.keys(schema.getMutationType()?.getFields() ?? {})).toEqual(expect.arrayContaining(promised));
  });

  it('schema.graphql is the printed Pothos schema (run `npm run schema:print` after a schema change)', () => {
    const checkedIn = readFileSync(new URL('../schema.graphql', import.meta.url), 'utf8');
    expect(checkedIn).toBe(`${printSchema(schema)}\n`);
  });
});
