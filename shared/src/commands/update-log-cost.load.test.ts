import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listNewUpdateIds } from '../db/repositories/document-updates.js';
import { upsertSearchText } from '../db/repositories/search.js';
import {
  buildDocument,
  buildUser,
  connectKysely,
  createTestDatabase,
  type TestDatabase,
} from '../testing/index.js';
import { documentCompactor } from './document-compactor.js';
import { EMPTY_HORIZON } from './document-state-loader.js';
import { documentUpdateAuditor } from './document-update-auditor.js';
import { documentUpdateRecorder } from './document-update-recorder.js';

/**
 * An opt-in measurement (FOLIO_LOAD=1): Postgres tuples written per edit under a steady
 * load shaped like the collaboration server's — group commits of FOLIO_LOAD_BATCH
 * updates every 10 ms over FOLIO_LOAD_DOCS documents, the audit summariser once a
 * second, a compaction of each document every 5 s and a search upsert of each every
 * 3 s — read from pg_stat_user_tables (n_tup_ins + n_tup_upd + n_tup_del). Prints the
 * figure and the EXPLAIN (ANALYZE, BUFFERS) of the append and of the follower's query.
 */
const DOCS = Number(process.env.FOLIO_LOAD_DOCS ?? 10);
const BATCH = Number(process.env.FOLIO_LOAD_BATCH ?? 10);
const SECONDS = Number(process.env.FOLIO_LOAD_SECONDS ?? 6);

let t: TestDatabase;

async function tuplesWritten(db: TestDatabase['db']): Promise<number> {
  const row = await sql<{ n: string }>`
    select coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) as n from pg_stat_user_tables`.execute(db);
  return Number(row.rows[0]?.n ?? 0);
}

