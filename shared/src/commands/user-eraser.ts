import type { CollabBus } from '../collab-bus.js';
import { appendToLedgerFile, recordInLedger } from '../crypto/erasure-ledger.js';
import { keyringOf } from '../crypto/keyring.js';
import { deleteUserApiTokens } from '../db/repositories/api-tokens.js';
import { type AuditEntry, appendAuditEvents, moveAuditEntriesToPseudonym } from '../db/repositories/audit.js';
import {
  deleteUserPermissions,
  findDocumentSuccessor,
  setDocumentPermission,
} from '../db/repositories/document-permissions.js';
import {
  deleteDocuments,
  listOwnedDocumentsForErasure,
  moveDocumentsToWorkspace,
} from '../db/repositories/documents.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { deleteUserSessions } from '../db/repositories/sessions.js';
import { lockOtherLiveAdmins, lockUserForErasure, pseudonymizeUser } from '../db/repositories/users.js';
import { moveWebhookRecordsToPseudonym, recordWebhookEvents } from '../db/repositories/webhooks.js';
import { eraseUserInvitations } from '../db/repositories/workspace-invitations.js';
import {
  deleteUserMemberships,
  listWorkspacesLosingTheirLastAdmin,
  upsertWorkspaceMember,
} from '../db/repositories/workspace-members.js';
import {
  deleteAbandonedWorkspaces,
  deletePersonalWorkspace,
  findPersonalWorkspace,
  insertWorkspace,
} from '../db/repositories/workspaces.js';
import type { User } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';
import type { Logger } from '../logger.js';
import type { Redis } from '../redis.js';
import { redisKeySweeper } from './redis-key-sweeper.js';

/** What an erasure did: ids and counts only, never personal data (it is stored and audited). */
export interface ErasureReport {
  /** The pseudonym: the user's id from now on (the original id is left nowhere). */
  userId: string;
  erasedAt: string;
  /** Documents nobody else could reach: deleted with all their history. */
  documentsDeleted: number;
  /** Documents the user owned that others can still reach: content kept. */
  documentsRetained: number;
  /** Retained documents moved out of the user's personal workspace to an heir's. */
  documentsMoved: number;
  /** Other users made owner so a retained document keeps an explicit owner. */
  ownersPromoted: number;
  /** Roles the user held on documents, removed. */
  permissionsRemoved: number;
  membershipsRemoved: number;
  /** Shared workspaces whose only admin the user was; their longest-standing member took over. */
  workspaceAdminsPromoted: number;
  /** The personal workspace, and shared ones left with neither members nor documents. */
  workspacesDeleted: number;
  apiTokensDeleted: number;
  sessionsDeleted: number;
  /** Workspace invitations addressed to the user (those they sent stay, unattributed). */
  invitationsDeleted: number;
  /** Redis keys naming the user, their credentials or their deleted documents; null without Redis (or when it was unreachable). */
  redisKeysDeleted: number | null;
}

export interface UserEraserDeps {
  /** Closes the user's open WebSockets and drops deleted documents on every instance. */
  bus?: CollabBus | undefined;
  redis?: Redis | undefined;
  redisPrefix?: string | undefined;
  log?: Logger | undefined;
}

/**
 * An erasure must not leave the instance without an admin: nobody could then grant the
 * role again except through the database. Refused with CONFLICT (409); create or promote
 * another admin first.
 */
export async function assertNotLastAdmin(
  db: Handle,
  user: Pick<User, 'id' | 'role' | 'erased_at'>,
  field: 'userId' | 'email' = 'userId',
): Promise<void> {
  if (user.role !== 'admin' || user.erased_at) return;
  const others = await lockOtherLiveAdmins(db, user.id);
  if (others.length === 0) {
    throw new FolioError('CONFLICT', 'that user is the last instance admin; make another admin first', {
      field,
    });
  }
}

/** Documents touched per statement, so one huge account never builds one huge query. */
const CHUNK = 500;
const chunks = <T>(items: T[]) =>
  Array.from({ length: Math.ceil(items.length / CHUNK) }, (_, i) => items.slice(i * CHUNK, (i + 1) * CHUNK));

