/**
 * No directory across tenants: membership is direct only between people who already
 * share a workspace (or for an instance admin), otherwise an invitation the user accepts;
 * document roles only for members of the document's workspace; nobody learns the email
 * or name of someone they share no workspace with; unknown and unshared ids answer alike.
 */

import { userEraser } from '@folio/shared/commands';
import { grantDocumentRole } from '@folio/shared/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildTestApi, type TestApi } from '../test-app.js';

let h: TestApi;
beforeAll(async () => {
  h = await buildTestApi();
});
afterAll(async () => h?.close());

type User = Awaited<ReturnType<TestApi['user']>>;
type Body = Record<string, unknown>;

let n = 0;
const someone = (role?: 'admin' | 'compliance') => h.user(`u${++n}@invitations.test`, role ? { role } : {});

/** Status and body, without what differs per request or per invitation. */
async function answer(response: Response) {
  const body = (await response.json()) as Body;
  const { requestId: _r, invitationId, ...rest } = body;
  return { status: response.status, body: { ...rest, invitationId: typeof invitationId } };
}

const put = (token: string, workspaceId: string, userId: string, role = 'member') =>
  h.request(`/v1/workspaces/${workspaceId}/members/${userId}`, { method: 'PUT', token, json: { role } });

const members = async (token: string, workspaceId: string) => {
  const response = await h.request(`/v1/workspaces/${workspaceId}/members`, { token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Body[] }).items;
};

const inbox = async (user: User) => {
  const response = await h.request('/v1/invitations', { token: user.token });
  expect(response.status).toBe(200);
  return ((await response.json()) as { items: Body[] }).items;
};

const createWorkspace = async (user: User, name = 'Team') => {
  const response = await h.request('/v1/workspaces', { method: 'POST', token: user.token, json: { name } });
  expect(response.status).toBe(201);
  return ((await response.json()) as { id: string }).id;
};

