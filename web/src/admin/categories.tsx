import { api } from '../api';
import { ConfirmButton, fieldsOf, listOf, Panel, useLoaded } from './shared';

// Ticket categories, nested one level deep: rename and move in place, delete (the API refuses a category
// that still has subcategories, and its tickets become uncategorised).

interface Category {
  id: string;
  name: string;
  parentId: string | null;
}

/** The parent choices: top-level categories other than the one being placed. */
function ParentSelect(props: { id: string; label: string; parents: Category[]; value: string | null }) {
  return (
    <>
      <label for={props.id}>{props.label}</label>
      {/* `selected` on the option: Preact has no defaultValue for a select. */}
      <select id={props.id} name="parentId">
        <option value="">none (top level)</option>
        {props.parents.map((p) => (
          <option key={p.id} value={p.id} selected={p.id === props.value}>
            {p.name}
          </option>
        ))}
      </select>
    </>
  );
}

export function Categories() {
  const state = useLoaded(listOf<Category>('/categories'));
  const all = state.data ?? [];
  const topLevel = all.filter((c) => !c.parentId);
  const add = async (event: Event) => {
    const { form, values } = fieldsOf(event);
    const body = { name: values.name, parentId: values.parentId || null };
    const done = await state.act(
      () => api('POST', '/categories', body),
      `The category ${values.name} was added.`,
    );
    if (done) form.reset();
  };
  const change = (c: Category) => (event: Event) => {
    const { values } = fieldsOf(event);
    const body = { name: values.name, parentId: values.parentId || null };
    state.act(() => api('PATCH', `/categories/${c.id}`, body), `The category ${values.name} was saved.`);
  };
  return (
    <Panel title="Categories" state={state}>
      <p class="hint">
        Agents pick a category per ticket; a category may have subcategories, one level deep.
      </p>
      {all.length === 0 && <p class="empty">No categories yet.</p>}
      <ul class="admin-list">
        {all.map((c) => (
          <li key={c.id} data-category={c.name} class={c.parentId ? 'subcategory' : ''}>
            <form class="admin-form" onSubmit={change(c)} aria-label={`Category ${c.name}`}>
              <input
                name="name"
                aria-label={`Name of category ${c.name}`}
                required
                maxLength={100}
                defaultValue={c.name}
              />
              <ParentSelect
                id={`parent-${c.id}`}
                label={`Parent of ${c.name}`}
                parents={topLevel.filter((p) => p.id !== c.id)}
                value={c.parentId}
              />
              <button type="submit" aria-label={`Save category ${c.name}`}>
                Save
              </button>
              <ConfirmButton
                label="Delete"
                what={`the category ${c.name}`}
                onConfirm={() =>
                  state.act(() => api('DELETE', `/categories/${c.id}`), `The category ${c.name} was deleted.`)
                }
              />
            </form>
          </li>
        ))}
      </ul>
      <h3>New category</h3>
      <form class="admin-form" onSubmit={add}>
        <label for="new-category-name">Category name</label>
        <input id="new-category-name" name="name" required maxLength={100} />
        <ParentSelect id="new-category-parent" label="Parent (optional)" parents={topLevel} value={null} />
        <button type="submit">Add category</button>
      </form>
    </Panel>
  );
}
