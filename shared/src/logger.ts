import { type Logger, type LoggerOptions, pino } from 'pino';

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
