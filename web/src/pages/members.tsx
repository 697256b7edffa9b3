import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type Me, type Workspace } from '../api.js';
import { href } from '../router.js';
import { ErrorMessage } from '../ui/feedback.js';
import { WorkspaceInvite } from './workspace-invite.js';

interface Member {
  userId: string;
  role: 'admin' | 'member';
  email?: string | null;
  name?: string;
}

const who = (m: Member) => (m.name && m.email ? `${m.name} <${m.email}>` : m.name || m.email || m.userId);

/**
 * A workspace's members. Workspace admins change roles, remove people (which also takes
 * their roles on the workspace's documents, live) and add people by email.
 */
export function MembersPage({ workspaceId, me }: { workspaceId: string; me: Me }) {
  const [workspace, setWorkspace] = useState<Workspace | undefined>(undefined);
  const [members, setMembers] = useState<Member[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const base = `/v1/workspaces/${encodeURIComponent(workspaceId)}/members`;

  const load = useCallback(async () => {
    try {
      const [all, list] = await Promise.all([
        api<{ items: Workspace[] }>('GET', '/v1/workspaces'),
        api<{ items: Member[] }>('GET', base),
      ]);
      setWorkspace(all.items.find((w) => w.id === workspaceId));
      setMembers(list.items);
    } catch (failure) {
      setError(failure);
    }
  }, [base, workspaceId]);
  useEffect(() => {
    void load();
  }, [load]);

  const admin = workspace?.role === 'admin' || me.role === 'admin';
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

  return (
    <section>
      <p>
        <a href={href(`/?workspace=${encodeURIComponent(workspaceId)}`)}>← Back to the documents</a>
      </p>
      <h1>Members{workspace ? ` of ${workspace.name}` : ''}</h1>
      <ErrorMessage error={error} />
      <p role="status">{status}</p>
      {members && (
        <table>
          <caption>{members.length === 1 ? 'One member' : `${members.length} members`}</caption>
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
            {members.map((m) => (
              <tr key={m.userId}>
                <td>
                  {who(m)}
                  {m.userId === me.id ? ' (you)' : ''}
                </td>
                <td>
                  {admin ? (
                    <select
                      aria-label={`Workspace role of ${who(m)}`}
                      value={m.role}
                      onChange={(e) => {
                        const role = (e.target as HTMLSelectElement).value;
                        void act(
                          () => api('PUT', `${base}/${encodeURIComponent(m.userId)}`, { role }),
                          `${who(m)} is now ${role}.`,
                        );
                      }}
                    >
                      <option value="member">member</option>
                      <option value="admin">admin</option>
                    </select>
                  ) : (
                    m.role
                  )}
                </td>
                <td>
                  {admin && m.userId !== me.id && (
                    <button
                      type="button"
                      class="quiet danger"
                      aria-label={`Remove ${who(m)} from the workspace`}
                      onClick={() => {
                        if (
                          !window.confirm(
                            `Remove ${who(m)}? They lose their roles on this workspace's documents.`,
                          )
                        ) {
                          return;
                        }
                        void act(
                          () => api('DELETE', `${base}/${encodeURIComponent(m.userId)}`),
                          `${who(m)} was removed.`,
                        );
                      }}
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
      {admin && !workspace?.personal && <WorkspaceInvite workspaceId={workspaceId} onAdded={load} />}
      {workspace?.personal && (
        <p>A personal workspace has one member. Create a workspace to work with others.</p>
      )}
    </section>
  );
}
