import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, type DocumentSummary, type Me, type Page, query, type Workspace } from '../api.js';
import { href, navigate } from '../router.js';
import { ErrorMessage, formatTime } from '../ui/feedback.js';
import { Invitations } from './invitations.js';

const PAGE_SIZE = 25;

/** Workspaces, the documents the caller may read (cursor pages), create, rename, delete. */
export function DocumentsPage({ me, workspaceId }: { me: Me; workspaceId: string | undefined }) {
  const [workspaces, setWorkspaces] = useState<Workspace[] | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [name, setName] = useState('');
  const loadWorkspaces = useCallback(
    () => api<{ items: Workspace[] }>('GET', '/v1/workspaces').then((r) => setWorkspaces(r.items), setError),
    [],
  );
  useEffect(() => {
    void loadWorkspaces();
  }, [loadWorkspaces]);
  const createWorkspace = async (event: Event) => {
    event.preventDefault();
    try {
      const created = await api<Workspace>('POST', '/v1/workspaces', { name: name.trim() });
      setName('');
      await loadWorkspaces();
      navigate(`/?workspace=${encodeURIComponent(created.id)}`);
    } catch (failure) {
      setError(failure);
    }
  };
  const current =
    workspaces?.find((w) => w.id === workspaceId) ?? workspaces?.find((w) => w.personal) ?? workspaces?.[0];

  return (
    <section>
      <h1>Documents</h1>
      <Invitations
        onJoined={(id) => {
          void loadWorkspaces();
          navigate(`/?workspace=${encodeURIComponent(id)}`);
        }}
      />
      <ErrorMessage error={error} />
      {workspaces && current && (
        <>
          <div class="toolbar">
            <label>
              Workspace{' '}
              <select
                aria-label="Workspace"
                value={current.id}
                onChange={(e) =>
                  navigate(`/?workspace=${encodeURIComponent((e.target as HTMLSelectElement).value)}`)
                }
              >
                {workspaces.map((w) => (
                  <option key={w.id} value={w.id}>
                    {w.personal ? `${w.name} (personal)` : w.name}
                  </option>
                ))}
              </select>
            </label>
            {!current.personal && (
              <a href={href(`/workspaces/${encodeURIComponent(current.id)}/members`)}>Members</a>
            )}
            {(current.role === 'admin' || me.role === 'admin') && (
              <a href={href(`/workspaces/${encodeURIComponent(current.id)}/webhooks`)}>Webhooks</a>
            )}
          </div>
          <DocumentList key={current.id} workspace={current} />
        </>
      )}
      <form class="inline-form panel" onSubmit={createWorkspace} aria-label="New workspace">
        <label>
          Name of a new workspace{' '}
          <input
            value={name}
            required
            maxLength={200}
            onInput={(e) => setName((e.target as HTMLInputElement).value)}
          />
        </label>
        <button type="submit">Create workspace</button>
      </form>
    </section>
  );
}

function DocumentList({ workspace }: { workspace: Workspace }) {
  const [items, setItems] = useState<DocumentSummary[]>([]);
  const [nextCursor, setNextCursor] = useState<string | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  const [title, setTitle] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(
    async (cursor?: string) => {
      try {
        const page = await api<Page<DocumentSummary>>(
          'GET',
          `/v1/documents${query({ workspaceId: workspace.id, limit: PAGE_SIZE, cursor })}`,
        );
        setItems((before) => (cursor ? [...before, ...page.items] : page.items));
        setNextCursor(page.nextCursor);
        setError(undefined);
      } catch (failure) {
        setError(failure);
      }
    },
    [workspace.id],
  );
  useEffect(() => {
    void load();
  }, [load]);

  const create = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      const created = await api<DocumentSummary>('POST', '/v1/documents', {
        title: title.trim() || 'Untitled',
        workspaceId: workspace.id,
      });
      navigate(`/d/${encodeURIComponent(created.id)}`);
    } catch (failure) {
      setError(failure);
      setBusy(false);
    }
  };

  return (
    <>
      <form class="inline-form" onSubmit={create} aria-label="New document">
        <label>
          Title of a new document{' '}
          <input
            value={title}
            onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
            maxLength={500}
          />
        </label>
        <button type="submit" disabled={busy}>
          Create document
        </button>
      </form>
      <ErrorMessage error={error} />
      {nextCursor !== undefined && items.length === 0 && <p>No documents here yet.</p>}
      <ul class="documents" aria-label={`Documents in ${workspace.name}`}>
        {items.map((doc) => (
          <DocumentRow
            key={doc.id}
            doc={doc}
            onChanged={(changed) =>
              setItems((all) =>
                changed
                  ? all.map((d) => (d.id === changed.id ? changed : d))
                  : all.filter((d) => d.id !== doc.id),
              )
            }
          />
        ))}
      </ul>
      {nextCursor && (
        <button type="button" onClick={() => void load(nextCursor)}>
          Show more documents
        </button>
      )}
    </>
  );
}

function DocumentRow({
  doc,
  onChanged,
}: {
  doc: DocumentSummary;
  /** The renamed document, or null when it was deleted. */
  onChanged: (doc: DocumentSummary | null) => void;
}) {
  const [renaming, setRenaming] = useState(false);
  const [title, setTitle] = useState(doc.title);
  const [error, setError] = useState<unknown>(undefined);
  const path = `/v1/documents/${encodeURIComponent(doc.id)}`;

  const rename = async (event: Event) => {
    event.preventDefault();
    try {
      onChanged(await api<DocumentSummary>('PATCH', path, { title }));
      setRenaming(false);
    } catch (failure) {
      setError(failure);
    }
  };
  const remove = async () => {
    if (!window.confirm(`Delete “${doc.title}” and all of its history? This cannot be undone.`)) return;
    try {
      await api('DELETE', path);
      onChanged(null);
    } catch (failure) {
      setError(failure);
    }
  };

  return (
    <li>
      {renaming ? (
        <form class="inline-form" onSubmit={rename}>
          <label>
            New title for “{doc.title}”{' '}
            <input
              value={title}
              onInput={(e) => setTitle((e.target as HTMLInputElement).value)}
              maxLength={500}
              required
              ref={(input) => input?.focus()}
            />
          </label>
          <button type="submit">Save title</button>
          <button type="button" class="quiet" onClick={() => setRenaming(false)}>
            Cancel
          </button>
        </form>
      ) : (
        <>
          <a class="doc-link" href={href(`/d/${encodeURIComponent(doc.id)}`)}>
            {doc.title}
          </a>
          <span class="meta">
            {doc.role ?? ''} · updated {formatTime(doc.updatedAt)}
          </span>
          {doc.role !== 'viewer' && (
            <button
              type="button"
              class="quiet"
              onClick={() => setRenaming(true)}
              aria-label={`Rename ${doc.title}`}
            >
              Rename
            </button>
          )}
          {doc.role === 'owner' && (
            <button type="button" class="quiet danger" onClick={remove} aria-label={`Delete ${doc.title}`}>
              Delete
            </button>
          )}
        </>
      )}
      <ErrorMessage error={error} />
    </li>
  );
}