describe.skipIf(!process.env.FOLIO_LOAD)('update log cost', () => {
  beforeAll(async () => {
    t = await createTestDatabase();
  });
  afterAll(() => t?.drop());

  it('tuples written per edit, and the plans of the append and the follower query', {
    timeout: 120_000,
  }, async () => {
    const user = await buildUser(t.db);
    const documents: Awaited<ReturnType<typeof buildDocument>>[] = [];
    for (let d = 0; d < DOCS; d++) documents.push(await buildDocument(t.db, user));
    // The workload's own pool: closing it ends its backends, which flushes their stats.
    const load = connectKysely(t.url);
    let edits = 0;
    let before = 0;
    try {
      await documentUpdateAuditor(load, { holder: 'load', force: true });
      await sql`select pg_stat_force_next_flush()`.execute(t.db);
      await new Promise((r) => setTimeout(r, 1_500));
      before = await tuplesWritten(t.db);
      const started = Date.now();
      let lastAudit = started;
      const lastCompaction = new Map<string, number>();
      const lastIndex = new Map<string, number>();
      while (Date.now() - started < SECONDS * 1_000) {
        const batch = Array.from({ length: BATCH }, (_, i) => ({
          documentId: documents[(edits + i) % DOCS]?.id ?? '',
          update: new Uint8Array(30).fill(i),
          actorId: user.id,
          connectionId: `c${i}`,
        }));
        await documentUpdateRecorder(load, batch);
        edits += batch.length;
        const now = Date.now();
        if (now - lastAudit >= 1_000) {
          await documentUpdateAuditor(load, { holder: 'load' });
          lastAudit = now;
        }
        for (const doc of documents) {
          if (now - (lastCompaction.get(doc.id) ?? started) >= 5_000) {
            lastCompaction.set(doc.id, now);
            await sql`insert into document_states (document_id, snapshot, seq, covers_xid)
                      values (${doc.id}, ${Buffer.alloc(100)}, 0, pg_snapshot_xmin(pg_current_snapshot()))
                      on conflict (document_id) do update set snapshot = excluded.snapshot,
                        covers_xid = excluded.covers_xid`.execute(load);
          }
          if (now - (lastIndex.get(doc.id) ?? started) >= 3_000) {
            lastIndex.set(doc.id, now);
            await upsertSearchText(load, {
              documentId: doc.id,
              workspaceId: doc.workspace_id,
              title: 'x',
              body: 'y',
            });
          }
        }
        await new Promise((r) => setTimeout(r, 10));
      }
      await documentUpdateAuditor(load, { holder: 'load' });
    } finally {
      await load.destroy();
    }
    let after = 0;
    for (let i = 0; i < 20; i++) {
      await new Promise((r) => setTimeout(r, 500));
      const n = await tuplesWritten(t.db);
      if (n === after && n > before) break;
      after = n;
    }
    const perEdit = (after - before) / edits;
    console.log(
      `tuples written per edit: ${perEdit.toFixed(3)} (${after - before} tuples, ${edits} edits, ` +
        `batches of ${BATCH} over ${DOCS} documents, ${SECONDS} s)`,
    );
    expect(perEdit).toBeLessThanOrEqual(1.5);

    // The real compactor once, so the plans below see realistic horizons.
    await documentCompactor(t.db, documents[0]?.id ?? '');
    const ids = documents.map((d) => d.id);
    // A log of realistic size, so the planner's choices are the ones production gets.
    await sql`insert into document_updates (document_id, update, size, xid)
              select (${ids}::text[])[1 + g % ${ids.length}], '\\x00'::bytea, 1, '3'::xid8
                from generate_series(1, 300000) g`.execute(t.db);
    await sql`analyze document_updates`.execute(t.db);
    const explain = async (label: string, query: ReturnType<typeof sql>) => {
      const plan = await sql<{
        'QUERY PLAN': string;
      }>`explain (analyze, buffers, costs off) ${query}`.execute(t.db);
      console.log(`${label}:\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
    };
    await t.db
      .transaction()
      .execute(async (trx) => {
        await explain(
          `append (${BATCH} updates, ${DOCS} documents)`,
          sql`with numbered as materialized (
              select nextval('document_updates_seq_seq') as seq, ordered.*
                from (select t.* from unnest(${ids.slice(0, BATCH)}::text[],
                        ${ids.slice(0, BATCH).map(() => '00'.repeat(30))}::text[]) with ordinality
                        as t(document_id, update_hex, ord)
                      join documents d on d.id = t.document_id order by t.ord) ordered),
            inserted as (insert into document_updates (seq, document_id, update, size)
              select seq, document_id, decode(update_hex, 'hex'), 30 from numbered)
            select ord, seq from numbered`,
        );
        await sql`rollback`.execute(trx).catch(() => {});
      })
      .catch(() => {});
    const horizon = (await listNewUpdateIds(t.db, [{ id: ids[0] ?? '', horizon: EMPTY_HORIZON }])).horizon;
    await explain(
      `follower listing (${DOCS} documents, at the current horizon)`,
      sql`with wanted as (select * from unnest(${ids}::text[], ${ids.map(() => horizon)}::xid8[]) as w(id, horizon))
          select 'h', pg_snapshot_xmin(pg_current_snapshot())::text, null::bigint
          union all select 'm', w.id, null from wanted w where not exists (select 1 from documents d where d.id = w.id)
          union all (select 'u', w.id, u.seq from wanted w cross join lateral (
                       select seq from document_updates u where u.document_id = w.id and u.xid >= w.horizon
                        limit 20000) u limit 20000)`,
    );
    await explain(
      'loader page (one document, at its compacted horizon)',
      sql`select h.horizon::text, u.seq from (select pg_snapshot_xmin(pg_current_snapshot()) as horizon) h
          left join lateral (select seq, xid, update from document_updates
            where document_id = ${ids[0]} and xid >= ${horizon}::xid8 and (xid, seq) > ('0'::xid8, 0::bigint)
            order by xid, seq limit 2000) u on true`,
    );
  });
});
