import { useEffect, useState } from 'preact/hooks';
import { api, type Me, request, whenSignedOut } from './api.js';
import { CompliancePage } from './pages/compliance.js';
import { DocumentPage } from './pages/document.js';
import { DocumentsPage } from './pages/documents.js';
import { HistoryPage } from './pages/history.js';
import { MembersPage } from './pages/members.js';
import { SearchPage } from './pages/search.js';
import { SignInPage } from './pages/sign-in.js';
import { WebhooksPage } from './pages/webhooks.js';
import { href, navigate, type Route, useRoute } from './router.js';
import { ErrorMessage } from './ui/feedback.js';

/** Who is signed in: undefined while asking, null when nobody. */
function useMe(): [Me | null | undefined, unknown] {
  const [me, setMe] = useState<Me | null | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    api<Me>('GET', '/v1/me').then(
      (found) => {
        setMe(found);
        setError(undefined);
      },
      (failure: { status?: number }) => {
        if (failure.status === 401) setMe(null);
        else setError(failure);
      },
    );
  }, []);
  useEffect(() => whenSignedOut(() => setMe(null)), []);
  return [me, error];
}

const titles: Record<Route['page'], string> = {
  documents: 'Documents',
  'sign-in': 'Sign in',
  document: 'Document',
  history: 'History',
  search: 'Search',
  compliance: 'Compliance',
  webhooks: 'Webhooks',
  members: 'Members',
  'not-found': 'Not found',
};

export function App() {
  const route = useRoute();
  const [me, error] = useMe();

  useEffect(() => {
    document.title = `${titles[route.page]} · Folio`;
  }, [route.page]);

  if (error) return <ErrorMessage error={error} />;
  if (me === undefined) return <p class="loading">Loading…</p>;
  if (me === null || route.page === 'sign-in') {
    if (me && route.page === 'sign-in') {
      navigate('/', { replace: true });
      return null;
    }
    return <SignInPage linkInvalid={route.page === 'sign-in' && route.linkInvalid} />;
  }

  const signOut = async () => {
    await request('POST', '/auth/logout').catch(() => undefined);
    window.location.assign(href('/sign-in'));
  };
  const officer = me.role === 'admin' || me.role === 'compliance';

  return (
    <>
      <a class="skip" href="#main">
        Skip to content
      </a>
      <header class="top">
        <a class="brand" href={href('/')}>
          Folio
        </a>
        <nav aria-label="Main">
          <a href={href('/')} aria-current={route.page === 'documents' ? 'page' : undefined}>
            Documents
          </a>
          <a href={href('/search')} aria-current={route.page === 'search' ? 'page' : undefined}>
            Search
          </a>
          {officer && (
            <a href={href('/compliance')} aria-current={route.page === 'compliance' ? 'page' : undefined}>
              Compliance
            </a>
          )}
        </nav>
        <div class="who">
          <span title={me.email ?? undefined}>{me.name || me.email}</span>
          <button type="button" class="quiet" onClick={signOut}>
            Sign out
          </button>
        </div>
      </header>
      <main id="main" tabIndex={-1}>
        <Page route={route} me={me} />
      </main>
    </>
  );
}

function Page({ route, me }: { route: Route; me: Me }) {
  switch (route.page) {
    case 'documents':
      return <DocumentsPage me={me} workspaceId={route.workspaceId} />;
    case 'document':
      return <DocumentPage key={route.id} id={route.id} me={me} />;
    case 'history':
      return <HistoryPage key={route.id} id={route.id} />;
    case 'search':
      return <SearchPage q={route.q} />;
    case 'compliance':
      return <CompliancePage me={me} />;
    case 'webhooks':
      return <WebhooksPage workspaceId={route.workspaceId} />;
    case 'members':
      return <MembersPage workspaceId={route.workspaceId} me={me} />;
    default:
      return (
        <section>
          <h1>Not found</h1>
          <p>
            There is no page here. <a href={href('/')}>Go to your documents.</a>
          </p>
        </section>
      );
  }
}
