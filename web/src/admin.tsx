import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, type CannedResponse, errorText } from './api';
import { Link } from './router';

// The organisation's settings for admins and owners, on the API's admin routes. The API enforces the
// roles; this page only spares an agent pages that would answer 403 everywhere.

export const isAdminRole = (role: string | undefined) => role === 'admin' || role === 'owner';

const STAFF_ROLES = ['agent', 'admin', 'owner'];
const SECTIONS: [string, string][] = [
  ['members', 'Members'],
  ['invitations', 'Invitations'],
  ['mailboxes', 'Mailboxes'],
  ['canned', 'Canned responses'],
  ['tags', 'Tags'],
  ['tokens', 'API tokens'],
];

interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  isActive: boolean;
}
interface Invitation {
  id: string;
  email: string;
  role: string;
  state: string;
  expiresAt: string;
}
interface Mailbox {
  id: string;
  name: string;
  address: string;
  isActive: boolean;
  verifiedAt: string | null;
  lastSyncedAt: string | null;
  lastError: string | null;
}
interface Tag {
  id: string;
  name: string;
  colour: string;
}
interface Token {
  id: string;
  name: string;
  tokenPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

const when = (iso: string | null, none = '—') => (iso ? new Date(iso).toLocaleString() : none);

/** The form's fields as trimmed strings. */
const fieldsOf = (event: Event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const values: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) values[key] = String(value).trim();
  return { form, values };
};

/** A section's rows, its error and notice; `act` runs a change, shows the API's words, reloads the rows. */
function useRows<T>(load: () => Promise<T[]>) {
  const [rows, setRows] = useState<T[] | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const reload = () => load().then(setRows, (e) => setError(errorText(e)));
  useEffect(() => {
    reload();
  }, []);
  const act = async (change: () => Promise<unknown>, done = '') => {
    setError('');
    setNotice('');
    try {
      await change();
      setNotice(done);
      await reload();
      return true;
    } catch (e) {
      setError(errorText(e));
      return false;
    }
  };
  return { rows, error, notice, act };
}

const listOf =
  <T,>(url: string) =>
  () =>
    api<{ data: T[] }>('GET', url).then((r) => r.data);

function Panel(props: {
  title: string;
  state: { rows: unknown[] | null; error: string; notice: string };
  children: ComponentChildren;
}) {
  const { rows, error, notice } = props.state;
  return (
    <section class="admin-panel" aria-labelledby="admin-section-title">
      <h2 id="admin-section-title">{props.title}</h2>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <p role="status" class="notice">
        {notice}
      </p>
      {rows === null ? !error && <p class="loading">Loading…</p> : props.children}
    </section>
  );
}

/** A destructive button that asks once more, in place; the question takes the focus. */
function ConfirmButton(props: { label: string; what: string; onConfirm: () => void }) {
  const [asking, setAsking] = useState(false);
  const yes = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (asking) yes.current?.focus();
  }, [asking]);
  if (!asking)
    return (
      <button type="button" aria-label={`${props.label} ${props.what}`} onClick={() => setAsking(true)}>
        {props.label}
      </button>
    );
  return (
    <span class="confirm">
      {props.label} {props.what}?{' '}
      <button
        type="button"
        ref={yes}
        onClick={() => {
          setAsking(false);
          props.onConfirm();
        }}
      >
        Yes, {props.label.toLowerCase()}
      </button>{' '}
      <button type="button" onClick={() => setAsking(false)}>
        Cancel
      </button>
    </span>
  );
}

