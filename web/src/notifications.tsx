import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from './api';

type NotifyEvent = 'newTicket' | 'customerReply' | 'assigned' | 'mention';
type Choice = 'on' | 'off' | 'default';

interface NotificationsView {
  enabled: Record<NotifyEvent, boolean>;
  chosen: Record<NotifyEvent, Choice>;
}

const EVENTS: [NotifyEvent, string, string][] = [
  ['newTicket', 'New tickets', 'a new ticket assigned to me, or any new ticket while nobody is assigned'],
  ['customerReply', 'Customer replies', 'the customer replied on a ticket assigned to me or unassigned'],
  ['assigned', 'Assigned to me', 'a colleague assigned a ticket to me'],
  ['mention', 'Mentions', 'a colleague mentioned me as @name in a note'],
];

const CHOICES: [Choice, string][] = [
  ['default', 'As the organisation sets it'],
  ['on', 'Email me'],
  ['off', 'Do not email me'],
];

/** The signed-in person's ticket emails in the organisation they work in now (GET/PATCH /account/notifications). */
export function NotificationsPage({ organization }: { organization: string }) {
  const [view, setView] = useState<NotificationsView | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');

  useEffect(() => {
    api<NotificationsView>('GET', '/account/notifications').then(setView, (e) => setError(errorText(e)));
  }, []);

  const choose = async (event: NotifyEvent, label: string, choice: Choice) => {
    setError('');
    setNotice('');
    try {
      const next = await api<NotificationsView>('PATCH', '/account/notifications', { [event]: choice });
      setView(next);
      setNotice(`${label}: ${next.enabled[event] ? 'emailed' : 'not emailed'} from now on`);
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section class="notifications" aria-labelledby="notifications-title">
      <h1 id="notifications-title">Email notifications</h1>
      <p class="hint">
        Your choices in {organization}; each organisation you work in keeps its own. Only you see them.
      </p>
      {view && (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Event</th>
              <th scope="col">Your choice</th>
              <th scope="col">Emails you now</th>
            </tr>
          </thead>
          <tbody>
            {EVENTS.map(([event, label, what]) => (
              <tr key={event} data-event={event}>
                <th scope="row">
                  {label}
                  <div class="hint">{what}</div>
                </th>
                <td>
                  <select
                    aria-label={label}
                    value={view.chosen[event]}
                    onChange={(e) => choose(event, label, (e.target as HTMLSelectElement).value as Choice)}
                  >
                    {CHOICES.map(([value, words]) => (
                      <option key={value} value={value}>
                        {words}
                      </option>
                    ))}
                  </select>
                </td>
                <td class="enabled">{view.enabled[event] ? 'yes' : 'no'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {notice && (
        <p role="status" class="notice">
          {notice}
        </p>
      )}
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
    </section>
  );
}
