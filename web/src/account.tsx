import { useState } from 'preact/hooks';
import { api, errorText } from './api';
import { Link } from './router';

// The person's own account links, as the account emails write them (`/account/<page>#token=…`): the secret
// travels in the fragment, which the browser never sends to a server, and goes to the API only in a POST.

export const ACCOUNT_PAGES = ['verify-email', 'reset-password', 'confirm-email', 'forgot-password'] as const;
export type AccountPageName = (typeof ACCOUNT_PAGES)[number];

const tokenOfLink = () => new URLSearchParams(location.hash.slice(1)).get('token') ?? '';

const WORDS: Record<AccountPageName, { title: string; button: string; done: string; endpoint: string }> = {
  'verify-email': {
    title: 'Confirm your email address',
    button: 'Confirm my address',
    done: 'Your address is confirmed. You can sign in now.',
    endpoint: '/auth/verify-email',
  },
  'confirm-email': {
    title: 'Confirm your new email address',
    button: 'Use this address',
    done: 'Your account uses the new address from now on.',
    endpoint: '/auth/email/confirm',
  },
  'reset-password': {
    title: 'Choose a new password',
    button: 'Set the password',
    done: 'Your password is changed, and every other session of yours is signed out. Sign in with it now.',
    endpoint: '/auth/password/reset',
  },
  'forgot-password': {
    title: 'Forgot your password?',
    button: 'Email me a link',
    done: 'If an account has this address, a link to choose a new password is on its way.',
    endpoint: '/auth/password/forgot',
  },
};

export function AccountPage({ page }: { page: AccountPageName }) {
  const words = WORDS[page];
  const token = tokenOfLink();
  const [error, setError] = useState(
    page !== 'forgot-password' && !token ? 'This link is incomplete: open it from the email again.' : '',
  );
  const [done, setDone] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    const data = new FormData(event.currentTarget as HTMLFormElement);
    const body =
      page === 'forgot-password'
        ? { email: String(data.get('email')).trim() }
        : page === 'reset-password'
          ? { token, newPassword: String(data.get('newPassword')) }
          : { token };
    setError('');
    try {
      await api('POST', words.endpoint, body);
      setDone(true);
    } catch (e) {
      setError(errorText(e));
    }
  };
  return (
    <main class="account-page" aria-labelledby="account-title">
      <h1 id="account-title">{words.title}</h1>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {done ? (
        <p role="status">
          {words.done} <Link href="/inbox">Go to sign-in</Link>
        </p>
      ) : (
        <form onSubmit={submit}>
          {page === 'forgot-password' && (
            <>
              <label for="account-email">Email address</label>
              <input id="account-email" name="email" type="email" required autoComplete="email" />
            </>
          )}
          {page === 'reset-password' && (
            <>
              <label for="account-password">New password (10 or more characters)</label>
              <input
                id="account-password"
                name="newPassword"
                type="password"
                required
                minLength={10}
                autoComplete="new-password"
              />
            </>
          )}
          <button type="submit" disabled={page !== 'forgot-password' && !token}>
            {words.button}
          </button>
        </form>
      )}
    </main>
  );
}
