import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findErasureRequest } from '../db/repositories/erasure-requests.js';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { erasureRequestRunner } from './erasure-request-runner.js';
import { erasureRequester } from './erasure-requester.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('erasureRequester', () => {
  it('records a request by email, returns the open one when asked again, and refuses erased users', async () => {
    const user = await buildUser(t.db);
    const first = await erasureRequester(t.db, {
      target: { email: user.email?.toUpperCase() ?? '' },
      actorId: null,
    });
    expect(first).toMatchObject({ created: true, request: { status: 'pending', user_id: user.id } });
    const second = await erasureRequester(t.db, { target: { userId: user.id }, actorId: null });
    expect(second).toMatchObject({ created: false, request: { id: first.request.id } });

    const outcome = await erasureRequestRunner(t.db, {}, { id: first.request.id });
    expect(outcome?.report).toMatchObject({ workspacesDeleted: 1 });
    // The report and the request name the pseudonym, the user's id from now on.
    const pseudonym = outcome?.report?.userId ?? '';
    expect(pseudonym).not.toBe(user.id);
    const done = await findErasureRequest(t.db, first.request.id);
    expect(done).toMatchObject({
      status: 'done',
      user_id: pseudonym,
      report: { userId: pseudonym },
      error: null,
    });
    expect(done?.finished_at).toBeInstanceOf(Date);

    await expect(
      erasureRequester(t.db, { target: { userId: pseudonym }, actorId: null }),
    ).rejects.toMatchObject({
      code: 'CONFLICT',
    });
    await expect(
      erasureRequester(t.db, { target: { userId: user.id }, actorId: null }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'userId' });
    await expect(
      erasureRequester(t.db, { target: { email: 'nobody@example.test' }, actorId: null }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'email' });
  });
});