describe('adding a member', () => {
  it('invites a stranger (202); the workspace sees nothing of them until they accept', async () => {
    const admin = await someone();
    const stranger = await someone();
    const ws = await createWorkspace(admin, 'Acme');
    const invited = await put(admin.token, ws, stranger.id, 'admin');
    expect(invited.status).toBe(202);
    const body = (await invited.json()) as { status: string; invitationId: string };
    expect(body).toEqual({ status: 'invited', invitationId: expect.any(String) });

    const before = JSON.stringify(await members(admin.token, ws));
    expect(before).not.toContain(stranger.id);
    expect(before).not.toContain(stranger.email);
    // Not a member yet: no access to the workspace either.
    expect((await h.request(`/v1/workspaces/${ws}/members`, { token: stranger.token })).status).toBe(404);

    const items = await inbox(stranger);
    expect(items).toEqual([
      {
        id: body.invitationId,
        workspaceId: ws,
        workspaceName: 'Acme',
        role: 'admin',
        invitedBy: admin.id,
        createdAt: expect.any(String),
        expiresAt: expect.any(String),
      },
    ]);
    const lifetime = Date.parse(items[0]?.expiresAt as string) - Date.parse(items[0]?.createdAt as string);
    expect(lifetime).toBe(14 * 24 * 60 * 60 * 1000);
    // The invitation tells the invitee nothing personal about the inviter.
    expect(JSON.stringify(items)).not.toContain(admin.email);
    expect(await inbox(admin)).toEqual([]);

    // Nobody else can accept or decline it.
    const other = await someone();
    for (const [method, path] of [
      ['POST', `/v1/invitations/${body.invitationId}/accept`],
      ['DELETE', `/v1/invitations/${body.invitationId}`],
    ] as const) {
      expect((await h.request(path, { method, token: other.token })).status).toBe(404);
      expect((await h.request(path, { method, token: admin.token })).status).toBe(404);
    }

    const accepted = await h.request(`/v1/invitations/${body.invitationId}/accept`, {
      method: 'POST',
      token: stranger.token,
    });
    expect(accepted.status).toBe(200);
    expect(await accepted.json()).toEqual({ workspaceId: ws, userId: stranger.id, role: 'admin' });
    expect(await members(admin.token, ws)).toContainEqual({
      workspaceId: ws,
      userId: stranger.id,
      role: 'admin',
      email: stranger.email,
      name: stranger.email.split('@')[0],
    });
    expect(await inbox(stranger)).toEqual([]);
    // Accepted once: gone.
    const again = await h.request(`/v1/invitations/${body.invitationId}/accept`, {
      method: 'POST',
      token: stranger.token,
    });
    expect(again.status).toBe(404);

    const audit = await h.t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'details'])
      .where('workspace_id', '=', ws)
      .where('action', 'like', 'workspace.invitation.%')
      .orderBy('id')
      .execute();
    expect(audit).toEqual([
      {
        action: 'workspace.invitation.create',
        actor_id: admin.id,
        details: { invitationId: body.invitationId, userId: stranger.id, role: 'admin' },
      },
      {
        action: 'workspace.invitation.accept',
        actor_id: stranger.id,
        details: { invitationId: body.invitationId, userId: stranger.id, role: 'admin', invitedBy: admin.id },
      },
    ]);
  });

  it('is direct (200) for someone who already shares a workspace with the admin', async () => {
    const admin = await someone();
    const colleague = await someone();
    const first = await h.team(admin, [colleague]);
    const second = await createWorkspace(admin, 'Second');
    const added = await put(admin.token, second, colleague.id);
    expect(added.status).toBe(200);
    expect(await added.json()).toEqual({ workspaceId: second, userId: colleague.id, role: 'member' });
    expect((await members(admin.token, second)).map((m) => m.userId)).toContain(colleague.id);
    // A role change of a member is direct too.
    expect((await put(admin.token, first.id, colleague.id, 'admin')).status).toBe(200);
    expect(await inbox(colleague)).toEqual([]);
  });

  it('is direct for an instance admin, who alone learns that an id names nobody', async () => {
    const root = await someone('admin');
    const stranger = await someone();
    const owner = await someone();
    const ws = await createWorkspace(owner);
    expect((await put(root.token, ws, stranger.id)).status).toBe(200);
    expect((await members(owner.token, ws)).map((m) => m.userId)).toContain(stranger.id);
    expect((await put(root.token, ws, 'no-such-user')).status).toBe(404);
  });

  it('answers an unknown id exactly like an unshared one, through invitation and withdrawal', async () => {
    const admin = await someone();
    const stranger = await someone();
    const ws = await createWorkspace(admin);
    const erased = await someone();
    await userEraser(h.t.db, { userId: erased.id, actorId: null });

    const strangerAnswer = await answer(await put(admin.token, ws, stranger.id));
    for (const id of ['0192f1a0-7d2c-7c4e-9a5b-3f1e2d4c5b6a', 'nobody', erased.id]) {
      expect(await answer(await put(admin.token, ws, id))).toEqual(strangerAnswer);
    }
    expect(strangerAnswer).toEqual({ status: 202, body: { status: 'invited', invitationId: 'string' } });
    // Inviting again renews the same invitation, for anyone.
    const renewed = (await (await put(admin.token, ws, stranger.id)).json()) as Body;
    expect((await inbox(stranger)).map((i) => i.id)).toEqual([renewed.invitationId]);

    // Withdrawing (DELETE …/members/:userId) answers alike too; a never-invited id alike again.
    const withdraw = (userId: string) =>
      h.request(`/v1/workspaces/${ws}/members/${userId}`, { method: 'DELETE', token: admin.token });
    expect((await withdraw(stranger.id)).status).toBe(204);
    expect((await withdraw('nobody')).status).toBe(204);
    expect(await inbox(stranger)).toEqual([]);
    const notInvitedUser = await answer(await withdraw(stranger.id));
    expect(notInvitedUser.status).toBe(404);
    expect(await answer(await withdraw('nobody'))).toEqual(notInvitedUser);
    expect(await answer(await withdraw((await someone()).id))).toEqual(notInvitedUser);
  });

  it('can be declined, lapses after its lifetime, and is bounded per workspace', async () => {
    const admin = await someone();
    const invitee = await someone();
    const ws = await createWorkspace(admin);
    const first = (await (await put(admin.token, ws, invitee.id)).json()) as { invitationId: string };
    const declined = await h.request(`/v1/invitations/${first.invitationId}`, {
      method: 'DELETE',
      token: invitee.token,
    });
    expect(declined.status).toBe(204);
    expect(
      (
        await h.request(`/v1/invitations/${first.invitationId}/accept`, {
          method: 'POST',
          token: invitee.token,
        })
      ).status,
    ).toBe(404);
    expect((await members(admin.token, ws)).map((m) => m.userId)).not.toContain(invitee.id);

    const second = (await (await put(admin.token, ws, invitee.id)).json()) as { invitationId: string };
    await h.t.db
      .updateTable('workspace_invitations')
      .set({ expires_at: new Date(Date.now() - 1000) })
      .where('id', '=', second.invitationId)
      .execute();
    expect(await inbox(invitee)).toEqual([]);
    expect(
      (
        await h.request(`/v1/invitations/${second.invitationId}/accept`, {
          method: 'POST',
          token: invitee.token,
        })
      ).status,
    ).toBe(404);

    // 100 live invitations per workspace; the 101st is refused, renewing one is not.
    for (let i = 0; i < 100; i++) expect((await put(admin.token, ws, `ghost-${i}`)).status).toBe(202);
    const full = await put(admin.token, ws, 'ghost-100');
    expect(full.status).toBe(409);
    expect((await put(admin.token, ws, 'ghost-7')).status).toBe(202);
    const count = await h.t.db
      .selectFrom('workspace_invitations')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('workspace_id', '=', ws)
      .executeTakeFirstOrThrow();
    expect(Number(count.n)).toBe(100);
  });

  it('needs workspace admin: members get 403, outsiders 404, personal workspaces 409', async () => {
    const admin = await someone();
    const member = await someone();
    const outsider = await someone();
    const ws = await h.team(admin, [member]);
    expect((await put(member.token, ws.id, outsider.id)).status).toBe(403);
    expect((await put(outsider.token, ws.id, member.id)).status).toBe(404);
    const personal = (
      (await (await h.request('/v1/workspaces', { token: admin.token })).json()) as {
        items: { id: string; personal: boolean }[];
      }
    ).items.find((w) => w.personal);
    expect((await put(admin.token, personal?.id as string, outsider.id)).status).toBe(409);
    expect((await put(admin.token, personal?.id as string, 'nobody')).status).toBe(409);
  });
});

