import { format } from 'node:util';
import { type Level, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino blanks out wherever they appear in a log object. Anything that may carry a
 * credential is listed, one level deep and at the top, so a careless `log.info({ req })`
 * cannot leak one.
 */
export const redactedPaths = [
  'token',
  'password',
  'secret',
  'secretKey',
  'authorization',
  'cookie',
  'clientSecret',
  '*.token',
  '*.password',
  '*.secret',
  '*.secretKey',
  '*.authorization',
  '*.cookie',
  '*.clientSecret',
  'headers.authorization',
  'headers.cookie',
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'config.SECRET_KEY',
  'config.OIDC_CLIENT_SECRET',
];

export interface LoggerConfig {
  level: string;
  name: string;
  /** Where lines go; stdout by default. Tests pass a stream to read them back. */
  destination?: NodeJS.WritableStream;
}

/** One JSON object per line, with the process name and credentials redacted. */
export function createLogger({ level, name, destination }: LoggerConfig): Logger {
  const options: LoggerOptions = {
    level,
    name,
    base: { pid: process.pid },
    redact: { paths: redactedPaths, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return destination ? pino(options, destination) : pino(options);
}

const consoleLevels = {
  debug: 'debug',
  trace: 'debug',
  log: 'info',
  info: 'info',
  warn: 'warn',
  error: 'error',
} as const satisfies Record<string, Level>;

/**
 * Sends what libraries print with `console.*` to `log` as JSON lines (`source:
 * "console"`, any Error argument as `err`), instead of free text on stdout and stderr.
 *
 * Process-global, so only a composition root (`main.ts`, the all-in-one launcher) may
 * call it; never a factory, which tests call many times in one process. It exists
 * because Hocuspocus 4.7 and its Redis extension write straight to `console` (hook
 * errors, closed connections with stacks, queue limits) and offer no logger option
 * (`quiet` only silences the start banner). `levelFor` may lower (or raise) a line's
 * level, e.g. for errors the application has already logged where it raised them.
 * Returns a function that restores the console.
 */
export function routeConsoleToLogger(
  log: Logger,
  levelFor: (args: unknown[], level: Level) => Level = (_args, level) => level,
): () => void {
  const target = log.child({ source: 'console' });
  const saved = new Map<keyof typeof consoleLevels, (...args: unknown[]) => void>();
  for (const [method, level] of Object.entries(consoleLevels) as [keyof typeof consoleLevels, Level][]) {
    saved.set(method, console[method]);
    console[method] = (...args: unknown[]) => {
      const err = args.find((a): a is Error => a instanceof Error);
      const msg = format(...args.filter((a) => a !== err)) || err?.message || '';
      target[levelFor(args, level)](err ? { err } : {}, msg);
    };
  }
  return () => {
    for (const [method, original] of saved) console[method] = original;
  };
}
