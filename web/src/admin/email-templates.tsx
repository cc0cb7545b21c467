import { useState } from 'preact/hooks';
import { api, errorText } from '../api';
import { ConfirmButton, fieldsOf, listOf, Panel, useLoaded } from './shared';

// The organisation's wording of its emails (GET/PUT/DELETE /email-templates): pick an email, edit its
// Mustache subject and body, preview it with example values before saving, or go back to the default.

interface EmailTemplate {
  kind: string;
  subject: string;
  body: string;
  customized: boolean;
  placeholders: { name: string; description: string }[];
  required: string[];
}

const label = (kind: string) => kind.replace(/_/g, ' ').replace(/^\w/, (c) => c.toUpperCase());

/** The editor of one wording; saving goes through the page's state (its notice outlives the editor's remount). */
function TemplateEditor({
  template,
  onSave,
}: {
  template: EmailTemplate;
  onSave: (draft: { subject: string; body: string }) => Promise<boolean>;
}) {
  const [preview, setPreview] = useState<{ subject: string; text: string } | null>(null);
  const [error, setError] = useState('');
  const draftOf = (form: HTMLFormElement) => {
    const data = new FormData(form);
    return { subject: String(data.get('subject')), body: String(data.get('body')) };
  };
  const save = (event: Event) => onSave(draftOf(fieldsOf(event).form));
  const showPreview = async (event: Event) => {
    const form = (event.currentTarget as HTMLButtonElement).form!;
    setError('');
    try {
      setPreview(await api('POST', `/email-templates/${template.kind}/preview`, draftOf(form)));
    } catch (e) {
      setPreview(null);
      setError(errorText(e));
    }
  };
  const id = `template-${template.kind}`;
  return (
    <form class="admin-form template-form" onSubmit={save} key={template.kind}>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      <label for={`${id}-subject`}>Subject</label>
      <input id={`${id}-subject`} name="subject" required maxLength={500} defaultValue={template.subject} />
      <label for={`${id}-body`}>Body (plain text)</label>
      <textarea
        id={`${id}-body`}
        name="body"
        required
        rows={12}
        maxLength={20_000}
        defaultValue={template.body}
      />
      <details>
        <summary>
          Placeholders{template.required.length ? ` (must use ${template.required.join(', ')})` : ''}
        </summary>
        <dl class="placeholders">
          {template.placeholders.map((p) => (
            <div key={p.name}>
              <dt>
                <code>{`{{${p.name}}}`}</code>
              </dt>
              <dd>{p.description}</dd>
            </div>
          ))}
        </dl>
      </details>
      <button type="button" onClick={showPreview}>
        Preview
      </button>{' '}
      <button type="submit">Save wording</button>
      {preview && (
        <section class="template-preview" aria-label="Preview">
          <p>
            <strong>Subject:</strong> <span class="preview-subject">{preview.subject}</span>
          </p>
          <pre class="preview-text">{preview.text}</pre>
        </section>
      )}
    </form>
  );
}

export function EmailTemplates() {
  const state = useLoaded(listOf<EmailTemplate>('/email-templates'));
  const [kind, setKind] = useState('acknowledgement');
  const template = state.data?.find((t) => t.kind === kind);
  return (
    <Panel title="Email templates" state={state}>
      <label for="template-kind">Email</label>
      <select id="template-kind" onChange={(e) => setKind((e.currentTarget as HTMLSelectElement).value)}>
        {state.data?.map((t) => (
          <option key={t.kind} value={t.kind} selected={t.kind === kind}>
            {label(t.kind)}
            {t.customized ? ' (own wording)' : ''}
          </option>
        ))}
      </select>
      {template && (
        <div key={`${template.kind}:${template.customized}:${template.subject}`}>
          <TemplateEditor
            template={template}
            onSave={(draft) =>
              state.act(
                () => api('PUT', `/email-templates/${template.kind}`, draft),
                'The wording was saved; mail queued from now on uses it.',
              )
            }
          />
          {template.customized && (
            <ConfirmButton
              label="Go back to the default"
              what={`the ${label(template.kind).toLowerCase()} wording`}
              onConfirm={() =>
                state.act(
                  () => api('DELETE', `/email-templates/${template.kind}`),
                  'The default wording is back.',
                )
              }
            />
          )}
        </div>
      )}
    </Panel>
  );
}