describe('document roles', () => {
  it('only for members of the workspace; removal from it takes them away', async () => {
    const owner = await someone();
    const member = await someone();
    const stranger = await someone();
    const ws = await h.team(owner, [member]);
    const created = await h.request('/v1/documents', {
      method: 'POST',
      token: owner.token,
      json: { title: 'Plan', workspaceId: ws.id },
    });
    const doc = ((await created.json()) as { id: string }).id;
    const grant = (userId: string) =>
      h.request(`/v1/documents/${doc}/permissions/${userId}`, {
        method: 'PUT',
        token: owner.token,
        json: { role: 'editor' },
      });
    const unknown = await answer(await grant('nobody'));
    expect(unknown.status).toBe(404);
    expect(await answer(await grant(stranger.id))).toEqual(unknown);
    // A pending invitation is not membership.
    await put(owner.token, ws.id, stranger.id);
    expect(await answer(await grant(stranger.id))).toEqual(unknown);
    expect((await grant(member.id)).status).toBe(200);
    expect((await h.request(`/v1/documents/${doc}`, { token: member.token })).status).toBe(200);

    const removed = await h.request(`/v1/workspaces/${ws.id}/members/${member.id}`, {
      method: 'DELETE',
      token: owner.token,
    });
    expect(removed.status).toBe(204);
    expect((await h.request(`/v1/documents/${doc}`, { token: member.token })).status).toBe(404);
  });

  it('permission lists name only people the reader shares a workspace with', async () => {
    const owner = await someone();
    const reader = await someone();
    const outsider = await someone();
    const root = await someone('admin');
    const ws = await h.team(owner, [reader]);
    const created = await h.request('/v1/documents', {
      method: 'POST',
      token: owner.token,
      json: { title: 'Legacy', workspaceId: ws.id },
    });
    const doc = ((await created.json()) as { id: string }).id;
    expect((await grantDocumentRoleVia(owner, doc, reader.id, 'viewer')).status).toBe(200);
    // A role held from before the rule (granted to someone outside the workspace).
    await grantDocumentRole(h.t.db, doc, outsider.id, 'viewer');

    const list = async (user: User) => {
      const response = await h.request(`/v1/documents/${doc}/permissions`, { token: user.token });
      expect(response.status).toBe(200);
      return ((await response.json()) as { items: Body[] }).items;
    };
    const seen = await list(reader);
    expect(seen.find((p) => p.userId === owner.id)).toMatchObject({ email: owner.email });
    expect(seen.find((p) => p.userId === reader.id)).toMatchObject({ email: reader.email });
    const hidden = seen.find((p) => p.userId === outsider.id);
    expect(hidden).toMatchObject({ userId: outsider.id, role: 'viewer', email: null });
    expect(hidden).not.toHaveProperty('name');
    expect(JSON.stringify(seen)).not.toContain(outsider.email);
    // The outsider sees their own entry; an instance admin sees everyone's.
    expect((await list(outsider)).find((p) => p.userId === outsider.id)).toMatchObject({
      email: outsider.email,
    });
    expect((await list(outsider)).find((p) => p.userId === reader.id)).toMatchObject({ email: null });
    expect((await list(root)).find((p) => p.userId === outsider.id)).toMatchObject({ email: outsider.email });
  });
});

