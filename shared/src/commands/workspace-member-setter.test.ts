import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPersonalWorkspace, listWorkspacesOfUser } from '../db/repositories/workspaces.js';
import { buildUser } from '../testing/fixtures.js';
import { createTestDatabase, type TestDatabase } from '../testing/index.js';
import { workspaceCreator } from './workspace-creator.js';
import { workspaceMemberRemover } from './workspace-member-remover.js';
import { workspaceMemberSetter } from './workspace-member-setter.js';

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

describe('workspaces', () => {
  it('creates a workspace administered by its creator and manages members', async () => {
    const admin = await buildUser(t.db);
    const member = await buildUser(t.db);
    const ws = await workspaceCreator(t.db, { name: 'Team', actorId: admin.id });
    expect((await listWorkspacesOfUser(t.db, admin.id)).find((w) => w.id === ws.id)?.role).toBe('admin');
    await workspaceMemberSetter(t.db, {
      workspaceId: ws.id,
      userId: member.id,
      role: 'member',
      actorId: admin.id,
    });
    expect((await listWorkspacesOfUser(t.db, member.id)).map((w) => w.id)).toContain(ws.id);
    // The last admin can neither leave nor be demoted.
    await expect(
      workspaceMemberSetter(t.db, {
        workspaceId: ws.id,
        userId: admin.id,
        role: 'member',
        actorId: admin.id,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await expect(
      workspaceMemberRemover(t.db, { workspaceId: ws.id, userId: admin.id, actorId: admin.id }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
    await workspaceMemberRemover(t.db, { workspaceId: ws.id, userId: member.id, actorId: admin.id });
    expect((await listWorkspacesOfUser(t.db, member.id)).map((w) => w.id)).not.toContain(ws.id);
    await expect(
      workspaceMemberSetter(t.db, {
        workspaceId: ws.id,
        userId: 'nobody',
        role: 'member',
        actorId: admin.id,
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND', field: 'userId' });
  });

  it('keeps personal workspaces personal', async () => {
    const user = await buildUser(t.db);
    const other = await buildUser(t.db);
    const personal = await findPersonalWorkspace(t.db, user.id);
    await expect(
      workspaceMemberSetter(t.db, {
        workspaceId: personal?.id ?? '',
        userId: other.id,
        role: 'member',
        actorId: user.id,
      }),
    ).rejects.toMatchObject({ code: 'CONFLICT' });
  });
});
