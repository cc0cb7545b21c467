import { useEffect, useRef, useState } from 'preact/hooks';
import {
  api,
  errorText,
  type MailboxEntry,
  type Named,
  type SavedFilter,
  type Ticket,
  type TicketPage,
} from './api';
import { useKeys, useNow, usePresence } from './hooks';
import { onTicketChange } from './live';
import { Link, navigate } from './router';
import { slaCountdown } from './sla-countdown';

interface Filters {
  status: string;
  priority: string;
  assignee: string;
  tag: string;
  categoryId: string;
  mailboxId: string;
  savedFilter: string;
  sort: string;
}

const DEFAULT_FILTERS: Filters = {
  status: 'active',
  priority: '',
  assignee: 'anyone',
  tag: '',
  categoryId: '',
  mailboxId: '',
  savedFilter: '',
  sort: 'created:desc',
};
const PAGE = 25;

/** The filters a saved filter stores, as `GET /tickets` parameters. */
function savedQuery(f: Filters, meId: string): Record<string, unknown> {
  const query: Record<string, unknown> = {};
  if (f.status === 'active') query.status = ['open', 'pending'];
  else if (f.status) query.status = [f.status];
  if (f.priority) query.priority = [f.priority];
  if (f.assignee === 'me') query.assigneeId = meId;
  if (f.assignee === 'unassigned') query.unassigned = true;
  if (f.tag) query.tag = f.tag;
  if (f.categoryId) query.categoryId = f.categoryId;
  if (f.mailboxId) query.mailboxId = f.mailboxId;
  const [sort, order] = f.sort.split(':');
  return { ...query, sort, order };
}

/** The `GET /tickets` query of the filters; a saved filter alone, since given parameters override its own. */
function ticketQuery(f: Filters, meId: string, cursor: string): URLSearchParams {
  const q = new URLSearchParams();
  if (f.savedFilter) q.set('savedFilter', f.savedFilter);
  else {
    for (const [key, value] of Object.entries(savedQuery(f, meId))) {
      for (const one of [value].flat()) q.append(key, String(one));
    }
  }
  q.set('limit', String(PAGE));
  q.set('count', 'none');
  q.set('cursor', cursor);
  return q;
}

const relative = (iso: string, now: number) => {
  const minutes = Math.round((now - Date.parse(iso)) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  if (minutes < 48 * 60) return `${Math.round(minutes / 60)} h ago`;
  return new Date(iso).toLocaleDateString();
};

function Select(props: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  options: [string, string][];
}) {
  // A label of its own (not wrapping): the select's accessible name is the label alone.
  const id = `filter-${props.label.toLowerCase().replace(/\W+/g, '-')}`;
  return (
    <span class="filter">
      <label for={id}>{props.label}</label>{' '}
      <select
        id={id}
        value={props.value}
        onChange={(e) => props.onChange((e.target as HTMLSelectElement).value)}
      >
        {props.options.map(([value, text]) => (
          <option key={value} value={value}>
            {text}
          </option>
        ))}
      </select>
    </span>
  );
}

