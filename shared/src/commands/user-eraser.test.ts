import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CollabEvent, createCollabBus } from '../collab-bus.js';
import { verifyAuditChain } from '../db/repositories/audit.js';
import { insertWebhook, recordDocumentChanges, recordWebhookEvent } from '../db/repositories/webhooks.js';
import { findPersonalWorkspace } from '../db/repositories/workspaces.js';
import { newId } from '../ids.js';
import { createLogger } from '../logger.js';
import { collabDocumentKey, createRedis, type Redis } from '../redis.js';
import {
  buildApiToken,
  buildDocument,
  buildUser,
  buildWorkspace,
  grantDocumentRole,
} from '../testing/fixtures.js';
import {
  createTestDatabase,
  findInDatabase,
  findInRedis,
  type TestDatabase,
  testRedisConnection,
  testRedisPrefix,
} from '../testing/index.js';
import { authenticateApiToken } from './api-token-issuer.js';
import { documentContentReplacer } from './document-content-replacer.js';
import { documentCreator } from './document-creator.js';
import { authenticateSession, sessionStarter } from './sessions.js';
import { userEraser } from './user-eraser.js';
import { userProvisioner } from './user-provisioner.js';
import { workspaceCreator } from './workspace-creator.js';
import { workspaceMemberSetter } from './workspace-member-setter.js';

const log = createLogger({ level: 'silent', name: 'test' });
let t: TestDatabase;
let redis: Redis;
beforeAll(async () => {
  t = await createTestDatabase();
  redis = createRedis({ ...testRedisConnection(), log, name: 'eraser-test' }) as Redis;
});
afterAll(async () => {
  redis?.disconnect();
  await t?.drop();
});

const recordingBus = () => {
  const bus = createCollabBus({ prefix: 'test:', log });
  const seen: CollabEvent[] = [];
  void bus.subscribe((e) => seen.push(e));
  return { bus, seen, settle: () => new Promise((r) => setImmediate(r)) };
};

const personal = async (userId: string) => (await findPersonalWorkspace(t.db, userId))?.id ?? '';

/** A user with a bit of everything: documents alone and shared, workspaces, credentials. */
async function buildAccount() {
  const tag = randomBytes(4).toString('hex');
  const name = `Zelda Quixotic ${tag}`;
  const email = `zelda-${tag}@example.test`;
  const secret = `the secret plan number ${tag}`;
  const zelda = await buildUser(t.db, { name, email });
  await userProvisioner(t.db, {
    issuer: 'https://idp.example.test',
    sub: `sub-${tag}`,
    email,
    emailVerified: true,
    name,
  });
  const bob = await buildUser(t.db, { name: 'Bob' });
  const carol = await buildUser(t.db, { name: 'Carol' });
  const home = await personal(zelda.id);

  const alone = await documentCreator(t.db, {
    workspaceId: home,
    title: `Diary ${tag}`,
    content: { text: secret },
    actorId: zelda.id,
  });
  await t.db
    .insertInto('document_versions')
    .values({
      id: `v-${tag}`,
      document_id: alone.id,
      label: secret,
      snapshot: Buffer.from(secret),
      seq: 1,
      covers_xid: '3',
      created_by: zelda.id,
    })
    .execute();
  const sharedAtHome = await documentCreator(t.db, {
    workspaceId: home,
    title: 'Shared plan',
    content: { text: 'shared words' },
    actorId: zelda.id,
  });
  await grantDocumentRole(t.db, sharedAtHome.id, bob.id, 'viewer');

  const bobsDoc = await documentCreator(t.db, {
    workspaceId: await personal(bob.id),
    title: 'Bob notes',
    content: { text: 'bob text' },
    actorId: bob.id,
  });
  await grantDocumentRole(t.db, bobsDoc.id, zelda.id, 'editor');
  await documentContentReplacer(t.db, {
    documentId: bobsDoc.id,
    actorId: zelda.id,
    replacement: { text: 'zelda edited this' },
  });

  const team = await workspaceCreator(t.db, { name: 'Team', actorId: zelda.id });
  await workspaceMemberSetter(t.db, {
    workspaceId: team.id,
    userId: carol.id,
    role: 'member',
    actorId: zelda.id,
  });
  const teamPrivate = await documentCreator(t.db, {
    workspaceId: team.id,
    title: 'Team draft',
    content: { text: `${secret} in the team` },
    actorId: zelda.id,
  });
  const solo = await workspaceCreator(t.db, { name: 'Solo', actorId: zelda.id });

  const { token, record } = await buildApiToken(t.db, zelda);
  const session = await sessionStarter(t.db, { userId: zelda.id, userAgent: `Browser of ${name}` });
  return {
    tag,
    name,
    email,
    secret,
    zelda,
    bob,
    carol,
    alone,
    sharedAtHome,
    bobsDoc,
    team,
    teamPrivate,
    solo,
    token,
    tokenId: record.id,
    session,
  };
}

