import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findErasureRequest } from '../db/repositories/erasure-requests.js';
import { findUserById } from '../db/repositories/users.js';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { ERASURE_STALE_AFTER_MS, erasureRequestRunner } from './erasure-request-runner.js';
import { erasureRequester } from './erasure-requester.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('erasureRequestRunner', () => {
  it('never hands one request to two workers (SKIP LOCKED) and takes over stale running ones', async () => {
    const user = await buildUser(t.db);
    const { request } = await erasureRequester(t.db, { target: { userId: user.id }, actorId: null });
    // Another worker holds the row: this one skips it instead of waiting.
    await t.db.transaction().execute(async (trx) => {
      await trx
        .selectFrom('erasure_requests')
        .select('id')
        .where('id', '=', request.id)
        .forUpdate()
        .execute();
      expect(await erasureRequestRunner(t.db, {}, { id: request.id })).toBeUndefined();
    });
    // A worker died while running it: taken over once stale, not before.
    await t.db
      .updateTable('erasure_requests')
      .set({ status: 'running', started_at: new Date() })
      .where('id', '=', request.id)
      .execute();
    expect(await erasureRequestRunner(t.db, {}, { id: request.id })).toBeUndefined();
    await t.db
      .updateTable('erasure_requests')
      .set({ started_at: new Date(Date.now() - ERASURE_STALE_AFTER_MS - 1_000) })
      .where('id', '=', request.id)
      .execute();
    const [a, b] = await Promise.all([erasureRequestRunner(t.db, {}), erasureRequestRunner(t.db, {})]);
    expect([a, b].filter(Boolean)).toHaveLength(1);
    expect(await findErasureRequest(t.db, request.id)).toMatchObject({ status: 'done' });
  });

  it('records a failure without the input, and rolls the whole erasure back', async () => {
    const user = await buildUser(t.db, { email: 'fail-me@example.test' });
    // By id: the email is sealed, not in a column a trigger could compare.
    await sql`create function refuse_erasure() returns trigger language plpgsql as $$
      begin
        if old.id = '${sql.raw(user.id)}' then raise exception 'boom'; end if;
        return new;
      end $$`.execute(t.db);
    await sql`create trigger refuse_erasure before update on users for each row execute function refuse_erasure()`.execute(
      t.db,
    );
    try {
      const { request } = await erasureRequester(t.db, { target: { userId: user.id }, actorId: null });
      const outcome = await erasureRequestRunner(t.db, {}, { id: request.id });
      expect(outcome?.error).toBe('internal error (see the server log)');
      expect(await findErasureRequest(t.db, request.id)).toMatchObject({ status: 'failed', report: null });
      expect(await findUserById(t.db, user.id)).toMatchObject({
        email: 'fail-me@example.test',
        erased_at: null,
      });
      const workspaces = await t.db
        .selectFrom('workspaces')
        .select('id')
        .where('personal_user_id', '=', user.id)
        .execute();
      expect(workspaces).toHaveLength(1);
    } finally {
      await sql`drop trigger refuse_erasure on users`.execute(t.db);
    }
  });
});
