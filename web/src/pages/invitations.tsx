import { useCallback, useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorMessage, formatTime } from '../ui/feedback.js';

interface Invitation {
  id: string;
  workspaceId: string;
  workspaceName: string;
  role: 'admin' | 'member';
  expiresAt: string;
}

/** Invitations to workspaces, accepted or declined here; nothing shows when there are none. */
export function Invitations({ onJoined }: { onJoined: (workspaceId: string) => void }) {
  const [items, setItems] = useState<Invitation[]>([]);
  const [error, setError] = useState<unknown>(undefined);
  const load = useCallback(() => {
    api<{ items: Invitation[] }>('GET', '/v1/invitations').then((r) => setItems(r.items), setError);
  }, []);
  useEffect(load, [load]);
  if (items.length === 0 && !error) return null;
  const answer = async (invitation: Invitation, accept: boolean) => {
    try {
      const path = `/v1/invitations/${encodeURIComponent(invitation.id)}`;
      await api(accept ? 'POST' : 'DELETE', accept ? `${path}/accept` : path);
      load();
      if (accept) onJoined(invitation.workspaceId);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section class="notice" aria-labelledby="invitations-title">
      <h2 id="invitations-title">Invitations</h2>
      <ErrorMessage error={error} />
      <ul>
        {items.map((i) => (
          <li key={i.id}>
            {i.workspaceName} as {i.role} (until {formatTime(i.expiresAt)}){' '}
            <button type="button" onClick={() => void answer(i, true)}>
              Join {i.workspaceName}
            </button>{' '}
            <button type="button" class="quiet" onClick={() => void answer(i, false)}>
              Decline
            </button>
          </li>
        ))}
      </ul>
    </section>
  );
}
