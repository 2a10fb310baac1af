// Every default of the gateway, defined once. src/config.ts reads the environment over these; createGateway() falls
// back to them for anything its caller leaves out; the README's configuration table states the same numbers.

/**
 * How upstream calls are bounded (src/upstream/http/). Chosen so that a source that hangs, stalls or dribbles costs a
 * request at most `REQUEST_BUDGET_MS` (12 s) plus the time to send the answer, well under 15 s:
 * attempts of 5 s, 5 s and what is left of the budget, with the other source's data kept.
 */
export const UPSTREAM_DEFAULTS = {
  /** One attempt, ms: from sending the request to the last byte of the body. */
  timeoutMs: 5_000,
  /** Extra attempts for reads on network errors, timeouts, 408, 429 and 5xx. */
  retries: 2,
  /** Backoff: attempt n waits a random time up to min(maxBackoffMs, backoffMs·2ⁿ⁻¹) (full jitter), ms. */
  backoffMs: 100,
  maxBackoffMs: 1_000,
  /**
   * Longest rate-limit wait (Retry-After / X-RateLimit-Reset) worth taking, ms. Intercom spreads its limits over
   * 10-second windows and names the reset in whole seconds, so most of its waits are a few seconds.
   */
  rateLimitWaitCapMs: 5_000,
  /** Consecutive failed calls that open a circuit (per source and credential), and how long it stays open, ms. */
  breakerThreshold: 5,
  breakerCooldownMs: 10_000,
  /** Calls in flight at once per source and credential, and how many more may wait for a slot. */
  concurrency: 16,
  queueLimit: 1_000,
  /** Credentials (per source) whose breaker and slots are remembered; the least recently used is dropped. */
  maxCredentials: 1_000,
  /**
   * Largest upstream response body read, bytes; larger is UPSTREAM_BAD_RESPONSE. A full Intercom page (150 contacts)
   * is a few hundred kB; 4 MiB leaves room for heavy custom attributes.
   */
  maxBodyBytes: 4 * 1024 * 1024,
  /**
   * Bytes of upstream bodies being read and parsed at once in the whole process; past it a read fails with
   * UPSTREAM_UNAVAILABLE instead of taking the heap down (sixteen 9 MB answers killed a 128 MB heap).
   */
  bodyBudgetBytes: 24 * 1024 * 1024,
  /** Bytes of short-lived upstream answers kept (e.g. Intercom's tag list), over every credential. */
  cacheMaxBytes: 8 * 1024 * 1024,
  /** Identical reads in flight share one upstream call. */
  dedupe: true,
} as const;

/** The most one GraphQL request may spend on upstream calls, retries and waits included, ms. */
export const REQUEST_BUDGET_MS = 12_000;

/** After SIGTERM: how long requests in flight may take to finish before what is left is cancelled, ms. */
export const SHUTDOWN_GRACE_MS = 10_000;

/** Document and cost limits (src/plugins/use-query-limits.ts). */
export const QUERY_LIMITS = { depth: 10, aliases: 30, tokens: 2000, directives: 20, cost: 5000 } as const;

/**
 * Entity representations one `_entities` call may ask for (src/schema/federation.ts). A federation gateway sends a
 * whole list's keys in one call; this bounds what one call can queue at the upstreams (each source's queue holds
 * UPSTREAM_DEFAULTS.queueLimit calls).
 */
export const FEDERATION_MAX_REPRESENTATIONS = 1000;
/**
 * Most fields a document may hold once its fragments are spread (src/plugins/use-expansion-limit.ts): above what 2000
 * tokens spell without fragments. graphql-jit compiles 3000 expanded fields in 7 ms (0.2 s if every one is distinct),
 * 2^20 in 1.4 s, and 2^40 (40 fragments of 1 KB, each spreading the one before twice) never.
 */
export const QUERY_MAX_EXPANDED_FIELDS = 3000;
/**
 * Deepest nesting of `{ [ (` in a query's text and of lists and objects in its variables
 * (src/plugins/use-nesting-limit.ts): room for the deepest selection QUERY_MAX_DEPTH may allow (100), far from what
 * overflows a recursive parser or coercer.
 */
export const QUERY_MAX_NESTING = 128;
/**
 * Estimated heap of the parsed, validated and compiled documents kept between requests, bytes
 * (src/plugins/document-cache.ts): an eighth of the production heap cap of 128 MB.
 */
export const DOCUMENT_CACHE_MAX_BYTES = 16 * 1024 * 1024;

/**
 * Estimated heap of remembered phone readings (src/values.ts canonicalPhone and keepExtension, via src/memo.ts), bytes:
 * some 20,000 distinct phones.
 */
