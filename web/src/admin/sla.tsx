import { Fragment } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { api, errorText } from '../api';
import {
  type BusinessHours,
  dayText,
  duration,
  instantOf,
  parseDay,
  parseHolidays,
  WEEKDAYS,
  wallTime,
  zoned,
} from './hours';
import { ConfirmButton, FormButtons, fieldsOf, type Loaded, listOf, Panel, Table, useLoaded } from './shared';

// SLA policies, the organisation's business hours they count in, and a preview of when a ticket
// opened at a given time would be due under each policy (the API computes it with the workflow's rules).

const PRIORITIES = ['low', 'medium', 'high', 'urgent'];

interface Policy {
  id: string;
  name: string;
  priority: string;
  firstResponseTime: number;
  nextResponseTime: number | null;
  resolutionTime: number;
  businessHoursOnly: boolean;
  isDefault: boolean;
}
interface Preview {
  policyId: string;
  timeZone: string | null;
  clockStarts: string;
  firstResponseDue: string;
  nextResponseDue: string | null;
  resolutionDue: string;
  openings: { start: string; end: string }[];
}
interface SlaData {
  hours: BusinessHours | null;
  policies: Policy[];
}

const load = () =>
  Promise.all([
    api<{ settings: { businessHours: BusinessHours | null } }>('GET', '/organization'),
    listOf<Policy>('/sla-policies')(),
  ]).then(([org, policies]): SlaData => ({ hours: org.settings.businessHours, policies }));

export function SlaPolicies() {
  const state = useLoaded(load);
  const [editing, setEditing] = useState<string | null>(null);
  const policies = state.data?.policies ?? [];
  return (
    <Panel title="SLA policies" state={state}>
      <BusinessHoursForm state={state} />
      <h3>Policies</h3>
      <p class="hint">
        Times are in minutes. Each priority’s default policy applies to tickets opened (or re-prioritised)
        afterwards; a priority without one uses the built-in times.
      </p>
      {policies.length === 0 ? (
        <p class="empty">No SLA policies yet: every priority uses the built-in times.</p>
      ) : (
        <Table
          columns={['Name', 'Priority', 'First response', 'Next response', 'Resolution', 'Counts', 'Actions']}
        >
          {policies.map((p) =>
            editing === p.id ? (
              <tr key={p.id}>
                <td colSpan={7}>
                  <PolicyForm
                    initial={p}
                    submit="Save policy"
                    onCancel={() => setEditing(null)}
                    onSave={async (body) => {
                      const saved = await state.act(
                        () => api('PATCH', `/sla-policies/${p.id}`, body),
                        `The policy ${body.name} was saved.`,
                      );
                      if (saved) setEditing(null);
                      return saved;
                    }}
                  />
                </td>
              </tr>
            ) : (
              <tr key={p.id} data-policy={p.name}>
                <td>
                  {p.name}
                  {p.isDefault && ' (default)'}
                </td>
                <td>{p.priority}</td>
                <td>{duration(p.firstResponseTime)}</td>
                <td>{p.nextResponseTime === null ? 'none' : duration(p.nextResponseTime)}</td>
                <td>{duration(p.resolutionTime)}</td>
                <td>{p.businessHoursOnly ? 'business hours' : '24/7'}</td>
                <td>
                  <button type="button" aria-label={`Edit ${p.name}`} onClick={() => setEditing(p.id)}>
                    Edit
                  </button>{' '}
                  <ConfirmButton
                    label="Delete"
                    what={`the policy ${p.name}`}
                    onConfirm={() =>
                      state.act(
                        () => api('DELETE', `/sla-policies/${p.id}`),
                        `The policy ${p.name} was deleted.`,
                      )
                    }
                  />
                </td>
              </tr>
            ),
          )}
        </Table>
      )}
      {state.data && <DuePreview data={state.data} />}
      <h3>New policy</h3>
      <PolicyForm
        submit="Create policy"
        onSave={(body) =>
          state.act(() => api('POST', '/sla-policies', body), `The policy ${body.name} was created.`)
        }
      />
    </Panel>
  );
}

type PolicyBody = Omit<Policy, 'id'>;

