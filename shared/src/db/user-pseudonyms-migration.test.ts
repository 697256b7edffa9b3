import { randomBytes } from 'node:crypto';
import { migrateToLatest, migrationProvider } from '@folio/migrations';
import { sql } from 'kysely';
import { Migrator } from 'kysely/migration';
import { afterAll, expect, it } from 'vitest';
import { userEraser } from '../commands/user-eraser.js';
import { newId } from '../ids.js';
import { createLogger } from '../logger.js';
import { databaseUrl, findInDatabase, withAdminClient } from '../testing/index.js';
import { openDatabase } from './connect.js';
import { verifyAuditChain } from './repositories/audit.js';
import { auditHash } from './repositories/audit-hash.js';

const name = `folio_t_${process.pid}_pseudonyms_${randomBytes(4).toString('hex')}`;
afterAll(() => withAdminClient((c) => c.query(`drop database if exists "${name}" with (force)`)));

it('moves a database from before pseudonyms: old hashes verify, erased users get their pseudonym', async () => {
  await withAdminClient((c) => c.query(`create database "${name}"`));
  const handle = await openDatabase({
    url: databaseUrl(name),
    dataDir: '.',
    poolSize: 2,
    log: createLogger({ level: 'silent', name: 'test' }),
  });
  const db = handle.db;
  try {
    const migrator = new Migrator({ db, provider: migrationProvider });
    expect((await migrator.migrateTo('2026-12-02T0110_session_ids')).error).toBeUndefined();

    // What the previous version left: users, an erased one kept under their id, and
    // audit entries hashed over raw ids.
    const live = newId();
    const erased = newId();
    await sql`insert into users (id, email, name) values (${live}, 'live@example.test', 'Live')`.execute(db);
    await sql`insert into users (id, email, name, erased_at) values (${erased}, null, '', now())`.execute(db);
    const entries = [
      { actorId: live, action: 'user.create', details: { userId: erased } },
      { actorId: erased, action: 'document.read', details: {} },
      { actorId: null, action: 'gdpr.erase', details: { userId: erased, documentsDeleted: 0 } },
      { actorId: live, action: 'workspace.invitation.accept', details: { userId: live, invitedBy: erased } },
    ];
    let prev: Uint8Array = new Uint8Array(32);
    for (const [i, e] of entries.entries()) {
      const at = new Date(Date.UTC(2026, 10, 1, 0, i));
      const row = {
        at,
        actorId: e.actorId,
        action: e.action,
        documentId: null,
        workspaceId: null,
        details: e.details,
      };
      const hash = auditHash(prev, row);
      await sql`insert into audit_events (at, actor_id, action, details, prev_hash, hash)
        values (${at}, ${e.actorId}, ${e.action}, ${JSON.stringify(e.details)}::jsonb, ${prev}, ${hash})`.execute(
        db,
      );
      prev = hash;
    }
    await sql`update audit_chain_head set hash = ${prev}, last_id = (select max(id) from audit_events)`.execute(
      db,
    );

    await migrateToLatest(db);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, count: 4 });
    // The user erased before now has a pseudonym; their old id is left only as the audit
    // ref that the old hashes cover.
    expect(await findInDatabase(db, [erased])).toEqual([`users.audit_ref contains "${erased}"`]);
    const pseudonym = await sql<{ id: string }>`select id from users where audit_ref = ${erased}`.execute(db);
    expect(pseudonym.rows[0]?.id).not.toBe(erased);

    // A live user erased from now on: the same, and the chain still verifies.
    const report = await userEraser(db, { userId: live, actorId: null });
    expect(report.userId).not.toBe(live);
    expect(await findInDatabase(db, [live])).toEqual([`users.audit_ref contains "${live}"`]);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, count: 5 });
    const actors = await sql<{
      actor_id: string | null;
    }>`select actor_id from audit_events order by id`.execute(db);
    expect(actors.rows.map((r) => r.actor_id)).toEqual([
      report.userId,
      pseudonym.rows[0]?.id,
      null,
      report.userId,
      null,
    ]);
  } finally {
    await handle.close();
  }
});
