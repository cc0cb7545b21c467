import { api } from '../api';
import { FormButtons, fieldsOf, listOf, Panel, Table, useLoaded, when } from './shared';

interface Mailbox {
  id: string;
  name: string;
  address: string;
  displayName: string | null;
  signature: string | null;
  isActive: boolean;
  verifiedAt: string | null;
  lastSyncedAt: string | null;
  lastError: string | null;
}

export function Mailboxes() {
  const state = useLoaded(listOf<Mailbox>('/mailboxes'));
  return (
    <Panel title="Mailboxes" state={state}>
      {state.data?.length === 0 ? (
        <p class="empty">No mailboxes yet (add them through the API: POST /mailboxes).</p>
      ) : (
        <Table columns={['Name', 'Address', 'State', 'Last synced', 'Last connection error']}>
          {state.data?.map((m) => (
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
          ))}{' '}
        </Table>
      )}
      {state.data?.map((m) => (
        <form
          key={m.id}
          class="admin-form mailbox-sender"
          aria-label={`Sender of ${m.address}`}
          onSubmit={(event) => {
            const { values } = fieldsOf(event);
            return state.act(
              () =>
                api('PATCH', `/mailboxes/${m.id}`, {
                  displayName: values.displayName || null,
                  signature: values.signature || null,
                }),
              `The sender of ${m.address} was saved.`,
            );
          }}
        >
          <h3>{m.address}: how its mail is signed</h3>
          <label for={`sender-${m.id}-name`}>Display name (shown beside the address)</label>
          <input
            id={`sender-${m.id}-name`}
            name="displayName"
            maxLength={100}
            defaultValue={m.displayName ?? ''}
          />
          <label for={`sender-${m.id}-signature`}>Signature (ends replies, notices and surveys)</label>
          <textarea
            id={`sender-${m.id}-signature`}
            name="signature"
            rows={3}
            maxLength={2000}
            defaultValue={m.signature ?? ''}
          />
          <FormButtons submit="Save sender" />
        </form>
      ))}
    </Panel>
  );
}
