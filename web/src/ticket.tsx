import { useEffect, useRef, useState } from 'preact/hooks';
import {
  type Activity,
  api,
  type CannedResponse,
  type Clock,
  errorText,
  type Message,
  type Named,
  type Participant,
  type Ticket,
  type TicketDetail,
  type TicketPage,
} from './api';
import { filesProblem, sizeText, toUpload } from './files';
import { useKeys, usePresence } from './hooks';
import { onTicketChange } from './live';
import { MergeControl } from './merge';
import { Link, navigate } from './router';

const STATUSES = ['open', 'pending', 'resolved', 'closed'];
const PRIORITIES = ['low', 'medium', 'high', 'urgent'];
const HEARTBEAT_MS = 10_000;
const TYPING_MS = 5_000;

const when = (iso: string) => new Date(iso).toLocaleString();

function activityText(a: Activity): string {
  const m = a.metadata as Record<string, string | string[] | number | undefined>;
  const who = a.user?.name ?? 'InsightDesk';
  switch (a.action) {
    case 'created':
      return `${who} opened the ticket`;
    case 'status_changed':
      return `${who} changed the status from ${m.fromStatus} to ${m.toStatus}`;
    case 'priority_changed':
      return `${who} changed the priority from ${m.fromPriority} to ${m.toPriority}`;
    case 'assigned':
      return `${who} assigned it to ${m.assigneeName ?? 'someone'}`;
    case 'unassigned':
      return `${who} unassigned it`;
    case 'tagged': {
      const added = (m.addedTags as string[] | undefined) ?? [];
      const removed = (m.removedTags as string[] | undefined) ?? [];
      return `${who} ${[added.length ? `added ${added.join(', ')}` : '', removed.length ? `removed ${removed.join(', ')}` : ''].filter(Boolean).join(' and ')}`;
    }
    case 'resolved':
      return `${who} resolved it`;
    case 'closed':
      return 'The ticket was closed';
    case 'reopened':
      return 'The ticket was reopened';
    case 'sla_breached':
      return `SLA ${String(m.slaKind ?? '').replace('_', ' ')} breached`;
    case 'category_changed':
      return `${who} changed the category`;
    case 'participant_added':
      return `${who} added ${m.participantEmail} as a follower`;
    case 'merged':
      return m.mergedIntoNumber
        ? `${who} merged this ticket into #${m.mergedIntoNumber}`
        : `${who} merged #${m.mergedFromNumber} into this ticket`;
    case 'split':
      return m.splitIntoNumber
        ? `${who} split a message out into #${m.splitIntoNumber}`
        : `${who} split this ticket out of #${m.splitFromNumber}`;
    case 'participant_removed':
      return `${who} removed ${m.participantEmail} from the followers`;
    default:
      return `${who}: ${a.action.replace('_', ' ')}`;
  }
}

/** A merge's or split's activity links the other ticket: where the conversation went, or came from. */
function ActivityItem({ activity }: { activity: Activity }) {
  const m = activity.metadata as Record<string, string | undefined>;
  const other = m.mergedIntoId ?? m.mergedFromId ?? m.splitIntoId ?? m.splitFromId;
  return (
    <li class={`activity activity-${activity.action}`}>
      {activityText(activity)}
      {other && (
        <>
          {' '}
          (<Link href={`/t/${other}`}>open it</Link>)
        </>
      )}{' '}
      · <time dateTime={activity.createdAt}>{when(activity.createdAt)}</time>
    </li>
  );
}

