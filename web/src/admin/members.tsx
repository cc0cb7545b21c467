import { api } from '../api';
import { ConfirmButton, listOf, Panel, Table, useLoaded } from './shared';

const STAFF_ROLES = ['agent', 'admin', 'owner'];

interface Member {
  userId: string;
  email: string;
  name: string;
  role: string;
  isActive: boolean;
}

export function Members({ meId }: { meId: string }) {
  const state = useLoaded(() =>
    Promise.all(STAFF_ROLES.map((role) => listOf<Member>(`/members?role=${role}`)())).then((lists) =>
      lists.flat().sort((a, b) => a.name.localeCompare(b.name)),
    ),
  );
  return (
    <Panel title="Members" state={state}>
      <Table columns={['Name', 'Email', 'Role', 'Actions']}>
        {state.data?.map((m) => (
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
        ))}{' '}
      </Table>
    </Panel>
  );
}
