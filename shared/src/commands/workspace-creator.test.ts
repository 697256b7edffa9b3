import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listWorkspaceMembers } from '../db/repositories/workspace-members.js';
import { auditActions, buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { workspaceCreator } from './workspace-creator.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('workspaceCreator', () => {
  it('creates a shared workspace with its creator as the only admin, audited', async () => {
    const creator = await buildUser(t.db);
    const workspace = await workspaceCreator(t.db, { name: 'Design', actorId: creator.id });
    expect(workspace).toMatchObject({ name: 'Design', created_by: creator.id, personal_user_id: null });
    const members = await listWorkspaceMembers(t.db, workspace.id);
    expect(members.map((m) => [m.userId, m.role])).toEqual([[creator.id, 'admin']]);
    expect(await auditActions(t.db, { workspaceId: workspace.id })).toEqual(['workspace.create']);
  });
});