function MessageItem({ message, customerId }: { message: Message; customerId: string }) {
  // Someone on the customer's side who is not the ticket's customer: a follower (CC'd, or added).
  const kind =
    message.type === 'internal_note'
      ? 'note'
      : message.type === 'system'
        ? 'system'
        : message.sender?.id === customerId
          ? 'customer'
          : message.sender?.role === 'customer'
            ? 'follower'
            : 'agent';
  const label = {
    note: 'Internal note',
    system: 'System',
    customer: 'Customer',
    follower: 'Follower',
    agent: 'Agent',
  }[kind];
  return (
    <li class={`msg msg-${kind}`} data-kind={kind}>
      <div class="msg-head">
        <strong>{message.sender?.name ?? 'InsightDesk'}</strong> <span class="badge">{label}</span>{' '}
        <time dateTime={message.createdAt}>{when(message.createdAt)}</time>
      </div>
      <div class="msg-body">{message.content}</div>
      {message.attachments.length > 0 && (
        <ul class="attachments">
          {message.attachments.map((a) => (
            <li key={a.id}>
              <a href={a.url} download={a.filename}>
                {a.filename}
              </a>{' '}
              ({sizeText(a.size)})
            </li>
          ))}
        </ul>
      )}
    </li>
  );
}

function ClockLine({ name, clock }: { name: string; clock: Clock | null }) {
  if (!clock) return null;
  const remaining =
    clock.outcome === 'met'
      ? 'met'
      : clock.remainingMinutes < 0
        ? `${Math.round(-clock.remainingMinutes)} min overdue`
        : `${Math.round(clock.remainingMinutes)} min left`;
  return (
    <li class={`clock clock-${clock.outcome}`}>
      <span>{name}</span>: {clock.outcome === 'breached' ? 'breached' : remaining}
      {clock.paused ? ' (paused)' : ''}
    </li>
  );
}

