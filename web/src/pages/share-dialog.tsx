import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type DocumentRole, type DocumentSummary, type Me } from '../api.js';
import { Dialog, ErrorMessage } from '../ui/feedback.js';
import { WorkspaceInvite } from './workspace-invite.js';

interface Permission {
  userId: string;
  role: DocumentRole;
  email?: string | null;
  name?: string;
}
interface Member {
  userId: string;
  role: 'admin' | 'member';
  email?: string | null;
  name?: string;
}

const ROLES: DocumentRole[] = ['viewer', 'editor', 'owner'];
const who = (p: { name?: string; email?: string | null; userId: string }) =>
  p.name && p.email ? `${p.name} <${p.email}>` : p.name || p.email || p.userId;

/**
 * Who has which role on the document, from the members of its workspace (a role can only
 * be given to one of them). Changes take effect at once: removing or lowering a role
 * closes that person's live editor (the API announces it to the collaboration server).
 */
export function ShareDialog({ doc, me, onClose }: { doc: DocumentSummary; me: Me; onClose: () => void }) {
  const [permissions, setPermissions] = useState<Permission[] | undefined>(undefined);
  const [members, setMembers] = useState<Member[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const [pick, setPick] = useState('');
  const [pickRole, setPickRole] = useState<DocumentRole>('editor');
  const base = `/v1/documents/${encodeURIComponent(doc.id)}/permissions`;

  const load = useCallback(async () => {
    try {
      const [perms, mems] = await Promise.all([
        api<{ items: Permission[] }>('GET', base),
        api<{ items: Member[] }>(
          'GET',
          `/v1/workspaces/${encodeURIComponent(doc.workspaceId)}/members`,
        ).catch(() => ({ items: [] as Member[] })),
      ]);
      setPermissions(perms.items);
      setMembers(mems.items);
    } catch (failure) {
      setError(failure);
    }
  }, [base, doc.workspaceId]);
  useEffect(() => {
    void load();
  }, [load]);

  const act = async (work: () => Promise<unknown>, done: string) => {
    setError(undefined);
    try {
      await work();
      setStatus(done);
      await load();
    } catch (failure) {
      setError(failure);
    }
  };

  const candidates = members.filter((m) => !permissions?.some((p) => p.userId === m.userId));
  const grant = (event: Event) => {
    event.preventDefault();
    const member = candidates.find((m) => m.userId === pick);
    if (!member) return;
    void act(
      () => api('PUT', `${base}/${encodeURIComponent(member.userId)}`, { role: pickRole }),
      `${who(member)} is now ${pickRole}.`,
    );
    setPick('');
  };

  return (
    <Dialog title={`Share “${doc.title}”`} onClose={onClose}>
      <ErrorMessage error={error} />
      <p class="visually-hidden" role="status">
        {status}
      </p>
      {permissions && (
        <table class="access">
          <caption>People with access</caption>
          <thead>
            <tr>
              <th scope="col">Person</th>
              <th scope="col">Role</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {permissions.map((p) => (
              <tr key={p.userId}>
                <td>
                  {who(p)}
                  {p.userId === me.id ? ' (you)' : ''}
                </td>
                <td>
                  <select
                    aria-label={`Role of ${who(p)}`}
                    value={p.role}
                    onChange={(e) => {
                      const role = (e.target as HTMLSelectElement).value as DocumentRole;
                      void act(
                        () => api('PUT', `${base}/${encodeURIComponent(p.userId)}`, { role }),
                        `${who(p)} is now ${role}.`,
                      );
                    }}
                  >
                    {ROLES.map((r) => (
                      <option key={r} value={r}>
                        {r}
                      </option>
                    ))}
                  </select>
                </td>
                <td>
                  {p.userId !== me.id && (
                    <button
                      type="button"
                      class="quiet danger"
                      aria-label={`Remove access of ${who(p)}`}
                      onClick={() =>
                        void act(
                          () => api('DELETE', `${base}/${encodeURIComponent(p.userId)}`),
                          `${who(p)} no longer has access.`,
                        )
                      }
                    >
                      Remove
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <form class="stack" onSubmit={grant}>
        <h3>Give access to a member of this workspace</h3>
        {candidates.length === 0 ? (
          <p>Every member of the workspace already has a role here.</p>
        ) : (
          <>
            <label>
              Person{' '}
              <select
                aria-label="Person"
                value={pick}
                onChange={(e) => setPick((e.target as HTMLSelectElement).value)}
                required
              >
                <option value="">Choose a member…</option>
                {candidates.map((m) => (
                  <option key={m.userId} value={m.userId}>
                    {who(m)}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Role{' '}
              <select
                aria-label="Role to give"
                value={pickRole}
                onChange={(e) => setPickRole((e.target as HTMLSelectElement).value as DocumentRole)}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {r}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Give access</button>
          </>
        )}
      </form>
      <WorkspaceInvite workspaceId={doc.workspaceId} onAdded={load} />
    </Dialog>
  );
}
