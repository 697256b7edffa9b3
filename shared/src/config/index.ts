import { z } from 'zod';

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  constructor(readonly problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

/**
 * Parses `env` against `schema`, reporting every bad variable at once. The result is
 * frozen: configuration is read once, at start-up, and never changes.
 */
export function parseConfig<S extends z.ZodType>(schema: S, env: NodeJS.ProcessEnv): Readonly<z.output<S>> {
  // Empty strings mean "unset", as in most shells' `VAR= cmd`.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const result = schema.safeParse(cleaned);
  if (!result.success) {
    throw new ConfigError(
      result.error.issues.map((issue) => `${issue.path.join('.') || '(environment)'}: ${issue.message}`),
    );
  }
  return Object.freeze(result.data) as Readonly<z.output<S>>;
}

/** For a process's composition root: print every problem and exit 1. */
export function loadConfigOrExit<S extends z.ZodType>(
  schema: S,
  env: NodeJS.ProcessEnv = process.env,
): Readonly<z.output<S>> {
  try {
    return parseConfig(schema, env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`folio: ${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

const url = (protocols: string[]) =>
  z.string().refine(
    (value) => {
      try {
        return protocols.includes(new URL(value).protocol);
      } catch {
        return false;
      }
    },
    { message: `must be a URL with scheme ${protocols.map((p) => p.replace(':', '')).join(' or ')}` },
  );

const hostPortList = z
  .string()
  .regex(/^[^,:\s]+:\d+(,[^,:\s]+:\d+)*$/, 'must be host:port[,host:port…]')
  .transform((list) =>
    list.split(',').map((entry) => {
      const [host = '', portText = '0'] = entry.split(':');
      return { host, port: Number(portText) };
    }),
  );

export const logLevel = z
  .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  .default('info');

/** Default of `MAX_DOCUMENT_BYTES`. */
export const DEFAULT_MAX_DOCUMENT_BYTES = 32 * 1024 * 1024;

/** Variables every process shares: where data lives and how to reach it. */
export const commonEnv = {
  /**
   * Largest encoded document state. Collaboration updates that would grow a document
   * past it close the socket (1009); REST writes answer 413 and store nothing.
   */
  MAX_DOCUMENT_BYTES: z.coerce.number().int().min(1024).default(DEFAULT_MAX_DOCUMENT_BYTES),
  HOST: z.string().default('127.0.0.1'),
  LOG_LEVEL: logLevel,
  DATA_DIR: z.string().default('./data'),
  /**
   * The local key file (key-encryption key and email-lookup key, mode 0600). Unset:
   * `DATA_DIR/keys/folio.key`, generated on first start. Every process of one instance
   * must share it; back it up apart from the database (README: Backups and restores).
   */
  KEY_FILE: z.string().optional(),
  /** The erasure ledger's file copy. Unset: `erasure-ledger.jsonl` beside the key file. */
  ERASURE_LEDGER_FILE: z.string().optional(),
  /** `off`: new personal data and content are written unsealed (sealed rows still open). */
  ENCRYPTION: z
    .enum(['on', 'off'], { message: 'must be on or off' })
    .default('on')
    .transform((v) => v === 'on'),
  DATABASE_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_REPLICA_URL: url(['postgres:', 'postgresql:']).optional(),
  DATABASE_CA_FILE: z.string().optional(),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  REDIS_URL: url(['redis:', 'rediss:']).optional(),
  REDIS_CA_FILE: z.string().optional(),
  REDIS_SENTINELS: hostPortList.optional(),
  REDIS_SENTINEL_MASTER: z.string().optional(),
  /** Seed nodes of a Redis Cluster: `host:port,host:port`; the client finds the rest. */
  REDIS_CLUSTER_NODES: hostPortList.optional(),
  /**
   * Braces are refused: on a cluster the first `{…}` of a key picks its slot, and
   * Folio's keys put the document id there (redis-keys.ts).
   */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[^{}]*$/, 'must not contain { or } (they are Redis Cluster hash tags)')
    .default('folio:'),
  SECRET_KEY: z.string().min(32, 'must be at least 32 characters').optional(),
  /** Both processes know both ports: each hands out the other's public URL. */
  API_PORT: port(3000),
  COLLAB_PORT: port(1234),
  /** Unset: `http://<HOST>:<API_PORT>` (see withPublicUrls). */
  PUBLIC_URL: url(['http:', 'https:']).optional(),
  /** Unset: `ws://<HOST>:<COLLAB_PORT>` (see withPublicUrls). */
  COLLAB_PUBLIC_URL: url(['ws:', 'wss:']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: url(['http:', 'https:']).optional(),
  /** When set, /metrics (on both processes) answers only `Authorization: Bearer <it>`. */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** `true`: webhooks may target loopback, private and link-local addresses (tests, labs). */
  WEBHOOK_ALLOW_PRIVATE_TARGETS: z
    .enum(['true', 'false'], { message: 'must be true or false' })
    .default('false')
    .transform((v) => v === 'true'),
  /** At most one `document.updated` per document per this many milliseconds. */
  WEBHOOK_DEBOUNCE_MS: z.coerce.number().int().min(0).max(3_600_000).default(5_000),
  /** An edited document gets an automatic version at most this often, in minutes (0: never). */
  VERSION_AUTO_MINUTES: z.coerce
    .number()
    .min(0)
    .max(7 * 24 * 60)
    .default(10),
  /** Retention of automatic versions: every one this many hours… */
  VERSION_KEEP_ALL_HOURS: z.coerce
    .number()
    .min(0)
    .max(24 * 365)
    .default(24),
  /** …the newest per day this many days… */
  VERSION_KEEP_DAILY_DAYS: z.coerce.number().min(0).max(3_650).default(30),
  /** …the newest per week this many weeks; older automatic versions are deleted. */
  VERSION_KEEP_WEEKLY_WEEKS: z.coerce.number().min(0).max(520).default(52),
};

/** Cross-field rules every process applies after parsing its own schema. */
export function checkCommon(
  config: {
    DATABASE_URL?: string | undefined;
    SECRET_KEY?: string | undefined;
    KEY_FILE?: string | undefined;
    REDIS_SENTINELS?: unknown;
    REDIS_SENTINEL_MASTER?: string | undefined;
    REDIS_CLUSTER_NODES?: unknown;
  },
  ctx: z.RefinementCtx,
): void {
  if (config.DATABASE_URL && !config.SECRET_KEY) {
    ctx.addIssue({
      code: 'custom',
      path: ['SECRET_KEY'],
      message: 'is required when DATABASE_URL is set (it is generated only for the embedded database)',
    });
  }
  if (Boolean(config.REDIS_SENTINELS) !== Boolean(config.REDIS_SENTINEL_MASTER)) {
    ctx.addIssue({
      code: 'custom',
      path: [config.REDIS_SENTINELS ? 'REDIS_SENTINEL_MASTER' : 'REDIS_SENTINELS'],
      message: 'REDIS_SENTINELS and REDIS_SENTINEL_MASTER go together',
    });
  }
  if (config.REDIS_CLUSTER_NODES && config.REDIS_SENTINELS) {
    ctx.addIssue({
      code: 'custom',
      path: ['REDIS_CLUSTER_NODES'],
      message: 'a Redis Cluster has no Sentinels: set REDIS_CLUSTER_NODES or REDIS_SENTINELS, not both',
    });
  }
}

/** A host as it goes into a URL: a wildcard bind address means this machine. */
function urlHost(host: string): string {
  if (host === '0.0.0.0' || host === '::' || host === '') return 'localhost';
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

/**
 * Fills the public URLs a process hands out from HOST and the ports when they are not
 * set, so that changing `API_PORT`, `COLLAB_PORT` or `HOST` alone gives clients URLs
 * that work (the contract: "Unset, PUBLIC_URL and COLLAB_PUBLIC_URL follow HOST,
 * API_PORT and COLLAB_PORT"). Apply it as the last step of each process's schema.
 */
export function withPublicUrls<
  T extends {
    HOST: string;
    API_PORT: number;
    COLLAB_PORT: number;
    PUBLIC_URL?: string | undefined;
    COLLAB_PUBLIC_URL?: string | undefined;
  },
>(config: T): T & { PUBLIC_URL: string; COLLAB_PUBLIC_URL: string } {
  const host = urlHost(config.HOST);
  return {
    ...config,
    PUBLIC_URL: config.PUBLIC_URL ?? `http://${host}:${config.API_PORT}`,
    COLLAB_PUBLIC_URL: config.COLLAB_PUBLIC_URL ?? `ws://${host}:${config.COLLAB_PORT}`,
  };
}

export type CommonConfig = ReturnType<typeof withPublicUrls<z.output<z.ZodObject<typeof commonEnv>>>>;
export * from './secret.js';
