import type { JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText, type SessionView, useCsrfToken } from './api';

const PROVIDER_NAMES: Record<string, string> = { google: 'Google', github: 'GitHub' };

/** The installation's Google and GitHub sign-in, as links: the server redirects to the provider. */
function ProviderButtons() {
  const [providers, setProviders] = useState<string[]>([]);
  useEffect(() => {
    api<{ data: { name: string }[] }>('GET', '/auth/oauth/providers').then(
      (r) => setProviders(r.data.map((p) => p.name)),
      () => undefined,
    );
  }, []);
  if (!providers.length) return null;
  return (
    <ul class="providers" aria-label="Other ways to sign in">
      {providers.map((name) => (
        <li key={name}>
          <a class="button" href={`/auth/oauth/${name}/start`}>
            Sign in with {PROVIDER_NAMES[name] ?? name}
          </a>
        </li>
      ))}
    </ul>
  );
}

/** Email and password, then the second factor when the account has one, then the organisation. */
export function SignIn({
  session,
  onSession,
}: {
  session: SessionView | null;
  onSession: (s: SessionView | null) => void;
}) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const attempt = (call: () => Promise<SessionView>) => async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError('');
    try {
      const next = await call();
      useCsrfToken(next.csrfToken);
      onSession(next);
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  const field = (form: EventTarget | null, name: string) =>
    String(new FormData(form as HTMLFormElement).get(name) ?? '');

  let body: JSX.Element;
  if (!session) {
    body = (
      <form
        onSubmit={(e) =>
          attempt(() =>
            api<SessionView>('POST', '/auth/sign-in', {
              email: field(e.target, 'email'),
              password: field(e.target, 'password'),
            }),
          )(e)
        }
      >
        <label>
          Email
          <input name="email" type="email" autocomplete="username" required autofocus />
        </label>
        <label>
          Password
          <input name="password" type="password" autocomplete="current-password" required />
        </label>
        <button type="submit" disabled={busy}>
          Sign in
        </button>
      </form>
    );
  } else if (session.twoFactorPending) {
    body = (
      <form
        onSubmit={(e) =>
          attempt(() => api<SessionView>('POST', '/auth/two-factor', { code: field(e.target, 'code') }))(e)
        }
      >
        <label>
          Code from your authenticator app (or a recovery code)
          <input name="code" inputMode="numeric" autocomplete="one-time-code" required autofocus />
        </label>
        <button type="submit" disabled={busy}>
          Continue
        </button>
      </form>
    );
  } else if (!session.organizations.length) {
    body = <p>This account works in no organisation as an agent.</p>;
  } else {
    body = (
      <div>
        <p>Choose the organisation to work in:</p>
        <ul class="org-choice">
          {session.organizations.map((o) => (
            <li key={o.id}>
              <button
                type="button"
                onClick={(e) =>
                  attempt(() =>
                    api<SessionView>('PUT', '/auth/session/organization', { organizationId: o.id }),
                  )(e)
                }
              >
                {o.name}
              </button>
            </li>
          ))}
        </ul>
      </div>
    );
  }
  return (
    <main class="sign-in">
      <h1>InsightDesk</h1>
      {body}
      {!session && <ProviderButtons />}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </main>
  );
}
