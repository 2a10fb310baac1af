// The one logger every part of the gateway logs through (Yoga, its plugins, the upstream transport): an expected
// failure is one line at info or warn, a stack trace is printed only for what nobody expected.
import { GraphQLError } from 'graphql';
import { createLogger, type YogaLogger } from 'graphql-yoga';
import { GatewayError } from './errors.js';

/** The level an expected failure is logged at: the caller's doing is info, an upstream's is warn. */
function levelOf(error: GatewayError): 'info' | 'warn' {
  return error.code.startsWith('UPSTREAM_') ? 'warn' : 'info';
}

/** The GatewayError behind `error` (Yoga and graphql-js wrap what resolvers throw), if it is one. */
function expectedFailure(error: unknown): { gateway: GatewayError; located: GraphQLError | undefined } | undefined {
  let located: GraphQLError | undefined;
  let current = error;
  for (let depth = 0; depth < 5 && current instanceof GraphQLError; depth++) {
    located ??= current.path ? current : undefined;
    current = current.originalError;
  }
  return current instanceof GatewayError ? { gateway: current, located } : undefined;
}

/** One line for an expected failure: code, source, where, the public message, and the operator's detail. */
function describe({ gateway, located }: NonNullable<ReturnType<typeof expectedFailure>>): string {
  const source = gateway.source ? ` ${gateway.source}` : '';
  const at = located?.path ? ` at ${located.path.join('.')}` : '';
  const detail = gateway.detail ? ` (${gateway.detail})` : '';
  return `${gateway.code}${source}${at}: ${gateway.message}${detail}`;
}

/** An Error as one line (no stack, no file path); anything else as it is. */
function oneLine(value: unknown): unknown {
  if (!(value instanceof Error)) return value;
  const failure = expectedFailure(value);
  if (failure) return describe(failure);
  return `${value.name}: ${value.message}`.replace(/\s*\n\s*/g, ' ');
}

/**
 * Yoga's console logger, whose level prefixes are coloured; to a file or a log collector (not a terminal) the same
 * lines with plain prefixes, so that log lines carry no escape codes.
 */
function consoleLogger(): YogaLogger {
  const colored = createLogger();
  if (process.stdout.isTTY && process.stderr.isTTY) return colored;
  const plain =
    (prefix: string, log: (...args: unknown[]) => void) =>
    (...args: unknown[]) =>
      log(prefix, ...args);
  // A level the colored logger leaves off (DEBUG unset) is Yoga's shared no-op, as in a silent logger.
  const off = createLogger('silent').debug;
  const on = (level: keyof YogaLogger, log: (...args: unknown[]) => void, prefix: string) =>
    colored[level] === off ? () => {} : plain(prefix, log);
  return {
    debug: on('debug', console.debug, 'DEBUG'),
    info: on('info', console.info, 'INFO'),
    warn: on('warn', console.warn, 'WARN'),
    error: on('error', console.error, 'ERR'),
  };
}

/**
 * Wraps Yoga's `logging` setting (true, false or a logger of one's own):
 * - `error(e)` with an expected failure (a GatewayError, as Yoga's error masking hands it over) logs one line at info
 *   (bad input, an unconfigured source) or warn (an upstream failure) instead of an error with its stack;
 * - debug, info and warn print any Error they are given as one line: libraries (the JWT plugin, the JWKS client) log a
 *   caller's bad token or an unreachable key server with its stack otherwise;
 * - anything else logged as an error keeps its stack: that is the unexpected.
 */
export function gatewayLogger(logging: boolean | YogaLogger): YogaLogger {
  const base = typeof logging === 'object' ? logging : logging ? consoleLogger() : createLogger('silent');
  return {
    debug: (...args: unknown[]) => base.debug(...args.map(oneLine)),
    info: (...args: unknown[]) => base.info(...args.map(oneLine)),
    warn: (...args: unknown[]) => base.warn(...args.map(oneLine)),
    error: (...args: unknown[]) => {
      const failures = args.map(expectedFailure);
      if (args.length > 0 && failures.every((failure) => failure !== undefined)) {
        const level = failures.some((failure) => levelOf(failure.gateway) === 'warn') ? 'warn' : 'info';
        base[level](failures.map(describe).join('; '));
        return;
      }
      base.error(...args);
    },
  };
}
