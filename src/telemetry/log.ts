// Structured logs: JSON lines (pino) for log collectors, or the same records as short readable lines for a terminal.
import type { YogaLogger } from 'graphql-yoga';
import { type DestinationStream, type Level, type LevelWithSilent, pino } from 'pino';

export type LogFormat = 'json' | 'pretty';

export interface StructuredLogOptions {
  format: LogFormat;
  /** trace, debug, info, warn, error, fatal or silent. */
  level: LevelWithSilent;
  /**
   * Where lines go; default stdout. JSON lines to stdout go through pino's asynchronous destination: written in the
   * background, lines of the same tick in one write, and what is left flushed when the process exits. (A write to a
   * pipe is synchronous in Node: one system call per request's line took 7-9% of the CPU of `{ __typename }` under
   * load; bench/RESULTS.md, "Per-request cost".)
   */
  destination?: { write(line: string): unknown } | undefined;
}

/** `10:55:09.123 INFO  message key=value …`: one line per record, for people. */
export function prettyLine(record: Record<string, unknown>): string {
  const { level, time, msg, ...fields } = record;
  const at = typeof time === 'string' ? time.slice(11, 23) : '';
  const rest = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'string' ? value : JSON.stringify(value)}`)
    .join(' ');
  return `${at} ${String(level).toUpperCase().padEnd(5)} ${msg ?? ''}${rest ? ` ${rest}` : ''}\n`;
}

function prettyStream(out: { write(line: string): unknown }): DestinationStream {
  return {
    write(line: string) {
      out.write(prettyLine(JSON.parse(line) as Record<string, unknown>));
    },
  };
}

/** The background streams made so far (one per logger), for flushLogs. */
const background = new Set<{ flushSync(): void }>();

/**
 * Writes out what the background log streams still hold, now: before a line written directly to stdout (the
 * shutdown's summary) so that lines keep their order, and at exit so that none is lost.
 */
export function flushLogs(): void {
  for (const stream of background) {
    try {
      stream.flushSync();
    } catch {
      // stdout already closed (the reader went away), or a write in flight: the exit flush takes the rest.
    }
  }
}

/** stdout written in the background (sonic-boom), flushed at exit: no line logged before exit is lost. */
function backgroundStdout(): DestinationStream {
  const stream = pino.destination({ dest: 1, sync: false });
  if (background.size === 0) process.once('exit', flushLogs);
  background.add(stream);
  return stream;
}

/**
 * A YogaLogger writing JSON lines through pino: `{"level":"info","time":"…","msg":"…", …fields}`. Arguments that are
 * plain objects become fields of the line; an Error becomes `err` (with its stack: what gatewayLogger lets through
 * as an error is the unexpected); anything else joins the message. `pretty` prints the same records as readable
 * lines (the demo). Use it as createGateway's `logging`.
 */
export function structuredLogger(options: StructuredLogOptions): YogaLogger {
  const out = options.destination ?? process.stdout;
  const stream = options.format === 'pretty' ? prettyStream(out) : (options.destination ?? backgroundStdout());
  const logger = pino(
    {
      level: options.level,
      base: undefined,
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream as DestinationStream,
  );
  const at =
    (level: Level) =>
    (...args: unknown[]) => {
      if (!logger.isLevelEnabled(level)) return;
      let fields: Record<string, unknown> | undefined;
      const words: string[] = [];
      for (const arg of args) {
        if (arg instanceof Error) fields = { ...fields, err: arg };
        else if (arg !== null && typeof arg === 'object' && !Array.isArray(arg)) fields = { ...fields, ...arg };
        else words.push(String(arg));
      }
      logger[level](fields ?? {}, words.join(' '));
    };
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}
