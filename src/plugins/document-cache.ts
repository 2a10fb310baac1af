import { BREAK, type DocumentNode, type Token, visit } from 'graphql';
import { LRUCache } from 'lru-cache';
import { DOCUMENT_CACHE_MAX_BYTES } from '../defaults.js';
import { expandedFieldCount } from './use-expansion-limit.js';

export interface DocumentCacheOptions {
  /**
   * Estimated bytes of heap the kept documents may hold, everything that lives as long as a kept document counted:
   * its text, its syntax tree, its validation result and, with `jit`, its compiled code. The least recently used
   * document goes first; a document estimated over an eighth of this is never kept (it is parsed for each request).
   * Default DOCUMENT_CACHE_MAX_BYTES (src/defaults.ts).
   */
  maxBytes?: number;
  /** graphql-jit compiles kept documents (its compiled code lives as long as the document): count that code too. */
  jit: boolean;
}

/**
 * Heap per document, measured on this schema (Node 20, V8 11): a kept document costs about 6 KB of fixed overhead,
 * 1 byte per character of text (3 with graphql-jit, whose code holds the literals again), 250 bytes per lexer token
 * (tokens and syntax nodes; 500 when validation answers its 100 errors) and, per field once fragments are spread,
 * under 1 KB of validation and execution state, or 7-8 KB with graphql-jit's compiled code. The weights below sit
 * above every measurement, so the real heap stays under `maxBytes`.
 */
const WEIGHTS = {
  base: 8 * 1024,
  perChar: { interpreted: 2, jit: 4 },
  perToken: 512,
  perField: { interpreted: 1024, jit: 8 * 1024 },
} as const;

/** Estimated heap held by a kept `document` parsed from `source`, bytes (see WEIGHTS). */
export function estimateDocumentBytes(source: string, document: DocumentNode, jit: boolean): number {
  let tokens = 0;
  for (let token: Token | null | undefined = document.loc?.startToken; token; token = token.next) tokens += 1;
  // Parsed without locations, there are no tokens to count: take the worst case of one token per two characters.
  if (!document.loc) tokens = Math.ceil(source.length / 2);
  const mode = jit ? 'jit' : 'interpreted';
  return (
    WEIGHTS.base +
    source.length * WEIGHTS.perChar[mode] +
    tokens * WEIGHTS.perToken +
    expandedFieldCount(document) * WEIGHTS.perField[mode]
  );
}

export interface DocumentCache {
  /** For createYoga's `parserAndValidationCache`: parsed documents, and parse errors, by query text. */
  options: {
    documentCache: { get(key: string): DocumentNode | undefined; set(key: string, value: DocumentNode): void };
    errorCache: { get(key: string): unknown; set(key: string, value: unknown): void };
    validationCache: true;
  };
  /**
   * Whether `document` is kept and was asked for again since it was parsed: graphql-jit's `enableIf`. A one-off
   * document (an attacker's, or a client writing values into the query text) is not worth compiling: the compiler
   * costs more than it saves on one run, and V8 keeps compiled functions' code until the heap is nearly full.
   */
  repeated(document: DocumentNode): boolean;
}

/**
 * Yoga's parse and validation caches bounded by bytes instead of by count. Yoga keeps 1024 documents by default, so
 * its memory was 1024 times whatever one document costs: 400 distinct 95 KB documents, or 600 distinct 200-byte
 * queries once graphql-jit compiled them, filled a 128 MB heap. Validation results and graphql-jit's compiled
 * queries are kept in WeakMaps keyed by the document, so they go with it: bounding the documents bounds them.
 */
export function documentCache(options: DocumentCacheOptions): DocumentCache {
  const maxBytes = options.maxBytes ?? DOCUMENT_CACHE_MAX_BYTES;
  const kept = new WeakSet<DocumentNode>();
  const reused = new WeakSet<DocumentNode>();
  const documents = new LRUCache<string, DocumentNode>({
    maxSize: maxBytes,
    maxEntrySize: Math.floor(maxBytes / 8),
    sizeCalculation: (document, source) => estimateDocumentBytes(source, document, options.jit),
    dispose: (document) => {
      kept.delete(document);
      reused.delete(document);
    },
  });
  // Parse errors hold their text (and a location); refusing a bad document again should not parse it again.
  const errors = new LRUCache<string, object>({
    maxSize: Math.max(1, Math.floor(maxBytes / 8)),
    maxEntrySize: Math.max(1, Math.floor(maxBytes / 64)),
    sizeCalculation: (_error, source) => WEIGHTS.base + source.length * 2,
  });
  return {
    options: {
      documentCache: {
        get(key) {
          const document = documents.get(key);
          if (document) reused.add(document);
          return document;
        },
        set(key, document) {
          documents.set(key, document);
          if (documents.peek(key) === document) kept.add(document);
        },
      },
      errorCache: {
        get: (key) => errors.get(key),
        set(key, error) {
          if (error !== null && typeof error === 'object') errors.set(key, error);
        },
      },
      validationCache: true,
    },
    repeated: (document) => kept.has(document) && reused.has(document),
  };
}

const incremental = new WeakMap<DocumentNode, boolean>();

/**
 * Whether `document` uses @defer or @stream anywhere (memoized per document). graphql-jit does not implement them (it
 * would answer everything at once, after the slowest field), so such documents run on graphql-js's executor.
 */
export function usesIncrementalDelivery(document: DocumentNode): boolean {
  let found = incremental.get(document);
  if (found === undefined) {
    found = false;
    visit(document, {
      Directive(node) {
        if (node.name.value !== 'defer' && node.name.value !== 'stream') return undefined;
        found = true;
        return BREAK;
      },
    });
    incremental.set(document, found);
  }
  return found;
}

/**
 * Whether `document` is one query or mutation: what graphql-jit may run. It keeps one compiled query per document and
 * ignores `operationName` when it finds one, so a document of several operations would run whichever was compiled
 * first; and a compiled subscription whose set-up fails answers nothing at all (the stream just stays open). Those run
 * on graphql-js's executor.
 */
export function compilable(document: DocumentNode): boolean {
  let operations = 0;
  for (const definition of document.definitions) {
    if (definition.kind !== 'OperationDefinition') continue;
    if (definition.operation === 'subscription' || ++operations > 1) return false;
  }
  return operations === 1;
}
