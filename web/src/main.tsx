import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { ACCOUNT_PAGES, AccountPage, type AccountPageName } from './account';
import { AdminPage, isAdminRole } from './admin';
import { api, currentRole, errorText, type SessionView, useCsrfToken } from './api';
import { useKeys } from './hooks';
import { Inbox } from './inbox';
import { connectLive, disconnectLive } from './live';
import { NotificationsPage } from './notifications';
import { ReportsPage } from './reports';
import { Link, navigate, useLocation } from './router';
import { SearchPage } from './search';
import { SignIn } from './sign-in';
import { SurveyPage } from './survey';
import { TicketView } from './ticket';

const SHORTCUTS: [string, string][] = [
  ['j / k', 'next / previous ticket'],
  ['Enter', 'open the selected ticket'],
  ['r', 'reply'],
  ['n', 'internal note'],
  ['a', 'assign to me'],
  ['e', 'resolve'],
  ['/', 'search'],
  ['?', 'show these shortcuts'],
  ['Esc', 'back to the inbox'],
];

function Shortcuts({ onClose }: { onClose: () => void }) {
  return (
    <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title">
      <div class="dialog">
        <h2 id="shortcuts-title">Keyboard shortcuts</h2>
        <dl class="shortcuts">
          {SHORTCUTS.map(([keys, what]) => (
            <div key={keys}>
              <dt>
                <kbd>{keys}</kbd>
              </dt>
              <dd>{what}</dd>
            </div>
          ))}
        </dl>
        <button type="button" onClick={onClose} autofocus>
          Close
        </button>
      </div>
    </div>
  );
}

function Header({
  session,
  onSession,
}: {
  session: SessionView;
  onSession: (s: SessionView | null) => void;
}) {
  const [error, setError] = useState('');
  const switchTo = async (organizationId: string) => {
    try {
      onSession(await api<SessionView>('PUT', '/auth/session/organization', { organizationId }));
      navigate('/inbox');
    } catch (e) {
      setError(errorText(e));
    }
  };
  const role = currentRole(session);
  const signOut = async () => {
    await api('POST', '/auth/sign-out').catch(() => undefined);
    onSession(null);
  };
  const search = (event: Event) => {
    event.preventDefault();
    const q = new FormData(event.target as HTMLFormElement).get('q');
    if (typeof q === 'string' && q.trim()) navigate(`/search?q=${encodeURIComponent(q.trim())}`);
  };
  return (
    <header class="topbar">
      <Link href="/inbox" class="brand">
        InsightDesk
      </Link>
      <form aria-label="Search tickets" onSubmit={search} class="search-form">
        <label for="search" class="visually-hidden">
          Search tickets
        </label>
        <input id="search" name="q" type="search" placeholder="Search ( / )" />
      </form>
      {session.organizations.length > 1 && (
        <label class="org-switch">
          Organisation{' '}
          <select
            value={session.organizationId ?? ''}
            onChange={(e) => switchTo((e.target as HTMLSelectElement).value)}
          >
            {session.organizations.map((o) => (
              <option key={o.id} value={o.id}>
                {o.name}
              </option>
            ))}
          </select>
        </label>
      )}
      <Link href="/reports">Reports</Link>
      <Link href="/settings/notifications">Notifications</Link>
      {isAdminRole(role) && <Link href="/admin">Admin</Link>}
      <span class="who">{session.user.name}</span>
      <button type="button" onClick={signOut}>
        Sign out
      </button>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </header>
  );
}

function App() {
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [help, setHelp] = useState(false);
  const here = useLocation();
  const working = session && !session.twoFactorPending && session.organizationId;

  const accountPage = /^\/account\/([a-z-]+)$/.exec(here.pathname)?.[1] as AccountPageName | undefined;
  const standalone = here.pathname === '/survey' || (accountPage && ACCOUNT_PAGES.includes(accountPage));
  useEffect(() => {
    if (!standalone) api<SessionView>('GET', '/auth/session').then(setSession, () => setSession(null));
  }, []);
  useEffect(() => {
    if (session) useCsrfToken(session.csrfToken);
    if (!working) return;
    connectLive();
    return disconnectLive;
  }, [session?.csrfToken, session?.organizationId, working]);

  useKeys(
    {
      '?': () => setHelp((shown) => !shown),
      '/': () => document.getElementById('search')?.focus(),
      Escape: () => (help ? setHelp(false) : navigate('/inbox')),
    },
    [help],
  );

  if (here.pathname === '/survey') return <SurveyPage />;
  // The account emails' links: for someone who may not be able to sign in (yet).
  if (standalone && accountPage) return <AccountPage page={accountPage} />;
  if (session === undefined) return <p class="loading">Loading…</p>;
  if (!working) return <SignIn session={session} onSession={setSession} />;
  const me = session.user;
  let page = <Inbox me={me} query={here.searchParams} />;
  const ticket = /^\/t\/([0-9a-f-]{36})$/.exec(here.pathname);
  if (ticket) page = <TicketView key={ticket[1]} id={ticket[1]!} me={me} />;
  else if (here.pathname === '/search') page = <SearchPage q={here.searchParams.get('q') ?? ''} />;
  else if (here.pathname === '/reports')
    page = <ReportsPage days={Number(here.searchParams.get('days') ?? 30)} />;
  else if (here.pathname === '/settings/notifications')
    page = (
      <NotificationsPage
        organization={session.organizations.find((o) => o.id === session.organizationId)?.name ?? ''}
      />
    );
  else if (here.pathname === '/admin')
    page = (
      <AdminPage role={currentRole(session)} meId={me.id} section={here.searchParams.get('section') ?? ''} />
    );
  return (
    <>
      <Header session={session} onSession={setSession} />
      <main key={session.organizationId}>{page}</main>
      {help && <Shortcuts onClose={() => setHelp(false)} />}
    </>
  );
}

render(<App />, document.getElementById('app')!);
