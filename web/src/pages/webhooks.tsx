import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, query } from '../api.js';
import { href } from '../router.js';
import { ErrorMessage, formatTime } from '../ui/feedback.js';

interface Webhook {
  id: string;
  url: string;
  events: string[];
  description: string | null;
  createdAt: string;
  disabledAt: string | null;
}
interface Delivery {
  id: string;
  type: string;
  status: 'pending' | 'delivered' | 'failed';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: string;
}

const EVENTS = [
  'document.created',
  'document.updated',
  'document.deleted',
  'permission.granted',
  'permission.revoked',
  'document.restored',
  'gdpr.erasure.completed',
];

/** A workspace's webhooks (workspace admins): add, remove, see deliveries, redeliver. */
export function WebhooksPage({ workspaceId }: { workspaceId: string }) {
  const base = `/v1/workspaces/${encodeURIComponent(workspaceId)}/webhooks`;
  const [hooks, setHooks] = useState<Webhook[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState<string[]>(['*']);
  const [secret, setSecret] = useState<string | undefined>(undefined);
  const [open, setOpen] = useState<string | undefined>(undefined);

  const load = useCallback(() => {
    api<{ items: Webhook[] }>('GET', base).then((r) => setHooks(r.items), setError);
  }, [base]);
  useEffect(load, [load]);

  const create = async (event: Event) => {
    event.preventDefault();
    setError(undefined);
    try {
      const created = await api<Webhook & { secret: string }>('POST', base, {
        url,
        events,
        ...(description.trim() ? { description: description.trim() } : {}),
      });
      setSecret(created.secret);
      setUrl('');
      setDescription('');
      load();
    } catch (failure) {
      setError(failure);
    }
  };
  const toggle = (name: string, on: boolean) =>
    setEvents((now) => {
      const rest = now.filter((e) => e !== name && e !== '*');
      if (name === '*') return on ? ['*'] : [];
      return on ? [...rest, name] : rest;
    });

  return (
    <section>
      <p>
        <a href={href(`/?workspace=${encodeURIComponent(workspaceId)}`)}>← Back to the documents</a>
      </p>
      <h1>Webhooks</h1>
      <ErrorMessage error={error} />
      <form class="stack panel" onSubmit={create}>
        <h2>Add a webhook</h2>
        <label>
          Endpoint URL{' '}
          <input
            type="url"
            required
            value={url}
            onInput={(e) => setUrl((e.target as HTMLInputElement).value)}
          />
        </label>
        <label>
          Description{' '}
          <input
            value={description}
            maxLength={500}
            onInput={(e) => setDescription((e.target as HTMLInputElement).value)}
          />
        </label>
        <fieldset>
          <legend>Events</legend>
          {['*', ...EVENTS].map((name) => (
            <label key={name} class="check">
              <input
                type="checkbox"
                checked={events.includes(name)}
                onChange={(e) => toggle(name, (e.target as HTMLInputElement).checked)}
              />{' '}
              {name === '*' ? 'All events' : name}
            </label>
          ))}
        </fieldset>
        <button type="submit" disabled={events.length === 0}>
          Add webhook
        </button>
      </form>
      {secret && (
        <div class="notice" role="status">
          <p>
            The signing secret, shown only now — copy it into the receiving service: <code>{secret}</code>
          </p>
        </div>
      )}
      {hooks?.length === 0 && <p>No webhooks in this workspace.</p>}
      <ul class="hooks">
        {hooks?.map((hook) => (
          <li key={hook.id}>
            <strong>{hook.url}</strong> <span class="meta">{hook.events.join(', ')}</span>
            {hook.disabledAt && <span class="badge danger">disabled {formatTime(hook.disabledAt)}</span>}
            {hook.description && <p>{hook.description}</p>}
            <button
              type="button"
              class="quiet"
              aria-expanded={open === hook.id}
              onClick={() => setOpen(open === hook.id ? undefined : hook.id)}
            >
              Deliveries
            </button>
            <button
              type="button"
              class="quiet danger"
              aria-label={`Delete the webhook to ${hook.url}`}
              onClick={async () => {
                if (!window.confirm(`Delete the webhook to ${hook.url}?`)) return;
                try {
                  await api('DELETE', `/v1/webhooks/${encodeURIComponent(hook.id)}`);
                  load();
                } catch (failure) {
                  setError(failure);
                }
              }}
            >
              Delete
            </button>
            {open === hook.id && <Deliveries webhookId={hook.id} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Deliveries({ webhookId }: { webhookId: string }) {
  const base = `/v1/webhooks/${encodeURIComponent(webhookId)}/deliveries`;
  const [items, setItems] = useState<Delivery[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const load = useCallback(
    (cursor?: string) => {
      api<{ items: Delivery[]; nextCursor: string | null }>(
        'GET',
        `${base}${query({ limit: 20, cursor })}`,
      ).then((page) => {
        setItems((before) => (cursor ? [...before, ...page.items] : page.items));
        setNext(page.nextCursor);
      }, setError);
    },
    [base],
  );
  useEffect(() => load(), [load]);
  return (
    <div class="deliveries">
      <ErrorMessage error={error} />
      <p role="status">{status}</p>
      {items.length === 0 && <p>No deliveries yet.</p>}
      <ul>
        {items.map((d) => (
          <li key={d.id}>
            {d.type} · {d.status} · {d.attempts} attempt{d.attempts === 1 ? '' : 's'}
            {d.lastStatus ? ` · HTTP ${d.lastStatus}` : ''}
            {d.lastError ? ` · ${d.lastError}` : ''} · {formatTime(d.createdAt)}{' '}
            <button
              type="button"
              class="quiet"
              onClick={async () => {
                try {
                  await api('POST', `${base}/${encodeURIComponent(d.id)}/redeliver`);
                  setStatus(`Delivery ${d.id} queued again.`);
                  load();
                } catch (failure) {
                  setError(failure);
                }
              }}
            >
              Redeliver
            </button>
          </li>
        ))}
      </ul>
      {next && (
        <button type="button" onClick={() => load(next)}>
          More deliveries
        </button>
      )}
    </div>
  );
}
