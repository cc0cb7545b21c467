import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, errorText } from '../api';

// What every admin page shares: loading what it shows, running a change with the API's words for the
// outcome, the panel around it, and the destructive button that asks once more.

export const when = (iso: string | null, none = '—') => (iso ? new Date(iso).toLocaleString() : none);

/** The form's fields as trimmed strings (a checkbox: "on" when ticked, absent otherwise). */
export const fieldsOf = (event: Event) => {
  event.preventDefault();
  const form = event.currentTarget as HTMLFormElement;
  const values: Record<string, string> = {};
  for (const [key, value] of new FormData(form)) values[key] = String(value).trim();
  return { form, values };
};

export interface Loaded<T> {
  data: T | null;
  error: string;
  notice: string;
  /** Runs a change, shows the API's words (or `done`), reloads; true when it worked. */
  act: (change: () => Promise<unknown>, done?: string) => Promise<boolean>;
}

/** A page's data (a list, or one object), its error and notice. */
export function useLoaded<T>(load: () => Promise<T>): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState('');
  const [notice, setNotice] = useState('');
  const reload = () => load().then(setData, (e) => setError(errorText(e)));
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
  return { data, error, notice, act };
}

export const listOf =
  <T,>(url: string) =>
  () =>
    api<{ data: T[] }>('GET', url).then((r) => r.data);

export function Panel(props: {
  title: string;
  state: Pick<Loaded<unknown>, 'data' | 'error' | 'notice'>;
  children: ComponentChildren;
}) {
  const { data, error, notice } = props.state;
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
      {data === null ? !error && <p class="loading">Loading…</p> : props.children}
    </section>
  );
}

/** A table with a header row; `caption` names it for screen readers. */
export function Table(props: { caption?: string; columns: string[]; children: ComponentChildren }) {
  return (
    <table class="admin-table">
      {props.caption && <caption>{props.caption}</caption>}
      <thead>
        <tr>
          {props.columns.map((c) => (
            <th key={c} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>{props.children}</tbody>
    </table>
  );
}

/** A destructive button that asks once more, in place; the question takes the focus. */
export function ConfirmButton(props: { label: string; what: string; onConfirm: () => void }) {
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

/** A create or edit form's submit button, and Cancel when editing in place. */
export function FormButtons(props: { submit: string; onCancel?: () => void }) {
  return (
    <span>
      <button type="submit">{props.submit}</button>{' '}
      {props.onCancel && (
        <button type="button" onClick={props.onCancel}>
          Cancel
        </button>
      )}
    </span>
  );
}