function PolicyForm(props: {
  initial?: Policy;
  submit: string;
  onSave: (body: PolicyBody) => Promise<boolean>;
  onCancel?: () => void;
}) {
  const { initial } = props;
  const id = (field: string) => `${initial ? `policy-${initial.id}` : 'new-policy'}-${field}`;
  const save = async (event: Event) => {
    const { form, values } = fieldsOf(event);
    const body: PolicyBody = {
      name: values.name!,
      priority: values.priority!,
      firstResponseTime: Number(values.firstResponseTime),
      nextResponseTime: values.nextResponseTime ? Number(values.nextResponseTime) : null,
      resolutionTime: Number(values.resolutionTime),
      businessHoursOnly: values.businessHoursOnly === 'on',
      isDefault: values.isDefault === 'on',
    };
    if ((await props.onSave(body)) && !initial) form.reset();
  };
  const minutes = { type: 'number', min: 1, max: 525_600 } as const;
  return (
    <form class="admin-form policy-form" onSubmit={save}>
      <label for={id('name')}>Policy name</label>
      <input id={id('name')} name="name" required maxLength={200} defaultValue={initial?.name} />
      <label for={id('priority')}>Priority</label>
      <select id={id('priority')} name="priority">
        {PRIORITIES.map((p) => (
          <option key={p} value={p} selected={p === (initial?.priority ?? 'medium')}>
            {p}
          </option>
        ))}
      </select>
      <label for={id('first')}>First response (minutes)</label>
      <input
        id={id('first')}
        name="firstResponseTime"
        required
        {...minutes}
        defaultValue={initial?.firstResponseTime}
      />
      <label for={id('next')}>Next response (minutes, optional)</label>
      <input
        id={id('next')}
        name="nextResponseTime"
        {...minutes}
        defaultValue={initial?.nextResponseTime ?? ''}
      />
      <label for={id('resolution')}>Resolution (minutes)</label>
      <input
        id={id('resolution')}
        name="resolutionTime"
        required
        {...minutes}
        defaultValue={initial?.resolutionTime}
      />
      <label>
        <input type="checkbox" name="businessHoursOnly" defaultChecked={initial?.businessHoursOnly ?? true} />{' '}
        Count business hours only
      </label>
      <label>
        <input type="checkbox" name="isDefault" defaultChecked={initial?.isDefault ?? true} /> Default for its
        priority
      </label>
      <FormButtons submit={props.submit} onCancel={props.onCancel} />
    </form>
  );
}

function BusinessHoursForm({ state }: { state: Loaded<SlaData> }) {
  const hours = state.data?.hours ?? null;
  const save = (event: Event) => {
    const { values } = fieldsOf(event);
    state.act(() => {
      const weekly: BusinessHours['weekly'] = {};
      for (const [day, name] of WEEKDAYS) {
        const parsed = parseDay(values[day] ?? '');
        if (typeof parsed === 'string') throw new Error(`${name}: ${parsed}`);
        if (parsed.length) weekly[day] = parsed;
      }
      const businessHours = {
        timeZone: values.timeZone,
        weekly,
        holidays: parseHolidays(values.holidays ?? ''),
      };
      return api('PATCH', '/organization', { businessHours });
    }, 'The business hours were saved.');
  };
  return (
    <>
      <h3>Business hours</h3>
      <p class="hint">
        {hours
          ? `Business-hours policies count only these hours (${hours.timeZone}). Leave a day empty when closed.`
          : 'No business hours: every clock runs 24/7. Set them to count business hours only.'}
      </p>
      <form class="admin-form hours-form" onSubmit={save} aria-label="Business hours">
        <label for="hours-zone">Time zone</label>
        <input
          id="hours-zone"
          name="timeZone"
          required
          list="time-zones"
          defaultValue={hours?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone}
        />
        <datalist id="time-zones">
          {Intl.supportedValuesOf('timeZone').map((zone) => (
            <option key={zone} value={zone} />
          ))}
        </datalist>
        {WEEKDAYS.map(([day, name]) => (
          <Fragment key={day}>
            <label for={`hours-${day}`}>{name} hours</label>
            <input
              id={`hours-${day}`}
              name={day}
              placeholder="closed"
              defaultValue={
                hours ? dayText(hours.weekly[day]) : day === 'sat' || day === 'sun' ? '' : '09:00-17:00'
              }
            />
          </Fragment>
        ))}
        <label for="hours-holidays">Holidays (closed all day; dates like 2026-12-24)</label>
        <textarea
          id="hours-holidays"
          name="holidays"
          rows={2}
          defaultValue={(hours?.holidays ?? []).join(', ')}
        />
        <span>
          <button type="submit">Save business hours</button>{' '}
          {hours && (
            <ConfirmButton
              label="Turn off"
              what="business hours"
              onConfirm={() =>
                state.act(
                  () => api('PATCH', '/organization', { businessHours: null }),
                  'Business hours are off: clocks run 24/7.',
                )
              }
            />
          )}
        </span>
      </form>
    </>
  );
}

