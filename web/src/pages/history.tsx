import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type DocumentSummary, query, request } from '../api.js';
import { href } from '../router.js';
import { ErrorMessage, formatTime } from '../ui/feedback.js';
import { type Change, mergeRuns } from './diff-runs.js';

interface Version {
  id: string;
  label: string | null;
  kind: 'manual' | 'auto' | 'restore';
  createdAt: string;
  createdBy: string | null;
  bytes: number;
}
interface Person {
  userId: string;
  name?: string;
  email?: string | null;
}

/** What to look at: a version, or the document as it was at a moment. */
type Point = { kind: 'version'; version: Version } | { kind: 'time'; at: string };

/**
 * Versions, a read-only preview of any of them or of any instant, what changed since (who changed what, from
 * GET …/diff), and restore: the live document becomes that state for everyone connected,
 * as a new, audited change.
 */
export function HistoryPage({ id }: { id: string }) {
  const base = `/v1/documents/${encodeURIComponent(id)}`;
  const [doc, setDoc] = useState<DocumentSummary | undefined>(undefined);
  const [versions, setVersions] = useState<Version[] | undefined>(undefined);
  const [people, setPeople] = useState<Map<string, string>>(new Map());
  const [point, setPoint] = useState<Point | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [status, setStatus] = useState('');
  const [label, setLabel] = useState('');
  const [instant, setInstant] = useState('');

  const load = useCallback(async () => {
    try {
      const [found, list] = await Promise.all([
        api<DocumentSummary>('GET', base),
        api<{ items: Version[] }>('GET', `${base}/versions`),
      ]);
      setDoc(found);
      setVersions(list.items);
      // Names for the "who" of each change: the document's people and its workspace's.
      const [perms, members] = await Promise.all([
        api<{ items: Person[] }>('GET', `${base}/permissions`).catch(() => ({ items: [] as Person[] })),
        api<{ items: Person[] }>(
          'GET',
          `/v1/workspaces/${encodeURIComponent(found.workspaceId)}/members`,
        ).catch(() => ({ items: [] as Person[] })),
      ]);
      const names = new Map<string, string>();
      for (const p of [...members.items, ...perms.items]) names.set(p.userId, p.name || p.email || p.userId);
      setPeople(names);
    } catch (failure) {
      setError(failure);
    }
  }, [base]);
  useEffect(() => {
    void load();
  }, [load]);

  const makeVersion = async (event: Event) => {
    event.preventDefault();
    try {
      await api('POST', `${base}/versions`, label.trim() ? { label: label.trim() } : {});
      setLabel('');
      setStatus('Version saved.');
      await load();
    } catch (failure) {
      setError(failure);
    }
  };

  const restore = async (target: Point) => {
    const what =
      target.kind === 'version' ? describe(target.version) : `the state of ${formatTime(target.at)}`;
    if (
      !window.confirm(
        `Restore ${what}? Everyone editing sees the change at once; the current text is kept as a version.`,
      )
    ) {
      return;
    }
    try {
      await api(
        'POST',
        `${base}/restore`,
        target.kind === 'version' ? { versionId: target.version.id } : { at: target.at },
      );
      setStatus(`Restored ${what}. The text before the restore was kept as a version.`);
      setPoint(undefined);
      await load();
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <section>
      <p>
        <a href={href(`/d/${encodeURIComponent(id)}`)}>← Back to {doc ? `“${doc.title}”` : 'the document'}</a>
      </p>
      <h1>History{doc ? ` of “${doc.title}”` : ''}</h1>
      <ErrorMessage error={error} />
      <p role="status">{status}</p>
      <div class="history">
        <div>
          <form class="inline-form" onSubmit={makeVersion}>
            <label>
              Label for a new version{' '}
              <input
                value={label}
                maxLength={200}
                onInput={(e) => setLabel((e.target as HTMLInputElement).value)}
              />
            </label>
            <button type="submit">Save a version now</button>
          </form>
          <form
            class="inline-form"
            onSubmit={(event) => {
              event.preventDefault();
              if (instant) setPoint({ kind: 'time', at: new Date(instant).toISOString() });
            }}
          >
            <label>
              Or look at a moment{' '}
              <input
                type="datetime-local"
                value={instant}
                onInput={(e) => setInstant((e.target as HTMLInputElement).value)}
              />
            </label>
            <button type="submit">Show changes since then</button>
          </form>
          <h2>Versions</h2>
          {versions?.length === 0 && <p>No versions yet.</p>}
          <ol class="versions">
            {versions?.map((v) => (
              <li key={v.id}>
                <button
                  type="button"
                  class={point?.kind === 'version' && point.version.id === v.id ? 'selected' : 'quiet'}
                  aria-pressed={point?.kind === 'version' && point.version.id === v.id}
                  onClick={() => setPoint({ kind: 'version', version: v })}
                >
                  {describe(v)}
                </button>
                <span class="meta">
                  {formatTime(v.createdAt)}
                  {v.createdBy ? ` · ${people.get(v.createdBy) ?? 'someone'}` : ''}
                </span>
              </li>
            ))}
          </ol>
        </div>
        {point && (
          <PointView key={pointKey(point)} base={base} point={point} people={people} onRestore={restore} />
        )}
      </div>
    </section>
  );
}

const describe = (v: Version) =>
  v.label
    ? v.label
    : v.kind === 'restore'
      ? 'Before a restore'
      : v.kind === 'auto'
        ? 'Automatic version'
        : 'Version';
const pointKey = (p: Point) => (p.kind === 'version' ? p.version.id : p.at);

function PointView({
  base,
  point,
  people,
  onRestore,
}: {
  base: string;
  point: Point;
  people: Map<string, string>;
  onRestore: (point: Point) => void;
}) {
  const [text, setText] = useState<string | undefined>(undefined);
  const [changes, setChanges] = useState<Change[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    const from = point.kind === 'version' ? point.version.id : point.at;
    const content =
      point.kind === 'version'
        ? `${base}/versions/${encodeURIComponent(point.version.id)}/content?format=text`
        : `${base}/state${query({ at: point.at, format: 'text' })}`;
    request('GET', content, undefined, 'text/plain')
      .then((r) => r.text())
      .then(setText, setError);
    api<{ changes: Change[] }>('GET', `${base}/diff${query({ from })}`).then(
      (r) => setChanges(mergeRuns(r.changes)),
      setError,
    );
  }, [base, point]);
  const title =
    point.kind === 'version' ? describe(point.version) : `The document at ${formatTime(point.at)}`;
  return (
    <section class="point" aria-label={title}>
      <h2>{title}</h2>
      <ErrorMessage error={error} />
      <button type="button" onClick={() => onRestore(point)}>
        Restore this
      </button>
      <h3>Preview (read only)</h3>
      <section class="preview" aria-label={`Text of ${title}`}>
        {text === undefined
          ? 'Loading…'
          : text.split('\n').map((line, i) => <p key={i}>{line || '\u00a0'}</p>)}
      </section>
      <h3>Changed since, by whom</h3>
      {changes?.length === 0 && <p>No changes since.</p>}
      <ul class="changes">
        {changes?.map((change, i) => {
          const person = change.actorId
            ? (people.get(change.actorId) ?? 'someone no longer here')
            : 'unknown';
          const by = change.agent ? `${person} (via ${change.agent})` : person;
          return (
            <li key={i} class={change.op}>
              {change.op === 'insert' ? <ins>{change.text}</ins> : <del>{change.text}</del>}
              <span class="meta">
                {change.op === 'insert' ? ' added' : ' removed'} by {by}, {formatTime(change.at)}
              </span>
            </li>
          );
        })}
      </ul>
    </section>
  );
}
