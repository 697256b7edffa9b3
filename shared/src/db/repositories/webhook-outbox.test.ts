import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildUser, buildWorkspace, createTestDatabase, type TestDatabase } from '../../testing/index.js';
import { webhookOutboxStats } from './webhooks.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t?.drop());

describe('webhookOutboxStats', () => {
  it('says how many rows wait in each outbox and how old the oldest is', async () => {
    expect(await webhookOutboxStats(t.db)).toEqual([
      { outbox: 'events', rows: 0, oldestSeconds: 0 },
      { outbox: 'document_changes', rows: 0, oldestSeconds: 0 },
    ]);
    const workspace = await buildWorkspace(t.db, await buildUser(t.db));
    // As if no worker had relayed them for two minutes.
    await sql`insert into webhook_events (type, workspace_id, data, created_at)
              select 'document.created', ${workspace.id}, '{}'::jsonb, now() - interval '2 minutes'
                from generate_series(1, 3)`.execute(t.db);
    const [events, changes] = await webhookOutboxStats(t.db);
    expect(events).toMatchObject({ outbox: 'events', rows: 3 });
    expect(events?.oldestSeconds).toBeGreaterThanOrEqual(120);
    expect(changes).toEqual({ outbox: 'document_changes', rows: 0, oldestSeconds: 0 });
  });
});
