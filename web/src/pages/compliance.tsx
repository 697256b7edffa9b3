import { useEffect, useRef, useState } from 'preact/hooks';
import { ApiError, api, type Me, request } from '../api.js';
import { saveResponse } from '../download.js';
import { ErrorMessage } from '../ui/feedback.js';
import { AuditLog } from './audit-log.js';

interface Erasure {
  id: string;
  status: 'pending' | 'running' | 'done' | 'failed';
  report: Record<string, unknown> | null;
  error: string | null;
}

/** Erasure, the audit log and GDPR exports, for the compliance and admin roles. */
export function CompliancePage({ me }: { me: Me }) {
  if (me.role !== 'admin' && me.role !== 'compliance') {
    return (
      <section>
        <h1>Compliance</h1>
        <p>This console is for the compliance and admin roles.</p>
      </section>
    );
  }
  return (
    <section>
      <h1>Compliance</h1>
      <ErasurePanel />
      <ExportPanel />
      <AuditLog />
    </section>
  );
}

const POLL_MS = 1_000;

function ErasurePanel() {
  const [email, setEmail] = useState('');
  const [erasure, setErasure] = useState<Erasure | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const timer = useRef<number | undefined>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);

  // Polls until the request is finished: status changes are shown as they happen.
  const watch = (id: string) => {
    api<Erasure>('GET', `/v1/gdpr/erasures/${encodeURIComponent(id)}`).then(
      (found) => {
        setErasure(found);
        if (found.status === 'pending' || found.status === 'running')
          timer.current = window.setTimeout(() => watch(id), POLL_MS);
      },
      (failure) => {
        setError(failure);
        timer.current = window.setTimeout(() => watch(id), POLL_MS * 3);
      },
    );
  };

  const start = async (event: Event) => {
    event.preventDefault();
    if (!window.confirm(`Erase ${email}? Their account, sessions and tokens end now; this cannot be undone.`))
      return;
    setError(undefined);
    clearTimeout(timer.current);
    try {
      const accepted = await api<{ id: string; status: Erasure['status'] }>('POST', '/v1/gdpr/erasures', {
        email,
      });
      setErasure({ id: accepted.id, status: accepted.status, report: null, error: null });
      watch(accepted.id);
    } catch (failure) {
      setError(
        failure instanceof ApiError && failure.status === 404
          ? new Error(`No account has the address ${email}.`)
          : failure,
      );
    }
  };

  return (
    <section aria-labelledby="erasure-title" class="panel">
      <h2 id="erasure-title">Erase a person</h2>
      <form class="inline-form" onSubmit={start}>
        <label>
          Email of the person to erase{' '}
          <input
            type="email"
            required
            value={email}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit" class="danger">
          Start erasure
        </button>
      </form>
      <ErrorMessage error={error} />
      {erasure && (
        <div class="erasure">
          <p role="status" aria-live="polite">
            Erasure {erasure.id}: <strong data-erasure-status={erasure.status}>{erasure.status}</strong>
            {erasure.error ? ` — ${erasure.error}` : ''}
          </p>
          {erasure.report && (
            <table>
              <caption>Erasure report</caption>
              <tbody>
                {Object.entries(erasure.report).map(([key, value]) => (
                  <tr key={key}>
                    <th scope="row">{key}</th>
                    <td>{value === null ? '—' : String(value)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </div>
      )}
    </section>
  );
}

function ExportPanel() {
  const [email, setEmail] = useState('');
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const download = async (event: Event) => {
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
        setStatus(`No account has the address ${email}.`);
        return;
      }
      const response = await request('GET', `/v1/gdpr/exports/${encodeURIComponent(user.id)}`);
      const bytes = await saveResponse(response, `folio-export-${user.id}.json`);
      setStatus(`Export of ${email} downloaded (${Math.ceil(bytes / 1024)} KiB).`);
    } catch (failure) {
      setError(failure);
    }
  };
  return (
    <section aria-labelledby="export-title" class="panel">
      <h2 id="export-title">Export a person's data (GDPR)</h2>
      <form class="inline-form" onSubmit={download}>
        <label>
          Email{' '}
          <input
            type="email"
            required
            value={email}
            onInput={(e) => setEmail((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Download export</button>
      </form>
      <ErrorMessage error={error} />
      <p role="status">{status}</p>
    </section>
  );
}