export function Inbox({ me }: { me: { id: string; name: string }; query: URLSearchParams }) {
  const [filters, setFilters] = useState<Filters>(DEFAULT_FILTERS);
  const [rows, setRows] = useState<Ticket[] | null>(null);
  const [next, setNext] = useState<string | null>(null);
  // The selection follows the ticket, not the row: a live reload that moves rows keeps it on the same
  // ticket, so Enter never opens one the agent did not choose.
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [error, setError] = useState('');
  const [tags, setTags] = useState<Named[]>([]);
  const [categories, setCategories] = useState<Named[]>([]);
  const [mailboxes, setMailboxes] = useState<MailboxEntry[]>([]);
  const [saved, setSaved] = useState<SavedFilter[]>([]);
  const now = useNow();
  const presence = usePresence();
  const list = useRef<HTMLTableSectionElement>(null);

  const load = async (cursor = '', append = false) => {
    try {
      const page = await api<TicketPage>('GET', `/tickets?${ticketQuery(filters, me.id, cursor)}`);
      setRows((before) => (append && before ? [...before, ...page.data] : page.data));
      setNext(page.pagination.nextCursor ?? null);
      setError('');
    } catch (e) {
      setError(errorText(e));
    }
  };
  const loadSaved = () =>
    api<{ data: SavedFilter[] }>('GET', '/saved-filters').then(
      (r) => setSaved(r.data),
      () => undefined,
    );

  useEffect(() => {
    api<{ data: Named[] }>('GET', '/tags').then(
      (r) => setTags(r.data),
      () => undefined,
    );
    api<{ data: Named[] }>('GET', '/categories').then(
      (r) => setCategories(r.data),
      () => undefined,
    );
    api<{ data: MailboxEntry[] }>('GET', '/mailboxes/directory').then(
      (r) => setMailboxes(r.data),
      () => undefined,
    );
    loadSaved();
  }, []);
  useEffect(() => {
    load();
  }, [filters]);
  // A change anywhere in the organisation reloads the first page (debounced: a burst is one reload).
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = onTicketChange(() => {
      clearTimeout(timer);
      timer = setTimeout(() => load(), 300);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [filters]);
  // A ticket no longer in the list (or none chosen yet) selects the first row.
  const selected = Math.max(0, rows?.findIndex((t) => t.id === selectedId) ?? 0);
  const move = (step: number) => {
    if (!rows?.length) return;
    setSelectedId(rows[Math.min(Math.max(selected + step, 0), rows.length - 1)]!.id);
  };
  useEffect(() => {
    list.current
      ?.querySelector<HTMLElement>(`[data-index="${selected}"]`)
      ?.scrollIntoView({ block: 'nearest' });
  }, [selected]);

  useKeys(
    {
      j: () => move(1),
      k: () => move(-1),
      Enter: () => rows?.[selected] && navigate(`/t/${rows[selected]!.id}`),
    },
    [rows, selected],
  );

  const set = (key: keyof Filters) => (value: string) => {
    setSelectedId(null);
    setFilters((f) => ({ ...f, [key]: value }));
  };
  const saveFilter = async (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.target as HTMLFormElement);
    try {
      await api('POST', '/saved-filters', {
        name: String(form.get('name') ?? ''),
        shared: form.get('shared') === 'on',
        query: savedQuery(filters, me.id),
      });
      (event.target as HTMLFormElement).reset();
      await loadSaved();
    } catch (e) {
      setError(errorText(e));
    }
  };

  return (
    <section class="inbox" aria-labelledby="inbox-title">
      <h1 id="inbox-title">Inbox</h1>
      <div class="filters">
        <Select
          label="Status"
          value={filters.status}
          onChange={set('status')}
          options={[
            ['active', 'Open and pending'],
            ['open', 'Open'],
            ['pending', 'Pending'],
            ['resolved', 'Resolved'],
            ['closed', 'Closed'],
            ['', 'Any'],
          ]}
        />
        <Select
          label="Priority"
          value={filters.priority}
          onChange={set('priority')}
          options={[
            ['', 'Any'],
            ['urgent', 'Urgent'],
            ['high', 'High'],
            ['medium', 'Medium'],
            ['low', 'Low'],
          ]}
        />
        <Select
          label="Assignee"
          value={filters.assignee}
          onChange={set('assignee')}
          options={[
            ['anyone', 'Anyone'],
            ['me', 'Me'],
            ['unassigned', 'Unassigned'],
          ]}
        />
        <Select
          label="Tag"
          value={filters.tag}
          onChange={set('tag')}
          options={[['', 'Any'], ...tags.map((t): [string, string] => [t.name, t.name])]}
        />
        <Select
          label="Category"
          value={filters.categoryId}
          onChange={set('categoryId')}
          options={[['', 'Any'], ...categories.map((c): [string, string] => [c.id, c.name])]}
        />
        {mailboxes.length > 0 && (
          <Select
            label="Mailbox"
            value={filters.mailboxId}
            onChange={set('mailboxId')}
            options={[
              ['', 'Any'],
              ...mailboxes.map((m): [string, string] => [m.id, `${m.name} <${m.address}>`]),
            ]}
          />
        )}
        <Select
          label="Saved filter"
          value={filters.savedFilter}
          onChange={set('savedFilter')}
          options={[
            ['', 'None'],
            ...saved.map((s): [string, string] => [s.id, s.shared ? `${s.name} (shared)` : s.name]),
          ]}
        />
        <Select
          label="Sort"
          value={filters.sort}
          onChange={set('sort')}
          options={[
            ['created:desc', 'Newest'],
            ['created:asc', 'Oldest'],
            ['updated:desc', 'Recently updated'],
            ['sla_deadline:asc', 'SLA due first'],
            ['priority:desc', 'Priority'],
          ]}
        />
      </div>
      <form class="save-filter" onSubmit={saveFilter}>
        <label>
          Save these filters as <input name="name" required maxLength={100} />
        </label>
        <label>
          <input type="checkbox" name="shared" /> share with the team
        </label>
        <button type="submit">Save filter</button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {rows === null ? (
        <p class="loading">Loading tickets…</p>
      ) : rows.length === 0 ? (
        <p class="empty">No tickets match.</p>
      ) : (
        <table class="tickets">
          <thead>
            <tr>
              <th scope="col">#</th>
              <th scope="col">Subject</th>
              <th scope="col">Customer</th>
              <th scope="col">Last message</th>
              <th scope="col">Updated</th>
              <th scope="col">Assignee</th>
              <th scope="col">Tags</th>
              <th scope="col">SLA</th>
            </tr>
          </thead>
          <tbody ref={list}>
            {rows.map((t, index) => {
              const sla = slaCountdown(t, now);
              const others = (presence[t.id] ?? []).filter((v) => v.userId !== me.id);
              return (
                <tr
                  key={t.id}
                  data-index={index}
                  data-ticket={t.ticketNumber}
                  data-priority={t.priority}
                  class={`ticket-row sla-${sla.level}${index === selected ? ' selected' : ''}`}
                  aria-selected={index === selected}
                  onClick={() => navigate(`/t/${t.id}`)}
                >
                  <td>{t.ticketNumber}</td>
                  <td>
                    <Link href={`/t/${t.id}`}>{t.title}</Link>
                    {others.length > 0 && (
                      <span class="viewers"> · {others.map((v) => v.name).join(', ')} viewing</span>
                    )}
                  </td>
                  <td>{t.customer.name}</td>
                  <td>
                    {t.lastMessageAt ? (
                      <time dateTime={t.lastMessageAt}>{relative(t.lastMessageAt, now)}</time>
                    ) : (
                      '—'
                    )}
                  </td>
                  <td>
                    <time dateTime={t.updatedAt}>{relative(t.updatedAt, now)}</time>
                  </td>
                  <td>{t.assignee?.name ?? '—'}</td>
                  <td>
                    {t.tags.map((tag) => (
                      <span key={tag} class="tag">
                        {tag}
                      </span>
                    ))}
                  </td>
                  <td class="sla">{sla.text}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
      {next && (
        <button type="button" class="more" onClick={() => load(next, true)}>
          Load more
        </button>
      )}
    </section>
  );
}