export const PHONE_MEMO_MAX_BYTES = 4 * 1024 * 1024;

/** Estimated heap of remembered timestamp readings (src/values.ts timestamp), bytes: some 10,000 distinct texts. */
export const DATE_MEMO_MAX_BYTES = 2 * 1024 * 1024;

/** The User-Agent of every upstream call. */
export const UPSTREAM_USER_AGENT = 'contact-gateway/0.1';

/** Largest request body, bytes (413 beyond). */
export const MAX_BODY_BYTES = 100_000;

/** Where each upstream lives unless configured (Intercom's EU and AU workspaces have their own hosts). */
export const BACKSIDE_BASE_URL = 'https://api.backside.app';
export const INTERCOM_BASE_URL = 'https://api.intercom.io';

/**
 * Browser origins allowed to read the gateway's answers (CORS), when CORS_ORIGINS is not set: none with real upstreams;
 * in the demo, pages on this machine (http(s)://localhost, http://127.0.0.1, http://[::1], any port).
 */
export const CORS_LOCALHOST = /^(https?:\/\/localhost|http:\/\/127\.0\.0\.1|http:\/\/\[::1\])(:\d{1,5})?$/;
/** How long a browser may keep an allowed preflight's answer, s. */
export const CORS_MAX_AGE_S = 600;

/** JWTs must carry `exp` (a token without one would be good forever) unless JWT_REQUIRE_EXP=off. */
export const JWT_REQUIRE_EXP = true;

/**
 * A WORKERS primary replaces a worker that dies, waiting 100 ms, 200 ms, 400 ms … (at most 5 s) as deaths pile up, and
 * stops (exit 1) when more than `limit` died within the window; a worker that could not listen, or that dies before any
 * worker has served, is not replaced at all (restarting cannot free a port or fix the environment).
 */
export const WORKER_RESTARTS = { limit: 5, windowMs: 60_000, firstDelayMs: 100, maxDelayMs: 5_000 } as const;

/**
 * Automatic persisted queries kept in memory (src/plugins/use-persisted-operations.ts): at most this many documents and
 * this many bytes of their text, the least recently used dropped first; a client whose hash was dropped resends the
 * text once. A trusted-documents manifest is kept whole, outside this bound.
 */
export const APQ_STORE = { maxEntries: 1000, maxBytes: 4 * 1024 * 1024 } as const;

/** With a manifest (PERSISTED_OPERATIONS), documents outside it still run unless ALLOW_ARBITRARY_OPERATIONS=off. */
export const ALLOW_ARBITRARY_OPERATIONS = true;

/**
 * Bounds on what a mutation may write (src/writes/validate.ts), checked before any upstream call; a value past one is
 * a userError INVALID at its field. Lengths count UTF-16 code units, as JavaScript strings do (what the sources count
 * is not documented; these sit at or under what both accept in practice).
 */
export const WRITE_LIMITS = {
  /** Names and their parts (name, givenName, familyName, middleName, nickname, prefix, suffix). */
  nameLength: 255,
  /** RFC 5321's longest forward path, less the angle brackets. */
  emailLength: 254,
  /** As typed, before it is read as E.164 (room for spaces, dots, an extension). */
  phoneLength: 64,
  /** Intercom's external_id and Backside's external id. */
  externalIdLength: 255,
  /** avatarUrl, website channels, social profile URLs. */
  urlLength: 2048,
  /** BCP 47 language tags and IANA time zone names are far shorter; room for what sources accept loosely. */
  languageLength: 35,
  timezoneLength: 64,
  /** Tag names (Intercom's limit is not documented; its UI stops well under this). */
  tagNameLength: 255,
  /** A note body (HTML), in UTF-8 bytes: 64 KiB. */
  noteBodyBytes: 64 * 1024,
  /** Channel values of type OTHER and social handles; channel and address labels. */
  channelValueLength: 1024,
  labelLength: 255,
  /** One address field (street, city, …). */
  addressFieldLength: 1024,
  /** Affiliation title (Backside). */
  titleLength: 255,
  /** customAttributes: its JSON text in UTF-8 bytes, its nesting (the object itself is level 1), and one key. */
  customAttributesBytes: 16 * 1024,
  customAttributesDepth: 5,
  customAttributeKeyLength: 255,
  /** idempotencyKey: printable ASCII only. */
  idempotencyKeyLength: 255,
} as const;

/**
 * Idempotency keys (src/writes/idempotency.ts): a key replays its first result for 24 hours, per caller and mutation;
 * the in-memory store keeps at most `maxBytes` of stored results (estimated as their JSON text), the least recently
 * used dropped first (a dropped key then runs again as a new one).
 */