/** When a ticket opened at a chosen time (now by default) would be due under each policy. */
function DuePreview({ data }: { data: SlaData }) {
  const zone = data.hours?.timeZone;
  const [at, setAt] = useState(() => Date.now());
  const [previews, setPreviews] = useState<Preview[] | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    // Only the latest answer counts: the policies or the time may change while one is on its way.
    let latest = true;
    setError('');
    const iso = encodeURIComponent(new Date(at).toISOString());
    Promise.all(
      data.policies.map((p) => api<Preview>('GET', `/sla-policies/${p.id}/preview?at=${iso}`)),
    ).then(
      (answers) => latest && setPreviews(answers),
      (e) => latest && setError(errorText(e)),
    );
    return () => {
      latest = false;
    };
  }, [data, at]);
  const shown = (iso: string) => zoned(iso, zone);
  const choose = (event: Event) => {
    const { values } = fieldsOf(event);
    const chosen = instantOf(values.at ?? '', zone);
    if (Number.isNaN(chosen)) setError('Choose a date and time for the preview.');
    else setAt(chosen);
  };
  return (
    <section aria-labelledby="sla-preview-title">
      <h3 id="sla-preview-title">When a ticket opened {zoned(at, zone)} would be due</h3>
      <form class="admin-form" onSubmit={choose}>
        <label for="preview-at">Opened at ({zone ?? 'your time'})</label>
        <input id="preview-at" name="at" type="datetime-local" required defaultValue={wallTime(at, zone)} />
        <button type="submit">Preview</button>{' '}
        <button type="button" onClick={() => setAt(Date.now())}>
          Now
        </button>
      </form>
      {error && (
        <p role="alert" class="error">
          {error}
        </p>
      )}
      {data.policies.length === 0 && <p class="empty">Create a policy to preview its deadlines.</p>}
      {previews && previews.length > 0 && (
        <Table
          caption={`Deadlines ${zone ? `in ${zone} time` : 'in your time (24/7 clocks)'}`}
          columns={[
            'Policy',
            'Clocks start',
            'First response due',
            'Next response due',
            'Resolution due',
            'Calendar',
          ]}
        >
          {previews.map((v) => {
            // Until the new answers arrive, a deleted policy's old preview is left out.
            const policy = data.policies.find((p) => p.id === v.policyId);
            if (!policy) return null;
            return (
              <tr key={v.policyId} data-preview={policy.name}>
                <th scope="row">
                  {policy.name} ({policy.priority})
                </th>
                <td>{shown(v.clockStarts)}</td>
                <td>{shown(v.firstResponseDue)}</td>
                <td>{v.nextResponseDue ? shown(v.nextResponseDue) : 'none'}</td>
                <td>{shown(v.resolutionDue)}</td>
                <td>
                  <Calendar preview={v} name={policy.name} zone={zone} />
                </td>
              </tr>
            );
          })}
        </Table>
      )}
    </section>
  );
}

/** The open stretches day by day, each deadline on its day. */
function Calendar({ preview, name, zone }: { preview: Preview; name: string; zone: string | undefined }) {
  const label = (iso: string) => zoned(iso, zone).split(', ');
  const days = new Map<string, { label: string; open: string[]; due: string[] }>();
  const on = (iso: string) => {
    const key = wallTime(Date.parse(iso), zone).slice(0, 10);
    if (!days.has(key)) days.set(key, { label: label(iso)[0]!, open: [], due: [] });
    return days.get(key)!;
  };
  for (const { start, end } of preview.openings) {
    const [startDay, from] = label(start);
    const [endDay, to] = label(end);
    on(start).open.push(startDay === endDay ? `${from}–${to}` : `${from} until ${endDay} ${to}`);
  }
  const deadlines: [string, string | null][] = [
    ['first response', preview.firstResponseDue],
    ['next response', preview.nextResponseDue],
    ['resolution', preview.resolutionDue],
  ];
  for (const [what, iso] of deadlines) if (iso) on(iso).due.push(`${what} due ${label(iso)[1]}`);
  return (
    <details>
      <summary aria-label={`Calendar of ${name}`}>Calendar</summary>
      <ol class="sla-calendar">
        {[...days]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, { label: title, open, due }]) => (
            <li key={key}>
              <strong>{title}</strong>: {open.length ? `counts ${open.join(', ')}` : 'no time counted'}
              {due.length > 0 && <span class="due"> · {due.join(', ')}</span>}
            </li>
          ))}
      </ol>
    </details>
  );
}
