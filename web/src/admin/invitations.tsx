import { api } from '../api';
import { ConfirmButton, fieldsOf, listOf, Panel, Table, useLoaded, when } from './shared';

interface Invitation {
  id: string;
  email: string;
  role: string;
  state: string;
  expiresAt: string;
}

export function Invitations() {
  const state = useLoaded(listOf<Invitation>('/invitations'));
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
      {state.data?.length === 0 ? (
        <p class="empty">No invitations yet.</p>
      ) : (
        <Table columns={['Email', 'Role', 'State', 'Expires', 'Actions']}>
          {state.data?.map((i) => (
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
          ))}{' '}
        </Table>
      )}
    </Panel>
  );
}
