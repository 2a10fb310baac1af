import { describe, expect, it } from 'vitest';
import { GatewayError } from '../src/errors.js';
import type { Contact, ContactPage, Source } from '../src/model.js';
import { type ListPage, walk } from '../src/paging.js';

/** A source of `count` records paged by offset cursors, answering at most `max` per page, counting its calls. */
function fakeSource(source: Source, count: number, max: number) {
  const calls: { limit: number; cursor: string | null }[] = [];
  const list = async (limit: number, cursor: string | null): Promise<ContactPage> => {
    calls.push({ limit, cursor });
    const start = cursor ? Number(cursor) : 0;
    const end = Math.min(start + Math.min(limit, max), count);
    const items = Array.from(
      { length: end - start },
      (_, i) => ({ source, sourceId: `${source}-${start + i}` }) as Contact,
    );
    return { items, nextCursor: end < count ? String(end) : null };
  };
  return { calls, list };
}

async function walkAll(first: number, sizes: Record<Source, [number, number]>) {
  const fakes = {
    BACKSIDE: fakeSource('BACKSIDE', ...sizes.BACKSIDE),
    INTERCOM: fakeSource('INTERCOM', ...sizes.INTERCOM),
  };
  const list: ListPage = (source, limit, cursor) => fakes[source].list(limit, cursor);
  const seen: string[] = [];
  let after: string | null = null;
  let pages = 0;
  for (;;) {
    const page = await walk({ sources: ['BACKSIDE', 'INTERCOM'], first, after, filterKey: '' }, list);
    seen.push(...page.edges.map((edge) => edge.node.sourceId));
    pages += 1;
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
    if (pages > 1000) throw new Error('walk does not end');
  }
  return { seen, pages, calls: fakes.BACKSIDE.calls.length + fakes.INTERCOM.calls.length };
}

describe('walking several sources behind one cursor', () => {
  it.each([1, 3, 7, 20, 50, 100])('returns every record exactly once with first=%i', async (first) => {
    const { seen } = await walkAll(first, { BACKSIDE: [23, 10], INTERCOM: [31, 7] });
    expect(seen).toHaveLength(54);
    expect(new Set(seen).size).toBe(54);
    expect(seen.slice(0, 23).every((id) => id.startsWith('BACKSIDE'))).toBe(true);
  });

  it('costs one upstream call per page when pages align with the upstream', async () => {
    const { calls, pages } = await walkAll(10, { BACKSIDE: [30, 100], INTERCOM: [20, 100] });
    expect(pages).toBe(5);
    expect(calls).toBe(5);
  });

  it('copes with an empty source', async () => {
    const { seen } = await walkAll(5, { BACKSIDE: [0, 10], INTERCOM: [6, 10] });
    expect(seen).toEqual(['INTERCOM-0', 'INTERCOM-1', 'INTERCOM-2', 'INTERCOM-3', 'INTERCOM-4', 'INTERCOM-5']);
  });

  it('rejects a cursor that does not decode, one from another list, and first outside 1..100', async () => {
    const list: ListPage = async () => {
      throw new Error('no upstream call expected');
    };
    const run = (after: string | null, first = 5, sources: Source[] = ['BACKSIDE']) =>
      walk({ sources, first, after, filterKey: '' }, list);
    await expect(run('not-a-cursor')).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    const fake = fakeSource('BACKSIDE', 10, 10);
    const page = await walk({ sources: ['BACKSIDE'], first: 2, after: null, filterKey: '' }, (_s, l, c) =>
      fake.list(l, c),
    );
    await expect(run(page.pageInfo.endCursor, 5, ['INTERCOM'])).rejects.toBeInstanceOf(GatewayError);
    await expect(
      walk({ sources: ['BACKSIDE'], first: 2, after: page.pageInfo.endCursor, filterKey: 'other' }, list),
    ).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(run(null, 0)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
    await expect(run(null, 101)).rejects.toMatchObject({ code: 'BAD_USER_INPUT' });
  });
});