/**
 * GDPR erasure of one user, in one transaction:
 *
 * - Documents they alone owned — an owner role (or anything in their personal
 *   workspace) with no other user holding any role on it and no other admin in its
 *   workspace — are deleted with all their history (snapshots, update log, versions,
 *   search rows go by cascade).
 * - Documents they owned that others can still reach keep their content; those in the
 *   personal workspace move to the personal workspace of the strongest other
 *   collaborator, and a document left without an explicit owner gets that collaborator
 *   as owner.
 * - Shared workspaces they were the only admin of get their longest-standing member as
 *   admin; shared workspaces left empty (no members, no documents) go.
 * - Their roles, memberships, invitations, sessions, API tokens and personal workspace go; the user
 *   row stays under a new random id, the pseudonym (no email, name or OIDC identity;
 *   `erased_at` set). Update-log rows, `created_by` columns and erasure requests follow
 *   the id by foreign key; audit entries naming the user are moved to it (their hashes
 *   cover the user's unexposed `audit_ref`, so the chain still verifies). The original
 *   id, which integrations and backups know, is left nowhere (Redis keys naming it are
 *   swept after commit). Users created before pseudonyms keep it as their `audit_ref`.
 *
 * After commit: the user's connections are closed on every instance, deleted documents
 * are dropped, and Redis keys naming them are removed. Safe to run again on an erased
 * user by their pseudonym (a retried request): everything is already gone, the counts
 * are zero and the pseudonym stays.
 */
