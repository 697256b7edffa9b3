import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrateToLatest } from '@folio/migrations';
import { newId } from '@folio/shared';
import { apiTokenIssuer, userCreator, webhookRegistrar } from '@folio/shared/commands';
import { openKeyring } from '@folio/shared/crypto';
import {
  type Db,
  deleteWebhook,
  findPersonalWorkspace,
  insertDocument,
  insertWorkspace,
  openDatabase,
  setDocumentPermission,
  upsertWorkspaceMember,
} from '@folio/shared/db';
import { createLogger } from '@folio/shared/logger';
import { Redis } from 'ioredis';
import { sql } from 'kysely';
import pg from 'pg';
import type { RunEnvironment } from './targets.js';

const ADMIN_URL = process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Bench databases carry the creating process's pid, so leftovers of killed runs can be dropped. */
const DATABASE_PREFIX = 'folio_bench_';
export const SNAPSHOT_TABLE = 'bench_hocuspocus_documents';

const quoteIdent = (name: string) => `"${name.replaceAll('"', '""')}"`;

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface PgCounters {
  commits: number;
  tuplesWritten: number;
  databaseBytes: number;
  /** Cluster-wide: includes anything else the Postgres server did meanwhile. */
  walBytes: number;
}

/**
 * The run's own Postgres database (migrated, with one user, an API token and the
 * documents every scenario uses) and Redis key prefix; dropped and deleted by close().
 */
export class BenchInfrastructure {
  private constructor(
    readonly env: RunEnvironment,
    readonly databaseName: string,
    readonly token: string,
    private readonly db: Db,
    private readonly closeDb: () => Promise<void>,
    private readonly workspaceId: string,
    private readonly userId: string,
  ) {}

  static async create(): Promise<BenchInfrastructure> {
    const databaseName = `${DATABASE_PREFIX}${process.pid}_${randomBytes(3).toString('hex')}`;
    await withClient(ADMIN_URL, async (client) => {
      const { rows } = await client.query<{ datname: string }>(
        'select datname from pg_database where datname like $1',
        [`${DATABASE_PREFIX}%`],
      );
      for (const { datname } of rows) {
        const pid = Number(datname.slice(DATABASE_PREFIX.length).split('_')[0]);
        if (!isAlive(pid)) await client.query(`drop database if exists ${quoteIdent(datname)} with (force)`);
      }
      await client.query(`create database ${quoteIdent(databaseName)}`);
    });
    const url = new URL(ADMIN_URL);
    url.pathname = `/${databaseName}`;
    const databaseUrl = url.toString();
    // One key file for the run: every Folio process the bench starts shares it.
    const keyFile = join(mkdtempSync(join(tmpdir(), 'folio-bench-keys-')), 'folio.key');
    const handle = await openDatabase({
      url: databaseUrl,
      keyring: await openKeyring({ DATA_DIR: '.', KEY_FILE: keyFile, ENCRYPTION: true }),
      dataDir: '.',
      poolSize: 4,
      log: createLogger({ level: 'silent', name: 'bench' }),
    });
    await migrateToLatest(handle.db);
    await handle.db.schema
      .createTable(SNAPSHOT_TABLE)
      .addColumn('name', 'text', (c) => c.primaryKey())
      .addColumn('state', 'bytea', (c) => c.notNull())
      .addColumn('updated_at', 'timestamptz', (c) => c.notNull().defaultTo(new Date(0)))
      .execute();
    const user = await userCreator(handle.db, {
      email: `bench-${process.pid}@folio.invalid`,
      name: 'Bench',
      actorId: null,
    });
    const workspace = await findPersonalWorkspace(handle.db, user.id);
    if (!workspace) throw new Error('userCreator made no personal workspace');
    const { token } = await apiTokenIssuer(handle.db, {
      userId: user.id,
      scopes: ['read', 'write'],
      name: 'bench',
      actorId: user.id,
    });
    const env: RunEnvironment = {
      databaseUrl,
      redisUrl: REDIS_URL,
      redisPrefix: `folio-bench:${process.pid}-${randomBytes(3).toString('hex')}:`,
      snapshotTable: SNAPSHOT_TABLE,
      secretKey: randomBytes(32).toString('base64url'),
      keyFile,
    };
    return new BenchInfrastructure(
      env,
      databaseName,
      token,
      handle.db,
      () => handle.close(),
      workspace.id,
      user.id,
    );
  }

  /** A webhook of the bench workspace for every event (loopback targets allowed). */
  async registerWebhook(url: string): Promise<{ id: string; secret: string }> {
    const webhook = await webhookRegistrar(this.db, {
      workspaceId: this.workspaceId,
      url,
      events: ['*'],
      actorId: this.userId,
      allowPrivateTargets: true,
    });
    return { id: webhook.id, secret: webhook.secret };
  }

  /**
   * Where a `document.updated` spent its time, medians from the database's records:
   * the edit's commit → its delivery row (summariser pass, debounce, relay), and that row
   * → delivered (lane job, signing, the POST).
   */
  async webhookStages(webhookId: string): Promise<{ toDeliveryRowMs: number; toDeliveredMs: number }> {
    const { rows } = await sql<{ relayed: number; delivered: number }>`
      select percentile_cont(0.5) within group (order by extract(epoch from d.created_at - u.at) * 1000) as relayed,
             percentile_cont(0.5) within group (order by extract(epoch from d.settled_at - d.created_at) * 1000) as delivered
        from webhook_deliveries d
        cross join lateral (select min(created_at) as at from document_updates
                             where document_id = d.body::jsonb -> 'data' ->> 'documentId') u
       where d.webhook_id = ${webhookId} and d.type = 'document.updated' and d.status = 'delivered'`.execute(
      this.db,
    );
    const row = rows[0];
    return {
      toDeliveryRowMs: Math.round(Number(row?.relayed ?? 0)),
      toDeliveredMs: Math.round(Number(row?.delivered ?? 0)),
    };
  }

