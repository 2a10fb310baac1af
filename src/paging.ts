// One list over several sources behind one opaque cursor. Each source pages with its own cursor; ours records which
// source we are in, that source's cursor for the page we are in, and how many items of that page were already given.
import { GatewayError } from './errors.js';
import type { Contact, ContactPage, Source } from './model.js';

export const MAX_FIRST = 100;
/** A walk that makes no progress after this many upstream pages stops rather than spin. */
const MAX_PAGES_PER_CALL = 10;
/** A source's own cursor inside ours is opaque, but it is text (no lone surrogate) and not absurdly long. */
const MAX_SOURCE_CURSOR = 2048;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

interface CursorState {
  /** Index into the walked sources. */
  i: number;
  /** The source's cursor for the page the next item is on; null for its first page. */
  c: string | null;
  /** Items of that page already given. */
  k: number;
  /** The walked sources and the filter: a cursor is only good for the list it came from. */
  s: string;
  f: string;
}

export interface PageRequest {
  sources: Source[];
  first: number;
  after: string | null | undefined;
  /** A stable text of the filter (empty for none). */
  filterKey: string;
  /**
   * When the request's upstream budget ends (epoch ms). Each source the walk may still visit gets an equal share of
   * what is left, so a source that hangs cannot spend the budget of the ones after it.
   */
  deadline?: number | undefined;
}

export interface Edge {
  cursor: string;
  node: Contact;
}

export interface PageResult {
  edges: Edge[];
  pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
}

/** One page of one source; its upstream calls give up at `deadline` (epoch ms) when one is given. */
export type ListPage = (
  source: Source,
  limit: number,
  cursor: string | null,
  deadline: number | undefined,
) => Promise<ContactPage>;

export function validateFirst(first: number): void {
  if (!Number.isInteger(first) || first < 1 || first > MAX_FIRST) {
    throw GatewayError.badInput(`"first" must be between 1 and ${MAX_FIRST}.`);
  }
}

function encode(state: CursorState): string {
  return Buffer.from(JSON.stringify([state.i, state.c, state.k, state.s, state.f])).toString('base64url');
}

export function decodeCursor(after: string, sourcesKey: string, filterKey: string): CursorState {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(after, 'base64url').toString());
  } catch {
    parsed = undefined;
  }
  if (
    !Array.isArray(parsed) ||
    parsed.length !== 5 ||
    !Number.isInteger(parsed[0]) ||
    parsed[0] < 0 ||
    !(
      parsed[1] === null ||
      (typeof parsed[1] === 'string' && parsed[1].length <= MAX_SOURCE_CURSOR && !LONE_SURROGATE.test(parsed[1]))
    ) ||
    !Number.isInteger(parsed[2]) ||
    parsed[2] < 0 ||
    typeof parsed[3] !== 'string' ||
    typeof parsed[4] !== 'string'
  ) {
    throw GatewayError.badInput('"after" is not a cursor this gateway gave out.');
  }
  const [i, c, k, s, f] = parsed as [number, string | null, number, string, string];
  if (s !== sourcesKey || f !== filterKey) {
    throw GatewayError.badInput('"after" is a cursor of a different list: use it with the same sources and filter.');
  }
  // Past the last source is where a finished walk's cursor points; further is no cursor of ours.
  if (i > s.split(',').length) throw GatewayError.badInput('"after" is not a cursor this gateway gave out.');
  return { i, c, k, s, f };
}

/** The deadline of a page of source `i`: an equal share of what is left of the budget among the sources left. */
function share(request: PageRequest, i: number): number | undefined {
  if (request.deadline === undefined) return undefined;
  const now = Date.now();
  return now + Math.max(0, request.deadline - now) / (request.sources.length - i);
}

/**
 * Walk the sources in order from `after`, collecting `first` contacts. A source that fails is reported to `onFailure`
 * and skipped so the others still answer; when every source fails, the page is empty (the failures say why). Without
 * `onFailure`, a failure is thrown.
 *
 * A walk also stops after MAX_PAGES_PER_CALL upstream pages (a filter finished here may leave pages without a match);
 * whenever `hasNextPage` is true, `endCursor` resumes where the walk stopped, so a client following it gets every
 * contact and finally `hasNextPage: false`, however sparse the matches.
 */
export async function walk(
  request: PageRequest,
  list: ListPage,
  onFailure?: (error: GatewayError) => void,
): Promise<PageResult> {
  validateFirst(request.first);
  const s = request.sources.join(',');
  const f = request.filterKey;
  let state: CursorState = request.after ? decodeCursor(request.after, s, f) : { i: 0, c: null, k: 0, s, f };
  const edges: Edge[] = [];
  const failures: GatewayError[] = [];
  let pages = 0;
  while (edges.length < request.first && state.i < request.sources.length && pages < MAX_PAGES_PER_CALL) {
    const source = request.sources[state.i] as Source;
    const need = request.first - edges.length;
    let page: ContactPage;
    try {
      page = await list(source, state.k + need, state.c, share(request, state.i));
    } catch (error) {
      if (!(error instanceof GatewayError) || !error.source || !onFailure) throw error;
      failures.push(error);
      state = { i: state.i + 1, c: null, k: 0, s, f };
      continue;
    }
    pages += 1;
    const { i, c, k } = state;
    const taken = page.items.slice(k, k + need);
    // Where the walk goes after this page's last item: the source's next page, else the next source.
    const afterPage: CursorState = page.nextCursor
      ? { i, c: page.nextCursor, k: 0, s, f }
      : { i: i + 1, c: null, k: 0, s, f };
    taken.forEach((node, index) => {
      const position = k + index + 1;
      const next = position >= page.items.length ? afterPage : { i, c, k: position, s, f };
      edges.push({ cursor: encode(next), node });
    });
    const consumed = k + taken.length;
    if (consumed < page.items.length) {
      state = { i, c, k: consumed, s, f };
    } else if (page.nextCursor === c && taken.length === 0) {
      // An upstream that hands back the cursor it was given would loop forever: treat the source as done.
      state = { i: i + 1, c: null, k: 0, s, f };
    } else {
      state = afterPage;
    }
  }
  for (const failure of failures) onFailure?.(failure);
  const hasNextPage = state.i < request.sources.length;
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: false,
      startCursor: edges[0]?.cursor ?? null,
      // Where the walk stopped: past the last edge, or further on when pages after it held nothing to give. The same
      // as the last edge's cursor whenever the walk stopped because the page was full.
      endCursor: hasNextPage ? encode(state) : (edges.at(-1)?.cursor ?? null),
    },
  };
}
