import { appendAuditEvent } from '../db/repositories/audit.js';
import { type Handle, inTransaction } from '../db/repositories/handle.js';
import { upsertWorkspaceMember } from '../db/repositories/workspace-members.js';
import { insertWorkspace } from '../db/repositories/workspaces.js';
import type { Workspace } from '../db/schema.js';
import { newId } from '../ids.js';
import type { SearchLanguage } from '../search-language.js';

/** Creates a shared workspace administered by its creator (search in English unless told). */
export async function workspaceCreator(
  db: Handle,
  input: { name: string; actorId: string; searchLanguage?: SearchLanguage | undefined },
): Promise<Workspace> {
  return inTransaction(db, async (trx) => {
    const workspace = await insertWorkspace(trx, {
      id: newId(),
      name: input.name,
      createdBy: input.actorId,
      searchLanguage: input.searchLanguage,
    });
    await upsertWorkspaceMember(trx, workspace.id, input.actorId, 'admin');
    await appendAuditEvent(trx, {
      actorId: input.actorId,
      action: 'workspace.create',
      workspaceId: workspace.id,
    });
    return workspace;
  });
}
