import { useState } from 'preact/hooks';
import { api, type CannedResponse } from '../api';
import { ConfirmButton, FormButtons, fieldsOf, listOf, Panel, useLoaded } from './shared';

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
      <FormButtons submit={props.submit} onCancel={props.onCancel} />
    </form>
  );
}

export function CannedResponses() {
  const state = useLoaded(listOf<CannedResponse>('/canned-responses'));
  const [editing, setEditing] = useState<string | null>(null);
  return (
    <Panel title="Canned responses" state={state}>
      {state.data?.length === 0 && <p class="empty">No canned responses yet.</p>}
      <ul class="admin-list">
        {state.data?.map((c) => (
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