describe('userEraser', () => {
  it('deletes what only the user could reach, keeps shared content, and leaves no personal data behind', async () => {
    const a = await buildAccount();
    const prefix = testRedisPrefix();
    const unrelated = `${prefix}ratelimit:t:someone-else-entirely:1`;
    await redis.set(`${prefix}ratelimit:t:${a.tokenId}:29000000`, '3');
    await redis.set(`${collabDocumentKey(prefix, a.alone.id)}:lock`, 'lock-value');
    await redis.set(unrelated, '1');
    const needles = [a.email, a.name, a.secret];
    // The scans can fail: before erasure they find the user everywhere.
    expect((await findInDatabase(t.db, needles)).length).toBeGreaterThan(3);

    const { bus, seen, settle } = recordingBus();
    const report = await userEraser(
      t.db,
      { userId: a.zelda.id, actorId: null },
      { bus, redis, redisPrefix: prefix, log },
    );

    const pseudonym = report.userId;
    expect(pseudonym).not.toBe(a.zelda.id);
    expect(report).toMatchObject({
      documentsDeleted: 2,
      documentsRetained: 1,
      documentsMoved: 1,
      ownersPromoted: 1,
      permissionsRemoved: 2,
      membershipsRemoved: 3,
      workspaceAdminsPromoted: 1,
      workspacesDeleted: 2,
      apiTokensDeleted: 1,
      sessionsDeleted: 1,
      redisKeysDeleted: 2,
    });
    await settle();
    expect(seen).toContainEqual({ type: 'revoke', userId: a.zelda.id });
    expect(
      seen
        .filter((e) => e.type === 'document-deleted')
        .map((e) => (e as { documentId: string }).documentId)
        .sort(),
    ).toEqual([a.alone.id, a.teamPrivate.id].sort());

    // No personal data, no text of the deleted documents and not the original id anywhere.
    expect(await findInDatabase(t.db, [...needles, a.zelda.id])).toEqual([]);
    expect(await findInRedis(redis, prefix, [...needles, a.zelda.id, a.tokenId, a.alone.id])).toEqual([]);
    expect(await redis.get(unrelated)).toBe('1');

    // The pseudonym: a new id, nothing personal, no way in.
    const row = await t.db
      .selectFrom('users')
      .selectAll()
      .where('id', '=', pseudonym)
      .executeTakeFirstOrThrow();
    expect(row).toMatchObject({
      email: null,
      name: '',
      role: 'member',
      oidc_issuer: null,
      oidc_subject: null,
    });
    expect(row.erased_at).toBeInstanceOf(Date);
    expect(await authenticateApiToken(t.db, a.token)).toBeUndefined();
    expect(await authenticateSession(t.db, a.session.secret)).toBeUndefined();

    // Shared content stays, attributed to the pseudonym.
    const moved = await t.db
      .selectFrom('documents')
      .selectAll()
      .where('id', '=', a.sharedAtHome.id)
      .executeTakeFirstOrThrow();
    expect(moved.workspace_id).toBe(await personal(a.bob.id));
    const search = await t.db
      .selectFrom('document_search')
      .select('workspace_id')
      .where('document_id', '=', a.sharedAtHome.id)
      .executeTakeFirstOrThrow();
    expect(search.workspace_id).toBe(moved.workspace_id);
    const roles = await t.db
      .selectFrom('document_permissions')
      .select(['user_id', 'role'])
      .where('document_id', 'in', [a.sharedAtHome.id, a.bobsDoc.id])
      .execute();
    expect(roles).toEqual(expect.arrayContaining([{ user_id: a.bob.id, role: 'owner' }]));
    expect(roles.some((r) => r.user_id === a.zelda.id || r.user_id === pseudonym)).toBe(false);
    const attributions = await t.db
      .selectFrom('document_updates')
      .select('actor_id')
      .where('document_id', '=', a.bobsDoc.id)
      .execute();
    expect(attributions.map((r) => r.actor_id)).toContain(pseudonym);
    const kept = await t.db
      .selectFrom('documents')
      .select('created_by')
      .where('id', '=', a.sharedAtHome.id)
      .executeTakeFirstOrThrow();
    expect(kept.created_by).toBe(pseudonym);

    // The team keeps an admin; the empty workspace is gone.
    const members = await t.db
      .selectFrom('workspace_members')
      .select(['user_id', 'role'])
      .where('workspace_id', '=', a.team.id)
      .execute();
    expect(members).toEqual([{ user_id: a.carol.id, role: 'admin' }]);
    expect(
      await t.db.selectFrom('workspaces').select('id').where('id', '=', a.solo.id).executeTakeFirst(),
    ).toBeUndefined();

    // Audited with ids and counts, and the chain still verifies.
    const erase = await t.db
      .selectFrom('audit_events')
      .selectAll()
      .where('action', '=', 'gdpr.erase')
      .executeTakeFirstOrThrow();
    expect(erase.details).toMatchObject({ userId: pseudonym, documentsDeleted: 2 });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
    // Their earlier entries, as actor and as subject, carry the pseudonym.
    const theirs = await t.db
      .selectFrom('audit_events')
      .select(['action', 'actor_id', 'details'])
      .where((eb) => eb.or([eb('actor_id', '=', pseudonym), eb(sql`details->>'userId'`, '=', pseudonym)]))
      .execute();
    expect(theirs.filter((e) => e.actor_id === pseudonym).map((e) => e.action)).toEqual(
      expect.arrayContaining(['document.create', 'workspace.create', 'workspace.member.set']),
    );
    expect(theirs.map((e) => e.action)).toContain('user.create');

    // SSO with the same subject does not bring the old account back.
    const again = await userProvisioner(t.db, {
      issuer: 'https://idp.example.test',
      sub: `sub-${a.tag}`,
      email: `new-${a.tag}@example.test`,
      name: 'Someone',
    });
    expect(again.created).toBe(true);
    expect(again.user.id).not.toBe(a.zelda.id);
  });

  it('is safe to run again by the pseudonym, and the original id names nobody', async () => {
    const user = await buildUser(t.db);
    const first = await userEraser(t.db, { userId: user.id, actorId: null });
    const second = await userEraser(t.db, { userId: first.userId, actorId: null });
    expect(second).toMatchObject({
      userId: first.userId,
      documentsDeleted: 0,
      workspacesDeleted: 0,
      apiTokensDeleted: 0,
      redisKeysDeleted: null,
    });
    for (const userId of ['nobody', user.id]) {
      await expect(userEraser(t.db, { userId, actorId: null })).rejects.toMatchObject({ code: 'NOT_FOUND' });
    }
  });

  it('completes when Redis is unreachable: the erasure is committed, the sweep is skipped', async () => {
    const user = await buildUser(t.db);
    const down = createRedis({ url: 'redis://127.0.0.1:1', log, name: 'down' }) as Redis;
    try {
      const report = await userEraser(
        t.db,
        { userId: user.id, actorId: null },
        { redis: down, redisPrefix: 'x:', log },
      );
      expect(report).toMatchObject({ workspacesDeleted: 1, redisKeysDeleted: null });
    } finally {
      down.disconnect();
    }
  });

  it('keeps a document that other workspace admins can reach', async () => {
    const zelda = await buildUser(t.db);
    const dana = await buildUser(t.db);
    const team = await workspaceCreator(t.db, { name: 'Ops', actorId: dana.id });
    await workspaceMemberSetter(t.db, {
      workspaceId: team.id,
      userId: zelda.id,
      role: 'admin',
      actorId: dana.id,
    });
    const doc = await documentCreator(t.db, { workspaceId: team.id, title: 'Runbook', actorId: zelda.id });
    const report = await userEraser(t.db, { userId: zelda.id, actorId: dana.id });
    expect(report).toMatchObject({
      documentsDeleted: 0,
      documentsRetained: 1,
      ownersPromoted: 0,
      workspaceAdminsPromoted: 0,
    });
    expect(
      await t.db.selectFrom('documents').select('id').where('id', '=', doc.id).executeTakeFirst(),
    ).toBeDefined();
  });

  it('leaves the original id in no webhook outbox, change or delivery body', async () => {
    const zelda = await buildUser(t.db);
    const bob = await buildUser(t.db);
    const team = await buildWorkspace(t.db, bob, [zelda]);
    const doc = await buildDocument(t.db, bob, { workspaceId: team.id });
    await grantDocumentRole(t.db, doc.id, zelda.id, 'editor');
    const webhook = await insertWebhook(t.db, {
      id: newId(),
      workspaceId: team.id,
      url: 'https://hooks.example.test/in',
      events: ['*'],
      description: null,
      secret: 'whsec_dGVzdA==',
      createdBy: bob.id,
    });
    // An edit not yet announced, an event not yet relayed, a delivery not yet made.
    await recordDocumentChanges(t.db, [
      { documentId: doc.id, fromSeq: 1, toSeq: 2, actorIds: [bob.id, zelda.id], agents: [] },
    ]);
    await recordWebhookEvent(t.db, {
      type: 'permission.granted',
      workspaceId: team.id,
      documentId: doc.id,
      data: { documentId: doc.id, userId: zelda.id, role: 'editor', actorId: bob.id },
    });
    await t.db
      .insertInto('webhook_deliveries')
      .values({
        id: newId(),
        webhook_id: webhook.id,
        lane: doc.id,
        type: 'document.updated',
        body: JSON.stringify({
          type: 'document.updated',
          data: { documentId: doc.id, actorIds: [zelda.id] },
        }),
      })
      .execute();
    expect((await findInDatabase(t.db, [zelda.id])).join()).toMatch(/webhook_document_changes.actor_ids/);

    const { userId: pseudonym } = await userEraser(t.db, { userId: zelda.id, actorId: null });
    expect(await findInDatabase(t.db, [zelda.id])).toEqual([]);
    const change = await t.db
      .selectFrom('webhook_document_changes')
      .select('actor_ids')
      .where('document_id', '=', doc.id)
      .executeTakeFirstOrThrow();
    expect(change.actor_ids).toEqual([bob.id, pseudonym].sort());
    const delivery = await t.db
      .selectFrom('webhook_deliveries')
      .select('body')
      .where('webhook_id', '=', webhook.id)
      .executeTakeFirstOrThrow();
    expect(JSON.parse(delivery.body).data.actorIds).toEqual([pseudonym]);
  });

  it('keeps the audit log append-only and tamper-evident around pseudonyms', async () => {
    const zelda = await buildUser(t.db);
    const bob = await buildUser(t.db);
    await workspaceCreator(t.db, { name: 'Evidence', actorId: zelda.id });
    const moveTo = (id: string) =>
      sql`update audit_events set actor_id = ${id} where actor_id = ${zelda.id}`.execute(t.db);
    // Outside an erasure, and even when asked, never towards a live user.
    await expect(moveTo(bob.id)).rejects.toThrow(/append-only/);
    await expect(
      t.db.transaction().execute(async (trx) => {
        await sql`select set_config('folio.audit_pseudonymize', 'on', true)`.execute(trx);
        await sql`update audit_events set actor_id = ${bob.id} where actor_id = ${zelda.id}`.execute(trx);
      }),
    ).rejects.toThrow(/append-only/);

    const { userId: pseudonym } = await userEraser(t.db, { userId: zelda.id, actorId: null });
    expect(await verifyAuditChain(t.db)).toMatchObject({ ok: true });
    // Pinning the pseudonym's entries on someone else, as a superuser could, is detected.
    await sql`alter table audit_events disable trigger audit_events_no_update`.execute(t.db);
    try {
      const tampered = await sql<{ id: string }>`
        update audit_events set actor_id = ${bob.id} where actor_id = ${pseudonym} returning id`.execute(
        t.db,
      );
      expect(tampered.rows.length).toBeGreaterThan(0);
      expect((await verifyAuditChain(t.db)).ok).toBe(false);
      const ids = tampered.rows.map((r) => String(r.id));
      await sql`update audit_events set actor_id = ${pseudonym} where id::text = any(${ids})`.execute(t.db);
      expect((await verifyAuditChain(t.db)).ok).toBe(true);
    } finally {
      await sql`alter table audit_events enable trigger audit_events_no_update`.execute(t.db);
    }
  });
});
