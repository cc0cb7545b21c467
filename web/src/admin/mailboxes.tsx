import { listOf, Panel, Table, useLoaded, when } from './shared';

interface Mailbox {
  id: string;
  name: string;
  address: string;
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
    </Panel>
  );
}
