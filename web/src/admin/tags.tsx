import { api } from '../api';
import { ConfirmButton, fieldsOf, listOf, Panel, useLoaded } from './shared';

interface Tag {
  id: string;
  name: string;
  colour: string;
}

export function Tags() {
  const state = useLoaded(listOf<Tag>('/tags'));
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
      {state.data?.length === 0 && <p class="empty">No tags yet.</p>}
      <ul class="admin-list">
        {state.data?.map((t) => (
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
