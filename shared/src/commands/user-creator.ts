import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction, isUniqueViolation } from '../db/repositories/handle.js';
import { findUserByEmail, insertUser } from '../db/repositories/users.js';
import { upsertWorkspaceMember } from '../db/repositories/workspace-members.js';
import { insertWorkspace } from '../db/repositories/workspaces.js';
import type { InstanceRole, User } from '../db/schema.js';
import { FolioError } from '../errors.js';
import { newId } from '../ids.js';

export interface UserCreation {
  email: string;
  name?: string;
  role?: InstanceRole;
  oidc?: { issuer: string; subject: string };
  /** Who did it; null for the system (first start, CLI). */
  actorId: string | null;
}

/**
 * Creates a user with their personal workspace, and audits it. Email is unique
 * regardless of case; a duplicate is a CONFLICT naming the field.
 */
export async function userCreator(db: Handle, input: UserCreation): Promise<User> {
  return inTransaction(db, async (trx) => {
    if (await findUserByEmail(trx, input.email)) {
      throw new FolioError('CONFLICT', `a user with email ${input.email} already exists`, { field: 'email' });
    }
    let user: User;
    try {
      user = await insertUser(trx, {
        id: newId(),
        email: input.email,
        name: input.name ?? '',
        role: input.role ?? 'member',
        oidc_issuer: input.oidc?.issuer ?? null,
        oidc_subject: input.oidc?.subject ?? null,
      });
    } catch (error) {
      // A concurrent creation of the same email got there first.
      if (isUniqueViolation(error)) {
        throw new FolioError('CONFLICT', `a user with email ${input.email} already exists`, {
          field: 'email',
          cause: error,
        });
      }
      throw error;
    }
    const workspace = await insertWorkspace(trx, {
      id: newId(),
      name: user.name ? `${user.name}'s workspace` : 'Personal',
      createdBy: user.id,
      personalUserId: user.id,
    });
    await upsertWorkspaceMember(trx, workspace.id, user.id, 'admin');
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'user.create',
      workspaceId: workspace.id,
      details: { userId: user.id, role: user.role, via: input.oidc ? 'oidc' : 'admin' },
    });
    return user;
  });
}