  async deleteWebhook(id: string): Promise<void> {
    await deleteWebhook(this.db, id);
  }

  /**
   * `count` `document.created` events in the webhook outbox at once, each about a
   * document of its own (one lane each), as commands record them in their transactions.
   */
  async recordWebhookEvents(count: number): Promise<void> {
    await sql`
      insert into webhook_events (type, workspace_id, document_id, data)
      select 'document.created', ${this.workspaceId}, 'bench-event-' || n,
             jsonb_build_object('documentId', 'bench-event-' || n, 'workspaceId', ${this.workspaceId}::text)
        from generate_series(1, ${count}::int) as n`.execute(this.db);
  }

  /** Creates `count` documents the bench user owns; every server uses the same ids. */
  async createDocuments(count: number, title: string): Promise<string[]> {
    const ids: string[] = [];
    for (let i = 0; i < count; i++) {
      const id = newId();
      await insertDocument(this.db, {
        id,
        workspaceId: this.workspaceId,
        title: `${title} ${i}`,
        createdBy: this.userId,
      });
      await setDocumentPermission(this.db, id, this.userId, 'owner', this.userId);
      ids.push(id);
    }
    return ids;
  }

  /**
   * `count` documents with search rows in a workspace of their own that the bench user
   * administers (so search's access check takes its workspace-admin branch), seeded in
   * batches of multi-row INSERT … SELECT generate_series, then ANALYZEd. Each body is
   * 3–10 of `sentences`, each title the first words of one, picked by a hash of the
   * document's number: the same corpus on every run. Returns the workspace id.
   */
  async seedSearchDocuments(count: number, sentences: string[], batch = 10_000): Promise<string> {
    const workspaceId = newId();
    await insertWorkspace(this.db, { id: workspaceId, name: 'search bench', createdBy: this.userId });
    await upsertWorkspaceMember(this.db, workspaceId, this.userId, 'admin');
    const n = sentences.length;
    // hashint4 spreads consecutive numbers over the corpus; abs of int4 min overflows, hence the mask.
    const pick = (expr: ReturnType<typeof sql>) =>
      sql`(${sql.val(sentences)}::text[])[1 + ((hashint4(${expr}) & 2147483647) % ${n})]`;
    for (let from = 1; from <= count; from += batch) {
      const to = Math.min(count, from + batch - 1);
      await this.db.transaction().execute(async (trx) => {
        await sql`
          insert into documents (id, workspace_id, title, created_by)
          select ${workspaceId} || '-' || g, ${workspaceId},
                 array_to_string((regexp_split_to_array(${pick(sql`g`)}, ' '))[1:6], ' '), ${this.userId}
            from generate_series(${from}::int, ${to}::int) g`.execute(trx);
        await sql`
          insert into document_search (document_id, workspace_id, title, body)
          select d.id, d.workspace_id, d.title, b.body
            from generate_series(${from}::int, ${to}::int) g
            join documents d on d.id = ${workspaceId} || '-' || g
            cross join lateral (
              select string_agg(${pick(sql`g * 16 + j`)}, ' ') as body
                from generate_series(1, 3 + (g % 8)) j
            ) b`.execute(trx);
      });
    }
    // VACUUM too: a bulk load leaves the GIN index's pending list full (252 pages at 100k
    // documents), which every search then scans; autovacuum merges it on a live server.
    await sql`vacuum analyze documents, document_search`.execute(this.db);
    return workspaceId;
  }

  /** Counters of the bench database; Postgres publishes them up to a second late. */
  async pgCounters(): Promise<PgCounters> {
    return withClient(this.env.databaseUrl, async (client) => {
      const { rows } = await client.query<{
        commits: string;
        tuples: string;
        size: string;
        wal: string;
      }>(
        `select xact_commit as commits,
                (select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) from pg_stat_user_tables) as tuples,
                pg_database_size(datname) as size, (select wal_bytes from pg_stat_wal) as wal
           from pg_stat_database where datname = current_database()`,
      );
      const row = rows[0];
      return {
        commits: Number(row?.commits ?? 0),
        tuplesWritten: Number(row?.tuples ?? 0),
        databaseBytes: Number(row?.size ?? 0),
        walBytes: Number(row?.wal ?? 0),
      };
    });
  }

  /** Postgres backend processes connected to the bench database (the servers' pools). */
  async backendPids(): Promise<number[]> {
    return withClient(ADMIN_URL, async (client) => {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = $1',
        [this.databaseName],
      );
      return rows.map((r) => r.pid);
    });
  }

  async close(): Promise<void> {
    await this.closeDb();
    await withClient(ADMIN_URL, (c) =>
      c.query(`drop database if exists ${quoteIdent(this.databaseName)} with (force)`),
    );
    const redis = new Redis(this.env.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
    try {
      await redis.connect();
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${this.env.redisPrefix}*`, 'COUNT', 1000);
        if (keys.length > 0) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
    } finally {
      redis.disconnect();
    }
  }
}