export const IDEMPOTENCY = { ttlMs: 24 * 60 * 60 * 1000, maxBytes: 16 * 1024 * 1024 } as const;

/** The scope a caller's JWT must hold (in its `scope` claim) to run mutations. */
export const WRITE_SCOPE = 'contacts:write';

/**
 * The shared store (REDIS_URL, src/shared/): every key starts with `prefix`; every command is bounded by
 * `commandTimeoutMs` (a slow Redis is a down Redis: the gateway serves from memory rather than wait); a lost connection
 * is retried every `reconnectMaxMs` at most. Values larger than `maxValueBytes` are kept in memory only. An idempotent
 * write's in-flight marker lives `pendingTtlMs` (longer than any write may take: a replica that dies mid-write frees
 * the key then), and a replica that finds one polls every `pollMs` for the result. After a command times out, no
 * command is sent (everything answers from memory at once) until a PING, sent every `probeMs`, answers in time.
 */
export const SHARED_STORE = {
  prefix: 'cg:',
  commandTimeoutMs: 200,
  /** Bound of a command sent to the client directly (the rate budget's scripts), ms; see src/shared/redis.ts. */
  directCommandTimeoutMs: 1_000,
  connectTimeoutMs: 1_000,
  reconnectMaxMs: 1_000,
  maxValueBytes: 4 * 1024 * 1024,
  pendingTtlMs: 30_000,
  pollMs: 50,
  probeMs: 250,
} as const;

/**
 * The upstream rate budget (src/shared/rate-budget.ts): calls a minute per source and credential, over every replica;
 * 0: no budget of ours (the upstream's own 429s still pace us). Backside's plans cap a tenant at 30, 300 or 1,500 calls
 * a minute: set BACKSIDE_RATE_LIMIT_PER_MIN to the plan's cap. `replicas` divides the budget when Redis is unreachable
 * (each process then counts alone).
 */
export const RATE_BUDGET = { backsidePerMin: 0, intercomPerMin: 0, replicas: 1 } as const;

/**
 * Prometheus /metrics (src/telemetry/metrics.ts): distinct operation names kept as label values (the rest count as
 * `other`) and the longest kept (longer ones are cut), so that callers naming operations freely cannot grow the
 * series without bound; histogram buckets, seconds.
 */
export const METRICS = {
  maxOperationNames: 200,
  operationNameLength: 64,
  operationBuckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15],
  upstreamBuckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
} as const;

/** A caller's `x-request-id` is kept when printable ASCII of at most this many characters; else one is made. */
export const REQUEST_ID_MAX_LENGTH = 128;

/** The service name traces carry unless OTEL_SERVICE_NAME says otherwise. */
export const OTEL_SERVICE_NAME = 'contact-gateway';

/** Log lines at this level and above (LOG_LEVEL): trace, debug, info, warn, error, fatal or silent. */
export const LOG_LEVEL = 'info';

/**
 * Intercom webhooks at `POST /webhooks/intercom` (src/plugins/use-intercom-webhooks.ts, intercom.md "Webhooks"):
 * the largest body read (413 beyond; a contact notification is a few kB), how old a notification's `created_at` may
 * be before it is refused as stale (a replayed capture), and the bounds of what is remembered to publish each
 * notification once and in order: notification ids seen (the least recently seen dropped first; kept
 * `seenTtlMs` in Redis when shared) and the last `created_at` per contact.
 */
export const INTERCOM_WEBHOOKS = {
  path: '/webhooks/intercom',
  maxBodyBytes: 1024 * 1024,
  maxAgeMs: 5 * 60_000,
  seenIds: 10_000,
  seenTtlMs: 24 * 60 * 60_000,
  contacts: 10_000,
} as const;

/**
 * The demo's Intercom fake (src/demo/intercom-webhooks.ts): how long one webhook it sends may take before it is given
 * up, and how often, in the demo only, it edits a contact by itself so that a subscription sees changes.
 */
export const DEMO_WEBHOOKS = { timeoutMs: 2_000, liveEditEveryMs: 30_000 } as const;

/**
 * Subscriptions (issue 14): unread events one subscriber may hold before its stream is closed with an error (memory
 * stays bounded whatever a client's pace), and the per-event read cache shared by the subscribers of one credential
 * (src/events/event-reads.ts): how long a settled read is kept, ms, and how many reads at most.
 */
export const SUBSCRIPTIONS = { queueLength: 100, readKeepMs: 1_000, maxSharedReads: 10_000 } as const;
