import { useEffect, useRef, useState } from 'preact/hooks';
import { api } from '../api';
import { ConfirmButton, fieldsOf, listOf, Panel, Table, useLoaded, when } from './shared';

interface Token {
  id: string;
  name: string;
  tokenPrefix: string;
  createdAt: string;
  lastUsedAt: string | null;
  expiresAt: string | null;
  revokedAt: string | null;
}

export function Tokens() {
  const state = useLoaded(listOf<Token>('/tokens'));
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
      {state.data?.length === 0 ? (
        <p class="empty">No API tokens yet.</p>
      ) : (
        <Table columns={['Name', 'Starts with', 'Created', 'Last used', 'Expires', 'Actions']}>
          {state.data?.map((t) => (
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
          ))}{' '}
        </Table>
      )}
    </Panel>
  );
}
