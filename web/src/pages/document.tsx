import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type DocumentRole, type DocumentSummary, type Me } from '../api.js';
import type { MountedEditor } from '../editor/collab-editor.js';
import type { SaveState } from '../editor/save-tracker.js';
import { href } from '../router.js';
import { ErrorMessage } from '../ui/feedback.js';
import { ShareDialog } from './share-dialog.js';

const saveWords: Record<SaveState, string> = {
  connecting: 'Connecting…',
  saving: 'Saving…',
  saved: 'Saved',
  offline: 'Offline — changes are kept here and sent when the connection is back',
};

/** A viewer saves nothing (the server drops a viewer's updates): only the connection is news. */
const viewerWords: Record<SaveState, string> = {
  connecting: 'Connecting…',
  saving: 'Live',
  saved: 'Live',
  offline: 'Offline',
};

interface Presence {
  clientId: number;
  name: string;
  color: string;
  agent?: string;
}

/** One document: the live editor, who is here, whether it is saved, sharing and history. */
export function DocumentPage({ id, me }: { id: string; me: Me }) {
  const [doc, setDoc] = useState<DocumentSummary | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [role, setRole] = useState<DocumentRole | undefined>(undefined);
  const [save, setSave] = useState<{ state: SaveState; unsaved: number }>({
    state: 'connecting',
    unsaved: 0,
  });
  const [ended, setEnded] = useState<string | undefined>(undefined);
  const [people, setPeople] = useState<Presence[]>([]);
  const [sharing, setSharing] = useState(false);
  const host = useRef<HTMLDivElement>(null);

  useEffect(() => {
    api<DocumentSummary>('GET', `/v1/documents/${encodeURIComponent(id)}`).then(setDoc, setError);
  }, [id]);

  useEffect(() => {
    if (!doc || !host.current) return;
    let mounted: MountedEditor | undefined;
    let cancelled = false;
    const cleanups: (() => void)[] = [];
    import('../editor/collab-editor.js')
      .then(({ mountCollabEditor }) =>
        mountCollabEditor(host.current as HTMLElement, id, me, {
          label: `Text of ${doc.title}`,
          onRole: setRole,
          onEnded: (message) => {
            setEnded(message);
            setPeople([]);
          },
        }),
      )
      .then((editor) => {
        if (cancelled) return editor.destroy();
        mounted = editor;
        cleanups.push(editor.session.tracker.subscribe((state, unsaved) => setSave({ state, unsaved })));
        const awareness = editor.session.provider.awareness;
        const listPeople = () => {
          const found: Presence[] = [];
          for (const [clientId, state] of awareness.getStates()) {
            const user = (state as { user?: { name?: string; color?: string; agent?: string } }).user;
            if (!user || clientId === awareness.clientID) continue;
            found.push({
              clientId,
              name: user.name || 'Someone',
              color: user.color ?? '#444',
              ...(user.agent ? { agent: user.agent } : {}),
            });
          }
          setPeople(found);
        };
        awareness.on('change', listPeople);
        cleanups.push(() => awareness.off('change', listPeople));
        listPeople();
      })
      .catch((failure: unknown) => {
        if (!cancelled) setError(failure);
      });
    return () => {
      cancelled = true;
      for (const cleanup of cleanups) cleanup();
      mounted?.destroy();
    };
  }, [doc?.id]);

  // Closing the tab with edits the server has not confirmed: the browser asks first.
  useEffect(() => {
    const warn = (event: BeforeUnloadEvent) => {
      if (save.unsaved > 0) event.preventDefault();
    };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [save.unsaved]);

  if (error) return <ErrorMessage error={error} />;
  if (!doc) return <p class="loading">Loading…</p>;
  const readOnly = role === 'viewer';
  return (
    <section class="document">
      <div class="doc-head">
        <h1>{doc.title}</h1>
        <div class="doc-actions">
          {role && <span class="badge">{readOnly ? 'Read only (viewer)' : role}</span>}
          {!ended && (
            <span class="save" role="status" data-state={save.state} aria-live="polite">
              {readOnly ? viewerWords[save.state] : saveWords[save.state]}
              {!readOnly && save.state !== 'saved' && save.unsaved > 0 ? ` (${save.unsaved} unsaved)` : ''}
            </span>
          )}
          {role === 'owner' && !ended && (
            <button type="button" onClick={() => setSharing(true)}>
              Share
            </button>
          )}
          <a href={href(`/d/${encodeURIComponent(id)}/history`)}>History</a>
        </div>
      </div>
      {people.length > 0 && (
        <ul class="people" aria-label="Also here">
          {people.map((p) => (
            <li key={p.clientId}>
              <span
                class="dot"
                ref={(el) => {
                  if (el) el.style.backgroundColor = p.color;
                }}
                aria-hidden="true"
              />
              {p.agent ? `${p.name} (${p.agent})` : p.name}
            </li>
          ))}
        </ul>
      )}
      {ended ? (
        <div class="ended" role="alert">
          <p>{ended}</p>
          <p>
            <a href={href('/')}>Back to your documents</a>
          </p>
        </div>
      ) : (
        <div ref={host} class={readOnly ? 'editor read-only' : 'editor'} />
      )}
      {sharing && doc && <ShareDialog doc={doc} me={me} onClose={() => setSharing(false)} />}
    </section>
  );
}
