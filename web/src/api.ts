/**
 * The REST API as the app uses it: same origin, the session cookie (HttpOnly, so never
 * read here), and problem+json errors turned into sentences. Writes need nothing extra
 * for CSRF: the browser sends `Origin` on every non-GET fetch, and the API accepts a
 * cookie-authenticated write only when it equals PUBLIC_URL's origin.
 */

export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

const REQUEST_TIMEOUT_MS = 30_000;

/** What a problem+json body says, in words a person can act on. */
export function describeProblem(status: number, body: unknown): string {
  const problem = (body ?? {}) as { title?: unknown; detail?: unknown };
  const detail = typeof problem.detail === 'string' ? problem.detail : undefined;
  const title = typeof problem.title === 'string' ? problem.title : undefined;
  if (status === 401) return 'Your session has ended. Sign in again.';
  if (status === 429) return `Too many requests: ${detail ?? 'wait a moment and try again'}.`;
  const text = detail ?? title ?? `The server answered ${status}.`;
  return text.charAt(0).toUpperCase() + text.slice(1);
}

export async function request(
  method: string,
  path: string,
  body?: unknown,
  accept?: string,
): Promise<Response> {
  const headers: Record<string, string> = { accept: accept ?? 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(path, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    const reason =
      (error as Error).name === 'TimeoutError' ? 'did not answer in time' : 'could not be reached';
    throw new ApiError(0, `The server ${reason}. Check your connection and try again.`);
  }
  if (!response.ok) {
    const parsed = await response.json().catch(() => undefined);
    const field = (parsed as { field?: unknown } | undefined)?.field;
    const error = new ApiError(
      response.status,
      describeProblem(response.status, parsed),
      typeof field === 'string' ? field : undefined,
    );
    if (response.status === 401) onSignedOut?.();
    throw error;
  }
  return response;
}

export async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await request(method, path, body);
  if (response.status === 204) {
    return undefined as T;
  }
  return (await response.json()) as T;
}

let onSignedOut: (() => void) | undefined;
/** Called when any request finds the session gone (401): the app shows the sign-in page. */
export function whenSignedOut(callback: () => void): void {
  onSignedOut = callback;
}

export const query = (params: Record<string, string | number | undefined | null>) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== '') search.set(key, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : '';
};

// Shapes of the contract's responses the app reads.
export type InstanceRole = 'member' | 'admin' | 'compliance';
export type DocumentRole = 'owner' | 'editor' | 'viewer';
export interface Me {
  id: string;
  email: string | null;
  name: string;
  role: InstanceRole;
}
export interface Workspace {
  id: string;
  name: string;
  /** The caller's role; null for an instance admin who is not a member. */
  role: 'admin' | 'member' | null;
  personal: boolean;
}
export interface DocumentSummary {
  id: string;
  title: string;
  workspaceId: string;
  createdAt: string;
  updatedAt: string;
  createdBy: string | null;
  role?: DocumentRole;
}
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}
export interface ConnectToken {
  token: string;
  expiresAt: string;
  role: DocumentRole;
  url: string;
  yjsUrl: string;
  documentName: string;
}
