import { useEffect, useState } from 'preact/hooks';

/**
 * Paths under /app/, with the History API: a few routes do not need a router library.
 * Links are plain <a href> (so they work with the keyboard, middle-click and copy);
 * `navigate` and the click handler below keep them in the page.
 */

export const BASE = '/app';

export type Route =
  | { page: 'documents'; workspaceId?: string }
  | { page: 'sign-in'; linkInvalid: boolean }
  | { page: 'document'; id: string }
  | { page: 'history'; id: string }
  | { page: 'search'; q: string }
  | { page: 'compliance' }
  | { page: 'webhooks'; workspaceId: string }
  | { page: 'members'; workspaceId: string }
  | { page: 'not-found' };

export function parseRoute(location: Location | URL): Route {
  const path = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : location.pathname;
  const params = new URLSearchParams(location.search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const [first, second, third] = parts;
  if (parts.length === 0) {
    const workspaceId = params.get('workspace') ?? undefined;
    return workspaceId ? { page: 'documents', workspaceId } : { page: 'documents' };
  }
  if (first === 'sign-in' && parts.length === 1)
    return { page: 'sign-in', linkInvalid: params.get('link') === 'invalid' };
  if (first === 'd' && second && parts.length === 2) return { page: 'document', id: second };
  if (first === 'd' && second && third === 'history' && parts.length === 3)
    return { page: 'history', id: second };
  if (first === 'search' && parts.length === 1) return { page: 'search', q: params.get('q') ?? '' };
  if (first === 'compliance' && parts.length === 1) return { page: 'compliance' };
  if (first === 'workspaces' && second && third === 'webhooks' && parts.length === 3) {
    return { page: 'webhooks', workspaceId: second };
  }
  if (first === 'workspaces' && second && third === 'members' && parts.length === 3) {
    return { page: 'members', workspaceId: second };
  }
  return { page: 'not-found' };
}

export const href = (path: string) => `${BASE}${path.startsWith('/') ? path : `/${path}`}`;

const listeners = new Set<() => void>();

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  const url = to.startsWith(BASE) ? to : href(to);
  if (options.replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  for (const listener of listeners) listener();
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(window.location));
  useEffect(() => {
    const update = () => setRoute(parseRoute(window.location));
    listeners.add(update);
    window.addEventListener('popstate', update);
    return () => {
      listeners.delete(update);
      window.removeEventListener('popstate', update);
    };
  }, []);
  return route;
}

/** Same-document navigation for plain left clicks on our own links. */
export function interceptLinks(root: HTMLElement): void {
  root.addEventListener('click', (event) => {
    if (
      event.defaultPrevented ||
      event.button !== 0 ||
      event.metaKey ||
      event.ctrlKey ||
      event.shiftKey ||
      event.altKey
    ) {
      return;
    }
    const anchor = (event.target as Element | null)?.closest('a');
    if (!anchor || anchor.target || anchor.hasAttribute('download')) return;
    const url = new URL(anchor.href, window.location.href);
    if (url.origin !== window.location.origin || !url.pathname.startsWith(`${BASE}/`)) return;
    // A link to a place on this page (the skip link) is the browser's to follow.
    if (url.hash && url.pathname === window.location.pathname && url.search === window.location.search)
      return;
    event.preventDefault();
    navigate(`${url.pathname}${url.search}`);
  });
}
