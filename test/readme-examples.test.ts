// The README's GraphQL examples are documents of this schema: every ```graphql block parses and validates, so the README
// cannot drift from the schema again. A block of SDL (type definitions, e.g. the federation `type Contact @key …`) is
// not an operation and is skipped, as is a block after an `<!-- readme-examples: skip -->` line.
import { readFileSync } from 'node:fs';
import { Kind, parse, validate } from 'graphql';
import { describe, expect, it } from 'vitest';
import { schema } from '../src/schema/index.js';

const README = readFileSync(new URL('../README.md', import.meta.url), 'utf8');

/** Each ```graphql block (indented ones too, as in lists): its first line's number and its text. */
function graphqlBlocks(markdown: string): { line: number; text: string; skipped: boolean }[] {
  const blocks: { line: number; text: string; skipped: boolean }[] = [];
  const lines = markdown.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const open = /^(\s*)```graphql\s*$/.exec(lines[i] as string);
    if (!open) continue;
    const indent = open[1]?.length ?? 0;
    const body: string[] = [];
    let j = i + 1;
    for (; j < lines.length && !/^\s*```\s*$/.test(lines[j] as string); j++)
      body.push((lines[j] as string).slice(indent));
    const skipped = /<!--\s*readme-examples:\s*skip\s*-->/.test(lines[i - 1] ?? '');
    blocks.push({ line: i + 1, text: body.join('\n'), skipped });
    i = j;
  }
  return blocks;
}

const isSdl = (text: string) =>
  parse(text).definitions.some(
    (definition) => definition.kind !== Kind.OPERATION_DEFINITION && definition.kind !== Kind.FRAGMENT_DEFINITION,
  );

describe('README.md GraphQL examples', () => {
  const blocks = graphqlBlocks(README);

  it('has the examples this test is for (Example queries, Writes, Subscriptions)', () => {
    expect(blocks.filter((block) => !block.skipped && !isSdl(block.text)).length).toBeGreaterThanOrEqual(3);
  });

  for (const block of blocks) {
    it.skipIf(block.skipped)(`README.md:${block.line} parses and validates against the schema`, () => {
      const document = parse(block.text);
      if (isSdl(block.text)) return; // type definitions: nothing to validate against the schema
      // A block may hold several examples, each pasted on its own (anonymous operations): each is validated alone,
      // with the block's fragments.
      const fragments = document.definitions.filter((definition) => definition.kind === Kind.FRAGMENT_DEFINITION);
      const operations = document.definitions.filter((definition) => definition.kind === Kind.OPERATION_DEFINITION);
      expect(operations.length).toBeGreaterThan(0);
      for (const operation of operations) {
        const alone = { ...document, definitions: [operation, ...fragments] };
        expect(validate(schema, alone).map((error) => `${error.message} (${error.locations?.[0]?.line})`)).toEqual([]);
      }
    });
  }
});
