import { useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorMessage } from '../ui/feedback.js';

/**
 * Adds someone to a workspace by email (workspace admins): directly when they already
 * share a workspace with the admin (or the admin is an instance admin), otherwise as an
 * invitation they accept on their documents page.
 */
export function WorkspaceInvite({
  workspaceId,
  onAdded,
}: {
  workspaceId: string;
  onAdded: () => Promise<void>;
}) {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const add = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    setStatus('');
    try {
      const found = await api<{ items: { id: string }[] }>(
        'GET',
        `/v1/users?email=${encodeURIComponent(email)}`,
      );
      const user = found.items[0];
      if (!user) {
        setStatus(`No one with the address ${email} can be added by you.`);
        return;
      }
      const result = await api<{ status?: string }>(
        'PUT',
        `/v1/workspaces/${encodeURIComponent(workspaceId)}/members/${encodeURIComponent(user.id)}`,
        { role: 'member' },
      );
      setStatus(
        result?.status === 'invited'
          ? `${email} was invited to the workspace.`
          : `${email} joined the workspace.`,
      );
      setEmail('');
      await onAdded();
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <form class="stack" onSubmit={add}>
      <h3>Add someone to the workspace</h3>
      <label>
        Email{' '}
        <input
          type="email"
          value={email}
          required
          onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
        />
      </label>
      <button type="submit">Add to workspace</button>
      <ErrorMessage error={error} />
      <p role="status">{status}</p>
    </form>
  );
}