function Members({ meId }: { meId: string }) {
  const state = useRows(() =>
    Promise.all(STAFF_ROLES.map((role) => listOf<Member>(`/members?role=${role}`)())).then((lists) =>
      lists.flat().sort((a, b) => a.name.localeCompare(b.name)),
    ),
  );
  return (
    <Panel title="Members" state={state}>
      <table class="admin-table">
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Email</th>
            <th scope="col">Role</th>
            <th scope="col">Actions</th>
          </tr>
        </thead>
        <tbody>
          {state.rows?.map((m) => (
            <tr key={m.userId} data-member={m.email}>
              <td>
                {m.name}
                {m.userId === meId && ' (you)'}
                {!m.isActive && ' (deactivated)'}
              </td>
              <td>{m.email}</td>
              <td>
                <select
                  aria-label={`Role of ${m.name}`}
                  value={m.role}
                  onChange={(e) => {
                    const role = (e.target as HTMLSelectElement).value;
                    state.act(
                      () => api('PATCH', `/members/${m.userId}`, { role }),
                      `${m.name} is now ${role}.`,
                    );
                  }}
                >
                  {STAFF_ROLES.map((r) => (
                    <option key={r} value={r}>
                      {r}
                    </option>
                  ))}
                </select>
              </td>
              <td>
                <ConfirmButton
                  label="Remove"
                  what={m.name}
                  onConfirm={() =>
                    state.act(() => api('DELETE', `/members/${m.userId}`), `${m.name} was removed.`)
                  }
                />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </Panel>
  );
}

function Invitations() {
  const state = useRows(listOf<Invitation>('/invitations'));
  const invite = async (event: Event) => {
    const { form, values } = fieldsOf(event);
    const sent = await state.act(
      () => api('POST', '/invitations', { email: values.email, role: values.role }),
      `An invitation was emailed to ${values.email}.`,
    );
    if (sent) form.reset();
  };
  return (
    <Panel title="Invitations" state={state}>
      <form class="admin-form" onSubmit={invite}>
        <label>
          Email to invite <input name="email" type="email" required maxLength={320} />
        </label>
        <label>
          Role{' '}
          <select name="role">
            <option value="agent">agent</option>
            <option value="admin">admin</option>
          </select>
        </label>
        <button type="submit">Invite</button>
      </form>
      {state.rows?.length === 0 ? (
        <p class="empty">No invitations yet.</p>
      ) : (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Email</th>
              <th scope="col">Role</th>
              <th scope="col">State</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {state.rows?.map((i) => (
              <tr key={i.id} data-invitation={i.email}>
                <td>{i.email}</td>
                <td>{i.role}</td>
                <td>{i.state}</td>
                <td>{when(i.expiresAt)}</td>
                <td>
                  {i.state === 'open' && (
                    <ConfirmButton
                      label="Revoke"
                      what={`the invitation of ${i.email}`}
                      onConfirm={() =>
                        state.act(() => api('DELETE', `/invitations/${i.id}`), 'The invitation was revoked.')
                      }
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

function Mailboxes() {
  const state = useRows(listOf<Mailbox>('/mailboxes'));
  return (
    <Panel title="Mailboxes" state={state}>
      {state.rows?.length === 0 ? (
        <p class="empty">No mailboxes yet (add them through the API: POST /mailboxes).</p>
      ) : (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Address</th>
              <th scope="col">State</th>
              <th scope="col">Last synced</th>
              <th scope="col">Last connection error</th>
            </tr>
          </thead>
          <tbody>
            {state.rows?.map((m) => (
              <tr key={m.id}>
                <td>{m.name}</td>
                <td>{m.address}</td>
                <td>
                  {m.isActive ? 'active' : 'paused'}
                  {m.verifiedAt ? '' : ', address not verified'}
                </td>
                <td>{when(m.lastSyncedAt, 'never')}</td>
                <td class={m.lastError ? 'error-text' : ''}>{m.lastError ?? 'none'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

/** Creating and changing a canned response: the same fields; an empty shortcut is none. */
function CannedForm(props: {
  initial?: CannedResponse;
  submit: string;
  onSave: (body: Record<string, string | null>) => Promise<boolean>;
  onCancel?: () => void;
}) {
  const { initial } = props;
  const prefix = initial ? `edit-${initial.id}` : 'new-canned';
  const save = async (event: Event) => {
    const { form, values } = fieldsOf(event);
    const body: Record<string, string | null> = { title: values.title!, content: values.content! };
    if (values.shortcut) body.shortcut = values.shortcut;
    else if (initial) body.shortcut = null;
    if ((await props.onSave(body)) && !initial) form.reset();
  };
  return (
    <form class="admin-form canned-form" onSubmit={save}>
      <label for={`${prefix}-title`}>Title</label>
      <input id={`${prefix}-title`} name="title" required maxLength={200} defaultValue={initial?.title} />
      <label for={`${prefix}-shortcut`}>Shortcut (optional, like /thanks)</label>
      <input
        id={`${prefix}-shortcut`}
        name="shortcut"
        maxLength={50}
        pattern="/[\w\-]+"
        defaultValue={initial?.shortcut ?? ''}
      />
      <label for={`${prefix}-content`}>Text</label>
      <textarea
        id={`${prefix}-content`}
        name="content"
        required
        rows={4}
        maxLength={20_000}
        defaultValue={initial?.content}
      />
      <p class="hint">Placeholders: {'{{customer.name}}, {{ticket.number}}, {{agent.name}}'}</p>
      <span>
        <button type="submit">{props.submit}</button>{' '}
        {props.onCancel && (
          <button type="button" onClick={props.onCancel}>
            Cancel
          </button>
        )}
      </span>
    </form>
  );
}

function CannedResponses() {
  const state = useRows(listOf<CannedResponse>('/canned-responses'));
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <Panel title="Canned responses" state={state}>
      {state.rows?.length === 0 && <p class="empty">No canned responses yet.</p>}
      <ul class="admin-list">
        {state.rows?.map((c) => (
          <li key={c.id} data-canned={c.title}>
            {editing === c.id ? (
              <CannedForm
                initial={c}
                submit="Save changes"
                onCancel={() => setEditing(null)}
                onSave={async (body) => {
                  const saved = await state.act(
                    () => api('PATCH', `/canned-responses/${c.id}`, body),
                    `“${body.title}” was saved.`,
                  );
                  if (saved) setEditing(null);
                  return saved;
                }}
              />
            ) : (
              <>
                <strong>{c.title}</strong> {c.shortcut && <code>{c.shortcut}</code>}
                <p class="canned-preview">{c.content}</p>
                <button type="button" aria-label={`Edit ${c.title}`} onClick={() => setEditing(c.id)}>
                  Edit
                </button>{' '}
                <ConfirmButton
                  label="Delete"
                  what={c.title}
                  onConfirm={() =>
                    state.act(() => api('DELETE', `/canned-responses/${c.id}`), `“${c.title}” was deleted.`)
                  }
                />
              </>
            )}
          </li>
        ))}
      </ul>
      <h3>New canned response</h3>
      <CannedForm
        submit="Create canned response"
        onSave={(body) =>
          state.act(() => api('POST', '/canned-responses', body), `“${body.title}” was created.`)
        }
      />
    </Panel>
  );
}

function Tags() {
  const state = useRows(listOf<Tag>('/tags'));
  const add = async (event: Event) => {
    const { form, values } = fieldsOf(event);
    const body = { name: values.name, colour: values.colour };
    if (await state.act(() => api('POST', '/tags', body), `The tag ${values.name} was added.`)) form.reset();
  };
  const rename = (t: Tag) => async (event: Event) => {
    const { values } = fieldsOf(event);
    const body = { name: values.name, colour: values.colour };
    await state.act(() => api('PATCH', `/tags/${t.id}`, body), `The tag ${values.name} was saved.`);
  };
  return (
    <Panel title="Tags" state={state}>
      {state.rows?.length === 0 && <p class="empty">No tags yet.</p>}
      <ul class="admin-list">
        {state.rows?.map((t) => (
          <li key={t.id}>
            <form class="admin-form" onSubmit={rename(t)} aria-label={`Tag ${t.name}`}>
              <input
                name="name"
                aria-label={`Name of tag ${t.name}`}
                required
                maxLength={50}
                defaultValue={t.name}
              />
              <input
                name="colour"
                type="color"
                aria-label={`Colour of tag ${t.name}`}
                defaultValue={t.colour}
              />
              <button type="submit" aria-label={`Save tag ${t.name}`}>
                Save
              </button>
              <ConfirmButton
                label="Delete"
                what={`the tag ${t.name}`}
                onConfirm={() =>
                  state.act(() => api('DELETE', `/tags/${t.id}`), `The tag ${t.name} was deleted.`)
                }
              />
            </form>
          </li>
        ))}
      </ul>
      <form class="admin-form" onSubmit={add}>
        <label>
          New tag <input name="name" required maxLength={50} />
        </label>
        <label>
          Colour <input name="colour" type="color" defaultValue="#6b7280" />
        </label>
        <button type="submit">Add tag</button>
      </form>
    </Panel>
  );
}

function Tokens() {
  const state = useRows(listOf<Token>('/tokens'));
  const [secret, setSecret] = useState<{ name: string; token: string } | null>(null);
  const shown = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (secret) shown.current?.focus();
  }, [secret]);
  const create = async (event: Event) => {
    const { form, values } = fieldsOf(event);
    const body: Record<string, unknown> = { name: values.name };
    if (values.days) body.expiresInDays = Number(values.days);
    setSecret(null);
    const done = await state.act(async () => {
      const created = await api<{ token: string }>('POST', '/tokens', body);
      setSecret({ name: values.name!, token: created.token });
    });
    if (done) form.reset();
  };
  return (
    <Panel title="API tokens" state={state}>
      {secret && (
        <div class="token-once" tabIndex={-1} ref={shown}>
          <p>
            The token <strong>{secret.name}</strong>: copy it now, it is not shown again.
          </p>
          <label>
            New token{' '}
            <input readOnly value={secret.token} size={60} onFocus={(e) => e.currentTarget.select()} />
          </label>{' '}
          <button type="button" onClick={() => setSecret(null)}>
            I have copied it
          </button>
        </div>
      )}
      <form class="admin-form" onSubmit={create}>
        <label>
          Token name <input name="name" required maxLength={200} />
        </label>
        <label>
          Expires after (days, optional) <input name="days" type="number" min={1} max={3650} />
        </label>
        <button type="submit">Create token</button>
      </form>
      {state.rows?.length === 0 ? (
        <p class="empty">No API tokens yet.</p>
      ) : (
        <table class="admin-table">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Starts with</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">Expires</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {state.rows?.map((t) => (
              <tr key={t.id} data-token={t.name}>
                <td>{t.name}</td>
                <td>
                  <code>{t.tokenPrefix}…</code>
                </td>
                <td>{when(t.createdAt)}</td>
                <td>{when(t.lastUsedAt, 'never')}</td>
                <td>{when(t.expiresAt, 'never')}</td>
                <td>
                  {t.revokedAt ? (
                    `revoked ${when(t.revokedAt)}`
                  ) : (
                    <ConfirmButton
                      label="Revoke"
                      what={`the token ${t.name}`}
                      onConfirm={() =>
                        state.act(() => api('DELETE', `/tokens/${t.id}`), `The token ${t.name} was revoked.`)
                      }
                    />
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Panel>
  );
}

export function AdminPage({ role, meId, section }: { role?: string; meId: string; section: string }) {
  if (!isAdminRole(role)) {
    return (
      <section class="admin" aria-labelledby="admin-title">
        <h1 id="admin-title">Administration</h1>
        <p role="alert" class="error">
          Admins only: these pages are for the organisation’s admins and owners. Ask one of them to change
          members, mailboxes, canned responses, tags or tokens.
        </p>
      </section>
    );
  }
  const current = SECTIONS.find(([key]) => key === section)?.[0] ?? 'members';
  const pages: Record<string, () => ComponentChildren> = {
    members: () => <Members meId={meId} />,
    invitations: () => <Invitations />,
    mailboxes: () => <Mailboxes />,
    canned: () => <CannedResponses />,
    tags: () => <Tags />,
    tokens: () => <Tokens />,
  };
  return (
    <section class="admin" aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      <nav aria-label="Administration sections">
        <ul class="admin-nav">
          {SECTIONS.map(([key, title]) => (
            <li key={key}>
              <Link href={`/admin?section=${key}`} aria-current={key === current ? 'page' : undefined}>
                {title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div key={current}>{pages[current]!()}</div>
    </section>
  );
}