export function TicketView({ id, me }: { id: string; me: { id: string; name: string } }) {
  const [ticket, setTicket] = useState<TicketDetail | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const [mode, setMode] = useState<'reply' | 'note'>('reply');
  const [text, setText] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const [sending, setSending] = useState(false);
  const [canned, setCanned] = useState<CannedResponse[]>([]);
  const [categories, setCategories] = useState<Named[]>([]);
  const [others, setOthers] = useState<Ticket[]>([]);
  const [tagText, setTagText] = useState('');
  const [participants, setParticipants] = useState<Participant[]>([]);
  const [followerEmail, setFollowerEmail] = useState('');
  const composer = useRef<HTMLTextAreaElement>(null);
  const lastTyped = useRef(0);
  const presence = usePresence();
  const colleagues = (presence[id] ?? []).filter((v) => v.userId !== me.id);

  const load = async () => {
    try {
      const [detail, people] = await Promise.all([
        api<TicketDetail>('GET', `/tickets/${id}`),
        api<{ data: Participant[] }>('GET', `/tickets/${id}/participants`),
      ]);
      setTicket(detail);
      setTagText(detail.tags.join(', '));
      setParticipants(people.data);
      return detail;
    } catch (e) {
      setError(errorText(e));
      return null;
    }
  };

  useEffect(() => {
    load().then((detail) => {
      if (!detail) return;
      const q = new URLSearchParams({
        customerId: detail.customer.id,
        limit: '10',
        count: 'none',
        cursor: '',
      });
      api<TicketPage>('GET', `/tickets?${q}`).then(
        (page) => setOthers(page.data.filter((t) => t.id !== id)),
        () => undefined,
      );
    });
    api<{ data: CannedResponse[] }>('GET', '/canned-responses').then(
      (r) => setCanned(r.data),
      () => undefined,
    );
    api<{ data: Named[] }>('GET', '/categories').then(
      (r) => setCategories(r.data),
      () => undefined,
    );
    const off = onTicketChange((change) => {
      if (change.ticketId === id) load();
    });
    // Colleagues see that this ticket is open here (collision detection); repeated while it stays open.
    const beat = () =>
      api('PUT', `/tickets/${id}/presence`, {
        state: Date.now() - lastTyped.current < TYPING_MS ? 'typing' : 'viewing',
      }).catch(() => undefined);
    beat();
    const timer = setInterval(beat, HEARTBEAT_MS);
    return () => {
      off();
      clearInterval(timer);
      api('DELETE', `/tickets/${id}/presence`).catch(() => undefined);
    };
  }, [id]);

  const change = async (body: Record<string, unknown>, done: string) => {
    setError('');
    try {
      await api('PATCH', `/tickets/${id}`, body);
      setNotice(done);
      await load();
    } catch (e) {
      setError(errorText(e));
    }
  };

  // Followers get the agents' replies in Cc; adding or removing one is audited in the timeline.
  const changeFollowers = async (request: () => Promise<unknown>, done: string) => {
    setError('');
    try {
      await request();
      setNotice(done);
      await load();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };

  const shortcutMatch = /^\/[\w-]+$/.test(text.trim())
    ? canned.find((c) => c.shortcut === text.trim())
    : undefined;
  const suggestions = text.startsWith('/') ? canned.filter((c) => c.shortcut?.startsWith(text.trim())) : [];

  const fileProblem = filesProblem(files);
  const cannotSend = sending || !text.trim() || fileProblem !== null;
  const send = async (resolve: boolean) => {
    if (cannotSend) return;
    setSending(true);
    setError('');
    const internal = mode === 'note';
    try {
      const attachments = files.length ? { attachments: await Promise.all(files.map(toUpload)) } : {};
      const body = shortcutMatch
        ? { shortcut: shortcutMatch.shortcut, internal, ...attachments }
        : { content: text, internal, ...attachments };
      // One key per send: a request the network retried adds nothing twice.
      const sent = await api<Message>('POST', `/tickets/${id}/messages`, body, {
        'idempotency-key': crypto.randomUUID(),
      });
      // The sent message shows at once; the reload brings the activities and clocks it moved. A live
      // update may have loaded it already: it is shown once.
      setTicket((t) =>
        t && !t.messages.some((m) => m.id === sent.id) ? { ...t, messages: [...t.messages, sent] } : t,
      );
      setText('');
      setFiles([]);
      if (resolve) await api('PATCH', `/tickets/${id}`, { status: 'resolved' });
      setNotice(resolve ? 'Sent and resolved' : internal ? 'Note added' : 'Reply sent');
      await load();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setSending(false);
    }
  };

  const typed = (value: string) => {
    setText(value);
    const before = lastTyped.current;
    lastTyped.current = Date.now();
    if (Date.now() - before > TYPING_MS / 2) {
      api('PUT', `/tickets/${id}/presence`, { state: 'typing' }).catch(() => undefined);
    }
  };

  useKeys(
    {
      r: () => {
        setMode('reply');
        composer.current?.focus();
      },
      n: () => {
        setMode('note');
        composer.current?.focus();
      },
      a: () => change({ assigneeId: me.id }, 'Assigned to you'),
      e: () => change({ status: 'resolved' }, 'Resolved'),
    },
    [id, me.id],
  );

  if (!ticket) {
    return error ? (
      <p role="alert" class="error">
        {error}
      </p>
    ) : (
      <p class="loading">Loading…</p>
    );
  }
  const followers = participants.filter((p) => p.role === 'follower');
  const timeline = [
    ...ticket.messages.map((m) => ({
      at: m.createdAt,
      key: m.id,
      item: <MessageItem key={m.id} message={m} customerId={ticket.customer.id} />,
    })),
    ...ticket.activities
      .filter((a) => a.action !== 'message_added')
      .map((a) => ({
        at: a.createdAt,
        key: a.id,
        item: <ActivityItem key={a.id} activity={a} />,
      })),
  ].sort((x, y) => Date.parse(x.at) - Date.parse(y.at));

  return (
    <div class="ticket-page">
      <section class="conversation" aria-labelledby="ticket-title">
        <p>
          <a
            href="/inbox"
            onClick={(e) => {
              e.preventDefault();
              navigate('/inbox');
            }}
          >
            ← Inbox
          </a>
        </p>
        <h1 id="ticket-title">
          #{ticket.ticketNumber} {ticket.title}
        </h1>
        <p class="meta">
          <span class={`status status-${ticket.status}`}>{ticket.status}</span> · {ticket.priority} priority ·
          assigned to {ticket.assignee?.name ?? 'nobody'}
        </p>
        {colleagues.length > 0 && (
          <p class="collision" role="status">
            {colleagues
              .map((v) => `${v.name} is ${v.state === 'typing' ? 'typing a reply' : 'viewing this ticket'}`)
              .join('; ')}
          </p>
        )}
        <ol class="timeline">{timeline.map((entry) => entry.item)}</ol>
        <div class={`composer composer-${mode}`}>
          <div role="tablist" aria-label="Write">
            <button
              type="button"
              role="tab"
              aria-selected={mode === 'reply'}
              onClick={() => setMode('reply')}
            >
              Reply (r)
            </button>
            <button type="button" role="tab" aria-selected={mode === 'note'} onClick={() => setMode('note')}>
              Internal note (n)
            </button>
          </div>
          <label for="composer" class="visually-hidden">
            {mode === 'reply' ? 'Reply to the customer' : 'Internal note'}
          </label>
          <textarea
            id="composer"
            ref={composer}
            value={text}
            rows={5}
            placeholder={
              mode === 'reply'
                ? 'Reply to the customer, or /shortcut for a canned response'
                : 'A note only colleagues see'
            }
            onInput={(e) => typed((e.target as HTMLTextAreaElement).value)}
            onKeyDown={(e) => {
              if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) send(false);
            }}
          />
          {suggestions.length > 0 && (
            <ul class="canned" aria-label="Canned responses">
              {suggestions.map((c) => (
                <li key={c.id}>
                  <button type="button" onClick={() => setText(c.shortcut ?? '')}>
                    {c.shortcut} — {c.title}
                  </button>
                  {shortcutMatch?.id === c.id && <div class="canned-preview">{c.content}</div>}
                </li>
              ))}
            </ul>
          )}
          <div class="composer-files">
            <label>
              Attach files{' '}
              <input
                type="file"
                multiple
                onChange={(e) => {
                  const input = e.target as HTMLInputElement;
                  const chosen = [...(input.files ?? [])];
                  setFiles((before) => [...before, ...chosen]);
                  // The same file may be chosen again after removing it.
                  input.value = '';
                }}
              />
            </label>
            {files.length > 0 && (
              <ul class="pending-files" aria-label="Files to send">
                {files.map((file, index) => (
                  <li key={`${index}:${file.name}`}>
                    {file.name} ({sizeText(file.size)}){' '}
                    <button
                      type="button"
                      aria-label={`Remove ${file.name}`}
                      onClick={() => setFiles((before) => before.filter((_, i) => i !== index))}
                    >
                      Remove
                    </button>
                  </li>
                ))}
              </ul>
            )}
            {fileProblem && (
              <p role="alert" class="error">
                {fileProblem}
              </p>
            )}
          </div>
          <div class="composer-actions">
            <button type="button" disabled={cannotSend} onClick={() => send(false)}>
              {mode === 'reply' ? 'Send reply' : 'Add note'}
            </button>
            <button type="button" disabled={cannotSend} onClick={() => send(true)}>
              Send and resolve
            </button>
          </div>
        </div>
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
      <aside class="side">
        <section aria-labelledby="actions-title">
          <h2 id="actions-title">Actions</h2>
          <button type="button" onClick={() => change({ assigneeId: me.id }, 'Assigned to you')}>
            Assign to me (a)
          </button>
          <label>
            Status{' '}
            <select
              value={ticket.status}
              onChange={(e) => change({ status: (e.target as HTMLSelectElement).value }, 'Status changed')}
            >
              {STATUSES.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </label>
          <label>
            Priority{' '}
            <select
              value={ticket.priority}
              onChange={(e) =>
                change({ priority: (e.target as HTMLSelectElement).value }, 'Priority changed')
              }
            >
              {PRIORITIES.map((p) => (
                <option key={p} value={p}>
                  {p}
                </option>
              ))}
            </select>
          </label>
          <label>
            Category{' '}
            <select
              value={ticket.categoryId ?? ''}
              onChange={(e) => {
                const value = (e.target as HTMLSelectElement).value;
                change({ categoryId: value || null }, 'Category changed');
              }}
            >
              <option value="">None</option>
              {categories.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          </label>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              const tags = tagText
                .split(',')
                .map((t) => t.trim())
                .filter(Boolean);
              change({ tags }, 'Tags saved');
            }}
          >
            <label>
              Tags (comma-separated){' '}
              <input value={tagText} onInput={(e) => setTagText((e.target as HTMLInputElement).value)} />
            </label>
            <button type="submit">Save tags</button>
          </form>
        </section>
        {ticket.status !== 'closed' && (
          <MergeControl
            ticket={ticket}
            onMerged={async (result) => {
              setError('');
              setNotice(`Merged into #${result.mergedInto.ticketNumber}`);
              await load();
            }}
          />
        )}
        <section aria-labelledby="sla-title">
          <h2 id="sla-title">SLA</h2>
          {ticket.sla ? (
            <ul class="clocks">
              <ClockLine name="First response" clock={ticket.sla.clocks.first_response} />
              <ClockLine name="Next response" clock={ticket.sla.clocks.next_response} />
              <ClockLine name="Resolution" clock={ticket.sla.clocks.resolution} />
            </ul>
          ) : (
            <p>No clocks running.</p>
          )}
          {ticket.sla?.businessHours && <p>Counted in business hours.</p>}
        </section>
        <section aria-labelledby="customer-title">
          <h2 id="customer-title">Customer</h2>
          <p>
            {ticket.customer.name}
            <br />
            <a href={`mailto:${ticket.customer.email}`}>{ticket.customer.email}</a>
          </p>
          <h3 id="followers-title">Followers</h3>
          {followers.length ? (
            <ul class="followers" aria-labelledby="followers-title">
              {followers.map((p) => (
                <li key={p.id}>
                  {p.name} &lt;{p.email}&gt;{' '}
                  <button
                    type="button"
                    aria-label={`Remove ${p.email} from the followers`}
                    onClick={() =>
                      changeFollowers(
                        () => api('DELETE', `/tickets/${id}/participants/${p.id}`),
                        `${p.email} no longer follows`,
                      )
                    }
                  >
                    Remove
                  </button>
                </li>
              ))}
            </ul>
          ) : (
            <p>None: replies go to the customer alone.</p>
          )}
          <form
            onSubmit={async (e) => {
              e.preventDefault();
              const email = followerEmail.trim();
              if (!email) return;
              const added = await changeFollowers(
                () => api('POST', `/tickets/${id}/participants`, { email }),
                `${email} follows this ticket`,
              );
              if (added) setFollowerEmail('');
            }}
          >
            <label>
              Add a follower (email){' '}
              <input
                type="email"
                value={followerEmail}
                onInput={(e) => setFollowerEmail((e.target as HTMLInputElement).value)}
              />
            </label>
            <button type="submit">Add follower</button>
          </form>
          <h3>Other tickets</h3>
          {others.length ? (
            <ul class="other-tickets">
              {others.map((t) => (
                <li key={t.id}>
                  <a
                    href={`/t/${t.id}`}
                    onClick={(e) => {
                      e.preventDefault();
                      navigate(`/t/${t.id}`);
                    }}
                  >
                    #{t.ticketNumber} {t.title}
                  </a>{' '}
                  ({t.status})
                </li>
              ))}
            </ul>
          ) : (
            <p>None.</p>
          )}
        </section>
      </aside>
    </div>
  );
}