function grantDocumentRoleVia(owner: User, doc: string, userId: string, role: string) {
  return h.request(`/v1/documents/${doc}/permissions/${userId}`, {
    method: 'PUT',
    token: owner.token,
    json: { role },
  });
}

describe('GDPR', () => {
  it('the export lists the invitations addressed to the user; erasure deletes them', async () => {
    const admin = await someone();
    const invitee = await someone();
    const ws = await createWorkspace(admin, 'Export Co');
    const { invitationId } = (await (await put(admin.token, ws, invitee.id)).json()) as {
      invitationId: string;
    };
    const exported = await h.request(`/v1/gdpr/exports/${invitee.id}`, { token: invitee.token });
    expect(exported.status).toBe(200);
    expect(((await exported.json()) as { invitations: Body[] }).invitations).toEqual([
      expect.objectContaining({
        id: invitationId,
        workspaceId: ws,
        workspaceName: 'Export Co',
        role: 'member',
      }),
    ]);

    const report = await userEraser(h.t.db, { userId: invitee.id, actorId: null });
    expect(report.invitationsDeleted).toBe(1);
    expect(
      await h.t.db
        .selectFrom('workspace_invitations')
        .select('id')
        .where('invitee_id', '=', invitee.id)
        .execute(),
    ).toEqual([]);
  });

  it("an erased admin's invitations stay valid for their invitees but no longer name them", async () => {
    const admin = await someone();
    const colleague = await someone();
    const other = await someone();
    const ws = await h.team(admin, [colleague]);
    const { invitationId } = (await (await put(admin.token, ws.id, other.id)).json()) as {
      invitationId: string;
    };
    await userEraser(h.t.db, { userId: admin.id, actorId: null });
    expect(await inbox(other)).toEqual([expect.objectContaining({ id: invitationId, invitedBy: null })]);
    const accepted = await h.request(`/v1/invitations/${invitationId}/accept`, {
      method: 'POST',
      token: other.token,
    });
    expect(accepted.status).toBe(200);
  });
});