export async function userEraser(
  db: Handle,
  input: { userId: string; actorId: string | null; requestId?: string | undefined },
  deps: UserEraserDeps = {},
): Promise<ErasureReport> {
  const erasedAt = new Date();
  const outcome = await inTransaction(db, async (trx) => {
    const user = await lockUserForErasure(trx, input.userId);
    if (!user) throw new FolioError('NOT_FOUND', 'no such user', { field: 'userId' });
    // A retry of a finished erasure keeps the pseudonym it gave.
    const pseudonymId = user.pseudonymized ? user.id : newId();
    // An officer erasing themself is audited under their pseudonym too.
    const actorId = input.actorId === input.userId ? pseudonymId : input.actorId;
    // From the locked row, not the profile: the profile of a user a restore brought back
    // does not open once their key is shredded, and the erasure needs none of it.
    await assertNotLastAdmin(trx, user);

    const owned = await listOwnedDocumentsForErasure(trx, input.userId);
    const doomed = owned.filter((d) => d.otherRoles === 0 && d.otherWorkspaceAdmins === 0);
    const retained = owned.filter((d) => d.otherRoles > 0 || d.otherWorkspaceAdmins > 0);
    const audit: AuditEntry[] = [];

    let documentsDeleted = 0;
    for (const chunk of chunks(doomed.map((d) => d.id)))
      documentsDeleted += await deleteDocuments(trx, chunk);
    for (const d of doomed) {
      audit.push({
        actorId,
        action: 'document.delete',
        documentId: d.id,
        workspaceId: d.workspaceId,
        details: { via: 'gdpr.erase', userId: pseudonymId },
      });
    }

    // Retained documents: an heir where the document would otherwise be left ownerless
    // or homeless. In the personal workspace nobody else is an admin, so otherRoles > 0.
    let documentsMoved = 0;
    let ownersPromoted = 0;
    const moves = new Map<string, string[]>();
    for (const d of retained) {
      if (d.otherOwners > 0 && !d.inPersonalWorkspace) continue;
      const heir = await findDocumentSuccessor(trx, d.id, input.userId);
      if (!heir) continue;
      if (d.otherOwners === 0 && heir.role !== 'owner') {
        await setDocumentPermission(trx, d.id, heir.userId, 'owner', null);
        ownersPromoted++;
        audit.push({
          actorId,
          action: 'permission.grant',
          documentId: d.id,
          workspaceId: d.workspaceId,
          details: { via: 'gdpr.erase', userId: heir.userId, role: 'owner', previousRole: heir.role },
        });
      }
      if (d.inPersonalWorkspace) {
        let home = await findPersonalWorkspace(trx, heir.userId);
        home ??= await insertWorkspace(trx, {
          id: newId(),
          name: 'Personal',
          createdBy: heir.userId,
          personalUserId: heir.userId,
        });
        await upsertWorkspaceMember(trx, home.id, heir.userId, 'admin');
        moves.set(home.id, [...(moves.get(home.id) ?? []), d.id]);
        audit.push({
          actorId,
          action: 'document.move',
          documentId: d.id,
          workspaceId: home.id,
          details: { via: 'gdpr.erase', fromWorkspaceId: d.workspaceId },
        });
      }
    }
    for (const [workspaceId, ids] of moves) {
      for (const chunk of chunks(ids)) await moveDocumentsToWorkspace(trx, chunk, workspaceId);
      documentsMoved += ids.length;
    }

    let workspaceAdminsPromoted = 0;
    for (const w of await listWorkspacesLosingTheirLastAdmin(trx, input.userId)) {
      if (!w.successorId) continue;
      await upsertWorkspaceMember(trx, w.workspaceId, w.successorId, 'admin');
      workspaceAdminsPromoted++;
      audit.push({
        actorId,
        action: 'workspace.member.set',
        workspaceId: w.workspaceId,
        details: { via: 'gdpr.erase', userId: w.successorId, role: 'admin' },
      });
    }

    const permissionsRemoved = await deleteUserPermissions(trx, input.userId);
    const leftWorkspaces = await deleteUserMemberships(trx, input.userId);
    let workspacesDeleted = await deletePersonalWorkspace(trx, input.userId);
    workspacesDeleted += await deleteAbandonedWorkspaces(trx, leftWorkspaces);
    const tokenIds = await deleteUserApiTokens(trx, input.userId);
    const sessionHashes = await deleteUserSessions(trx, input.userId);
    const invitationsDeleted = await eraseUserInvitations(trx, input.userId);
    // Shred the user's key and record the erasure in this transaction: from its commit,
    // every backup's copy of their sealed email and name is unreadable (once key-store
    // backups older than now expire), and a restore is re-erased by the ledger replay.
    const keyring = keyringOf(trx);
    const ledger =
      keyring && !user.pseudonymized
        ? [{ kind: 'user' as const, subject: keyring.subjectHash(input.userId) }]
        : [];
    await keyring?.shred(trx, 'user', [input.userId]);
    await recordInLedger(trx, ledger);
    await pseudonymizeUser(trx, input.userId, pseudonymId, erasedAt);
    if (pseudonymId !== input.userId) {
      await moveAuditEntriesToPseudonym(trx, input.userId, pseudonymId);
      await moveWebhookRecordsToPseudonym(trx, input.userId, pseudonymId);
    }

    const report: ErasureReport = {
      userId: pseudonymId,
      erasedAt: erasedAt.toISOString(),
      documentsDeleted,
      documentsRetained: retained.length,
      documentsMoved,
      ownersPromoted,
      permissionsRemoved,
      membershipsRemoved: leftWorkspaces.length,
      workspaceAdminsPromoted,
      workspacesDeleted,
      apiTokensDeleted: tokenIds.length,
      sessionsDeleted: sessionHashes.length,
      invitationsDeleted,
      redisKeysDeleted: null,
    };
    const { redisKeysDeleted: _, erasedAt: __, ...counts } = report;
    // Appended under the pseudonym, like every entry naming the user by now.
    // Last, to hold the audit chain's lock as briefly as possible.
    audit.push({
      actorId,
      action: 'gdpr.erase',
      details: { ...counts, ...(input.requestId ? { requestId: input.requestId } : {}) },
    });
    await appendAuditEvents(trx, audit);
    // Webhooks: the deleted documents, and the erasure to every workspace the user was
    // in (ids of the request and workspace only: no personal data).
    await recordWebhookEvents(trx, [
      ...doomed.map((d) => ({
        type: 'document.deleted' as const,
        workspaceId: d.workspaceId,
        documentId: d.id,
        // The pseudonym when officers erase themselves, like their audit entries.
        data: { documentId: d.id, workspaceId: d.workspaceId, actorId },
      })),
      ...leftWorkspaces.map((workspaceId) => ({
        type: 'gdpr.erasure.completed' as const,
        workspaceId,
        data: { workspaceId, erasureId: input.requestId ?? null, erasedAt: erasedAt.toISOString() },
      })),
    ]);
    return {
      report,
      ledger,
      deletedDocumentIds: doomed.map((d) => d.id),
      needles: [
        input.userId,
        ...tokenIds,
        ...sessionHashes.map((h) => Buffer.from(h).toString('base64url')),
        ...doomed.map((d) => d.id),
      ],
    };
  });

  const { report } = outcome;
  const { bus, log } = deps;
  const keyring = keyringOf(db);
  keyring?.forget('document', outcome.deletedDocumentIds);
  if (keyring) {
    // The file copy of the ledger (the table copy is committed): it outlives a restore of
    // the key store itself. Replay repairs a missed append from the table.
    const entries = [
      ...outcome.ledger,
      ...outcome.deletedDocumentIds.map((id) => ({ kind: 'document' as const, subject: id })),
    ];
    await appendToLedgerFile(keyring, entries).catch((error: unknown) =>
      log?.error({ err: error, file: keyring.ledgerFile }, 'erasure: could not append to the ledger file'),
    );
  }
  // After commit: reconnects are refused by then, so closing now is final.
  await bus?.publish({ type: 'revoke', userId: input.userId });
  for (const documentId of outcome.deletedDocumentIds) {
    await bus?.publish({ type: 'document-deleted', documentId });
  }
  if (deps.redis) {
    // The erasure is committed: a Redis outage must not turn it into a failure. Every key
    // swept here also has a TTL of minutes (rate-limit windows, Redlock locks).
    report.redisKeysDeleted = await redisKeySweeper(deps.redis, {
      prefix: deps.redisPrefix ?? 'folio:',
      needles: outcome.needles,
    }).catch((error) => {
      log?.warn(
        { err: error, userId: input.userId },
        'erasure: Redis sweep failed; keys expire on their own',
      );
      return null;
    });
  }
  return report;
}
