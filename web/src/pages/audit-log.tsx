import { useState } from 'preact/hooks';
import { api, query, request } from '../api.js';
import { saveResponse } from '../download.js';
import { ErrorMessage, formatTime } from '../ui/feedback.js';

interface AuditEntry {
  id: string;
  at: string;
  actorId: string | null;
  action: string;
  documentId: string | null;
  details: Record<string, unknown>;
}

const PAGE_SIZES = [10, 50, 200];
/** Suggestions; any action can be typed (webhooks and workspaces have theirs too). */
const ACTIONS = [
  'user.login',
  'user.create',
  'token.create',
  'token.revoke',
  'document.create',
  'document.update',
  'document.read',
  'permission.grant',
  'permission.revoke',
  'document.delete',
  'document.restore',
  'gdpr.erase',
  'gdpr.export',
  'workspace.create',
  'workspace.member.set',
];

interface Filters {
  actorId: string;
  action: string;
  documentId: string;
  since: string;
  until: string;
}
const empty: Filters = { actorId: '', action: '', documentId: '', since: '', until: '' };
/** An email names the account it belongs to (compliance and admins may look anyone up). */
async function actorIdOf(value: string): Promise<string> {
  if (!value.includes('@')) return value;
  const found = await api<{ items: { id: string }[] }>('GET', `/v1/users${query({ email: value })}`);
  const user = found.items[0];
  if (!user) throw new Error(`No account has the address ${value}.`);
  return user.id;
}

const iso = (local: string) => (local ? new Date(local).toISOString() : undefined);

/** The audit log: filters, cursor pages, the NDJSON export of every match, chain verification. */
export function AuditLog() {
  const [filters, setFilters] = useState<Filters>(empty);
  const [applied, setApplied] = useState<Filters | undefined>(undefined);
  const [entries, setEntries] = useState<AuditEntry[]>([]);
  const [cursors, setCursors] = useState<(string | undefined)[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(undefined);
  const [verdict, setVerdict] = useState('');
  const [exported, setExported] = useState('');
  const [pageSize, setPageSize] = useState(50);
  /** The size the shown page was asked with: numbering stays right if the select changes. */
  const [shownSize, setShownSize] = useState(50);

  const params = async (f: Filters) => ({
    actorId: await actorIdOf(f.actorId.trim()),
    action: f.action.trim(),
    documentId: f.documentId.trim(),
    since: iso(f.since),
    until: iso(f.until),
  });

  const show = async (f: Filters, cursor: string | undefined, trail: (string | undefined)[]) => {
    setError(undefined);
    try {
      const page = await api<{ items: AuditEntry[]; nextCursor: string | null }>(
        'GET',
        `/v1/audit${query({ ...(await params(f)), limit: pageSize, cursor })}`,
      );
      setApplied(f);
      setShownSize(pageSize);
      setEntries(page.items);
      setNextCursor(page.nextCursor);
      setCursors(trail);
    } catch (failure) {
      setError(failure);
    }
  };

  const field = (name: keyof Filters) => ({
    value: filters[name],
    onInput: (e: Event) => setFilters({ ...filters, [name]: (e.target as HTMLInputElement).value }),
  });

  const verify = async () => {
    setVerdict('Verifying…');
    try {
      const result = await api<{ ok: boolean; count: number; brokenAt?: string }>('GET', '/v1/audit/verify');
      setVerdict(
        result.ok
          ? `The chain verifies: ${result.count} entries, none altered.`
          : `The chain is broken at entry ${result.brokenAt ?? '?'} (${result.count} entries checked).`,
      );
    } catch (failure) {
      setVerdict('');
      setError(failure);
    }
  };

  const exportAll = async () => {
    setExported('Preparing the export…');
    try {
      const response = await request(
        'GET',
        `/v1/audit${query(await params(applied ?? filters))}`,
        undefined,
        'application/x-ndjson',
      );
      const bytes = await saveResponse(
        response,
        `folio-audit-${new Date().toISOString().slice(0, 19)}.ndjson`,
      );
      setExported(`Audit export downloaded (${Math.ceil(bytes / 1024)} KiB).`);
    } catch (failure) {
      setExported('');
      setError(failure);
    }
  };

  return (
    <section aria-labelledby="audit-title" class="panel">
      <h2 id="audit-title">Audit log</h2>
      <form
        class="filters"
        onSubmit={(event) => {
          event.preventDefault();
          void show(filters, undefined, []);
        }}
      >
        <label>
          Actor (email or user id) <input {...field('actorId')} />
        </label>
        <label>
          Action (any when empty){' '}
          <input {...field('action')} list="audit-actions" placeholder="document.update" />
          <datalist id="audit-actions">
            {ACTIONS.map((a) => (
              <option key={a} value={a} />
            ))}
          </datalist>
        </label>
        <label>
          Document id <input {...field('documentId')} />
        </label>
        <label>
          From <input type="datetime-local" {...field('since')} />
        </label>
        <label>
          Until <input type="datetime-local" {...field('until')} />
        </label>
        <label>
          Entries per page{' '}
          <select
            aria-label="Entries per page"
            value={pageSize}
            onChange={(e) => setPageSize(Number((e.target as HTMLSelectElement).value))}
          >
            {PAGE_SIZES.map((size) => (
              <option key={size} value={size}>
                {size}
              </option>
            ))}
          </select>
        </label>
        <div class="buttons">
          <button type="submit">Show entries</button>
          <button type="button" onClick={exportAll}>
            Download all matches (NDJSON)
          </button>
          <button type="button" onClick={verify}>
            Verify the chain
          </button>
        </div>
      </form>
      <ErrorMessage error={error} />
      <p role="status" data-verdict>
        {verdict}
      </p>
      <p role="status">{exported}</p>
      {applied && (
        <>
          {/* Scrolls sideways on narrow screens: focusable so the keyboard can scroll it. */}
          {/* biome-ignore lint/a11y/noNoninteractiveTabindex: a scrollable region needs keyboard access (WCAG 2.1.1) */}
          <section class="table-scroll" tabIndex={0} aria-label="Audit entries, scrollable">
            <table class="audit">
              <caption>
                {entries.length === 0
                  ? 'No entries match.'
                  : `Entries ${cursors.length * shownSize + 1}–${cursors.length * shownSize + entries.length}`}
              </caption>
              <thead>
                <tr>
                  <th scope="col">When</th>
                  <th scope="col">Action</th>
                  <th scope="col">Actor</th>
                  <th scope="col">Document</th>
                  <th scope="col">Details</th>
                </tr>
              </thead>
              <tbody>
                {entries.map((e) => (
                  <tr key={e.id}>
                    <td>{formatTime(e.at)}</td>
                    <td>{e.action}</td>
                    <td class="id">{e.actorId ?? '—'}</td>
                    <td class="id">{e.documentId ?? '—'}</td>
                    <td class="details">{JSON.stringify(e.details)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </section>
          <div class="buttons">
            <button
              type="button"
              disabled={cursors.length === 0}
              onClick={() => void show(applied, cursors.at(-2), cursors.slice(0, -1))}
            >
              Previous page
            </button>
            <button
              type="button"
              disabled={!nextCursor}
              onClick={() => nextCursor && void show(applied, nextCursor, [...cursors, nextCursor])}
            >
              Next page
            </button>
          </div>
        </>
      )}
    </section>
  );
}
