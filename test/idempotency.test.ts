// Idempotency keys (issue 12): the first result replayed for 24 hours per caller, mutation and key; other input is a
// conflict; concurrent calls with one key write once; failures are not kept; the store is bounded in bytes.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IDEMPOTENCY } from '../src/defaults.js';
import { type IdempotencyScope, inputDigest, MemoryIdempotencyStore } from '../src/writes/idempotency.js';

const scope = (key = 'key-1', caller = 'caller-a', mutation = 'createContact'): IdempotencyScope => ({
  caller,
  mutation,
  key,
});

/** An execute function that counts its runs and answers a fresh result each time. */
function counter() {
  let runs = 0;
  const execute = async () => ({ contact: { id: `c${++runs}` }, userErrors: [] as unknown[] });
  return { execute, runs: () => runs };
}

describe('MemoryIdempotencyStore', () => {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('runs the first call and replays its result for the same input', async () => {
    const store = new MemoryIdempotencyStore();
    const { execute, runs } = counter();
    expect(await store.run(scope(), 'd1', execute)).toEqual({
      conflict: false,
      value: { contact: { id: 'c1' }, userErrors: [] },
      replayed: false,
    });
    expect(await store.run(scope(), 'd1', execute)).toEqual({
      conflict: false,
      value: { contact: { id: 'c1' }, userErrors: [] },
      replayed: true,
    });
    expect(runs()).toBe(1);
  });

  it('answers a conflict for other input, without running', async () => {
    const store = new MemoryIdempotencyStore();
    const { execute, runs } = counter();
    await store.run(scope(), 'd1', execute);
    expect(await store.run(scope(), 'd2', execute)).toEqual({ conflict: true });
    expect(runs()).toBe(1);
  });

  it('keeps keys apart per caller and per mutation', async () => {
    const store = new MemoryIdempotencyStore();
    const { execute, runs } = counter();
    await store.run(scope('k', 'a', 'createContact'), 'd', execute);
    await store.run(scope('k', 'b', 'createContact'), 'd', execute);
    await store.run(scope('k', 'a', 'copyContact'), 'd', execute);
    expect(runs()).toBe(3);
    // Parts are not concatenated ambiguously.
    await store.run(scope('x', 'a:b', 'm'), 'd', execute);
    await store.run(scope('b:x', 'a', 'm'), 'd', execute);
    expect(runs()).toBe(5);
  });

  it('keeps userErrors results like any other', async () => {
    const store = new MemoryIdempotencyStore();
    let runs = 0;
    const execute = async () => {
      runs++;
      return { contact: null, userErrors: [{ field: ['input', 'email'], message: 'Taken.', code: 'TAKEN' }] };
    };
    await store.run(scope(), 'd', execute);
    const again = await store.run(scope(), 'd', execute);
    expect(again).toMatchObject({ replayed: true, value: { userErrors: [{ code: 'TAKEN' }] } });
    expect(runs).toBe(1);
  });

  it('forgets a result after 24 hours', async () => {
    const store = new MemoryIdempotencyStore();
    const { execute, runs } = counter();
    await store.run(scope(), 'd1', execute);
    vi.advanceTimersByTime(IDEMPOTENCY.ttlMs - 1000);
    expect(await store.run(scope(), 'd1', execute)).toMatchObject({ replayed: true });
    expect(await store.run(scope(), 'd2', execute)).toEqual({ conflict: true });
    vi.advanceTimersByTime(1001);
    // Expired: the key is free again, for any input.
    expect(await store.run(scope(), 'd2', execute)).toMatchObject({
      replayed: false,
      value: { contact: { id: 'c2' } },
    });
    expect(runs()).toBe(2);
  });

  it('honours a shorter TTL', async () => {
    const store = new MemoryIdempotencyStore({ ttlMs: 1000 });
    const { execute, runs } = counter();
    await store.run(scope(), 'd', execute);
    vi.advanceTimersByTime(1001);
    await store.run(scope(), 'd', execute);
    expect(runs()).toBe(2);
  });

  it('does not keep a thrown failure: the next call runs again', async () => {
    const store = new MemoryIdempotencyStore();
    let runs = 0;
    const execute = async () => {
      runs++;
      if (runs === 1) throw new Error('Intercom is unavailable.');
      return { ok: true };
    };
    await expect(store.run(scope(), 'd', execute)).rejects.toThrow('Intercom is unavailable.');
    expect(await store.run(scope(), 'd', execute)).toEqual({ conflict: false, value: { ok: true }, replayed: false });
    expect(runs).toBe(2);
    expect(store.size).toBe(1);
  });

  it('makes a concurrent call with the same key wait for the first and share its result', async () => {
    const store = new MemoryIdempotencyStore();
    let runs = 0;
    let finish!: (value: { id: string }) => void;
    const execute = () => {
      runs++;
      return new Promise<{ id: string }>((resolve) => {
        finish = resolve;
      });
    };
    const first = store.run(scope(), 'd', execute);
    const second = store.run(scope(), 'd', execute);
    const other = store.run(scope(), 'other', execute);
    expect(await other).toEqual({ conflict: true });
    await vi.advanceTimersByTimeAsync(0);
    finish({ id: 'c1' });
    expect(await first).toEqual({ conflict: false, value: { id: 'c1' }, replayed: false });
    expect(await second).toEqual({ conflict: false, value: { id: 'c1' }, replayed: true });
    expect(runs).toBe(1);
  });

  it('passes the first call’s failure to a concurrent one, then lets a later call run', async () => {
    const store = new MemoryIdempotencyStore();
    let runs = 0;
    const execute = async () => {
      runs++;
      await new Promise((resolve) => setTimeout(resolve, 10));
      if (runs === 1) throw new Error('timeout');
      return 'done';
    };
    const first = store.run(scope(), 'd', execute);
    const second = store.run(scope(), 'd', execute);
    const settled = Promise.allSettled([first, second]);
    await vi.advanceTimersByTimeAsync(10);
    const [a, b] = await settled;
    expect(a).toMatchObject({ status: 'rejected', reason: { message: 'timeout' } });
    expect(b).toMatchObject({ status: 'rejected', reason: { message: 'timeout' } });
    const third = store.run(scope(), 'd', execute);
    await vi.advanceTimersByTimeAsync(10);
    expect(await third).toEqual({ conflict: false, value: 'done', replayed: false });
    expect(runs).toBe(2);
  });

  it('replays copies: changing a replayed value changes nothing kept', async () => {
    const store = new MemoryIdempotencyStore();
    await store.run(scope(), 'd', async () => ({ list: [1] }));
    const replay = await store.run(scope(), 'd', async () => ({ list: [2] }));
    if (replay.conflict) throw new Error('conflict');
    replay.value.list.push(9);
    expect(await store.run(scope(), 'd', async () => ({ list: [3] }))).toMatchObject({ value: { list: [1] } });
  });

  it('stays within its byte bound, dropping the least recently used', async () => {
    const store = new MemoryIdempotencyStore({ maxBytes: 2000 });
    const big = 'x'.repeat(400);
    for (let i = 0; i < 20; i++) await store.run(scope(`k${i}`), 'd', async () => ({ big }));
    expect(store.size).toBeLessThanOrEqual(4);
    // The newest is kept, the oldest dropped (it would run again).
    expect(await store.run(scope('k19'), 'd', async () => ({ big: 'new' }))).toMatchObject({ replayed: true });
    expect(await store.run(scope('k0'), 'd', async () => ({ big: 'new' }))).toMatchObject({ replayed: false });
    // A result larger than the whole bound is answered, not kept.
    const huge = await store.run(scope('huge'), 'd', async () => 'y'.repeat(5000));
    expect(huge).toMatchObject({ replayed: false });
    expect(await store.run(scope('huge'), 'd', async () => 'z')).toMatchObject({ value: 'z', replayed: false });
  });
});

describe('inputDigest', () => {
  it('ignores key order, clientMutationId, idempotencyKey and undefined members', () => {
    const a = inputDigest({ source: 'INTERCOM', email: 'a@b.c', idempotencyKey: 'k1', clientMutationId: 'm1' });
    const b = inputDigest({ email: 'a@b.c', source: 'INTERCOM', idempotencyKey: 'k2', name: undefined });
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('sorts nested keys, and tells other input, and null from absent, apart', () => {
    expect(inputDigest({ customAttributes: { a: 1, b: { c: 2, d: 3 } } })).toBe(
      inputDigest({ customAttributes: { b: { d: 3, c: 2 }, a: 1 } }),
    );
    expect(inputDigest({ email: 'a@b.c' })).not.toBe(inputDigest({ email: 'a@b.d' }));
    expect(inputDigest({ name: null })).not.toBe(inputDigest({}));
    expect(inputDigest({ list: [1, 2] })).not.toBe(inputDigest({ list: [2, 1] }));
  });

  it('reads a URL (the URL scalar) as its href', () => {
    expect(inputDigest({ avatarUrl: new URL('https://example.com/a.png') })).toBe(
      inputDigest({ avatarUrl: 'https://example.com/a.png' }),
    );
  });
});
