import { useEffect, useState } from 'preact/hooks';
import { api } from '../api.js';
import { ErrorMessage } from '../ui/feedback.js';

/**
 * Single sign-on when the server has it; otherwise the one-time link `pnpm start`
 * printed (the API's GET /auth/link spends it, sets the session cookie and comes back).
 */
export function SignInPage({ linkInvalid }: { linkInvalid: boolean }) {
  const [sso, setSso] = useState<boolean | undefined>(undefined);
  const [error, setError] = useState<unknown>(undefined);
  useEffect(() => {
    api<{ sso: boolean }>('GET', '/auth/options').then((o) => setSso(o.sso), setError);
  }, []);
  return (
    <main id="main" class="sign-in">
      <h1>Sign in to Folio</h1>
      {linkInvalid && (
        <p class="error" role="alert">
          That sign-in link was already used or has expired. Links work once, for 15 minutes.
        </p>
      )}
      <ErrorMessage error={error} />
      {sso === true && (
        <p>
          <a class="button" href="/auth/login?returnTo=/app/">
            Sign in with single sign-on
          </a>
        </p>
      )}
      {sso === false && (
        <div>
          <p>This server has no single sign-on configured.</p>
          <p>
            Open the one-time sign-in link that <code>pnpm start</code> printed next to the first admin's
            token. Programs use API tokens instead (<a href="/docs">API reference</a>).
          </p>
        </div>
      )}
    </main>
  );
}
