import { api } from '../api';
import { fieldsOf, Panel, useLoaded } from './shared';

// The organisation's name and settings (PATCH /organization). Only what changed is sent, so an untouched
// Slack URL is not checked again; the API's refusals are shown in its words.

interface Settings {
  autoCloseAfterDays: number | null;
  slaWarningRatio: number | null;
  satisfactionSurvey: { delayMinutes: number } | null;
  escalationEmails: string[];
  requireTwoFactor: boolean;
  resolutionNotice: boolean;
  emailOnNewTicket: boolean;
  emailOnTicketUpdate: boolean;
  slackWebhookUrl: string | null;
}
interface Organization {
  name: string;
  slug: string;
  settings: Settings;
}

type Body = Omit<Settings, 'autoCloseAfterDays'> & { name: string; autoCloseAfterDays?: number };

function bodyOf(values: Record<string, string>): Body {
  const percent = values.warningPercent ? Number(values.warningPercent) : null;
  return {
    name: values.name!,
    // Empty: the default (7 days) stays; the API has no "off" for auto-close.
    ...(values.autoCloseAfterDays ? { autoCloseAfterDays: Number(values.autoCloseAfterDays) } : {}),
    slaWarningRatio: percent === null ? null : percent / 100,
    satisfactionSurvey: values.survey === 'on' ? { delayMinutes: Number(values.surveyDelay || 0) } : null,
    // Lower case, as the API stores them, so an unchanged list is not sent again.
    escalationEmails: (values.escalationEmails ?? '')
      .toLowerCase()
      .split(/[\s,;]+/)
      .filter(Boolean),
    requireTwoFactor: values.requireTwoFactor === 'on',
    resolutionNotice: values.resolutionNotice === 'on',
    emailOnNewTicket: values.emailOnNewTicket === 'on',
    emailOnTicketUpdate: values.emailOnTicketUpdate === 'on',
    slackWebhookUrl: values.slackWebhookUrl || null,
  };
}

export function OrganizationSettings() {
  const state = useLoaded(() => api<Organization>('GET', '/organization'));
  const org = state.data;
  const save = (event: Event) => {
    const { values } = fieldsOf(event);
    const current: Record<string, unknown> = { name: org!.name, ...org!.settings };
    const changed = Object.fromEntries(
      Object.entries(bodyOf(values)).filter(
        ([key, value]) => JSON.stringify(value) !== JSON.stringify(current[key]),
      ),
    );
    if (Object.keys(changed).length === 0) return state.act(async () => {}, 'Nothing changed.');
    return state.act(() => api('PATCH', '/organization', changed), 'The settings were saved.');
  };
  const s = org?.settings;
  return (
    <Panel title="Organisation" state={state}>
      {org && s && (
        <form class="settings-form" onSubmit={save}>
          <fieldset>
            <legend>Organisation</legend>
            <label for="org-name">Name</label>
            <input id="org-name" name="name" required maxLength={200} defaultValue={org.name} />
            <p class="hint">Its address in the app and the API: {org.slug}</p>
          </fieldset>
          <fieldset>
            <legend>Email notifications (each person may choose otherwise in their account)</legend>
            <label>
              <input type="checkbox" name="emailOnNewTicket" defaultChecked={s.emailOnNewTicket} /> Email
              staff about new tickets
            </label>
            <label>
              <input type="checkbox" name="emailOnTicketUpdate" defaultChecked={s.emailOnTicketUpdate} />{' '}
              Email staff about customer replies, assignments and mentions
            </label>
            <label for="org-escalation">Also send SLA escalations to (addresses, comma-separated)</label>
            <textarea
              id="org-escalation"
              name="escalationEmails"
              rows={2}
              defaultValue={s.escalationEmails.join(', ')}
            />
            <label for="org-slack">Slack incoming-webhook URL (new tickets and breaches; empty: off)</label>
            <input
              id="org-slack"
              name="slackWebhookUrl"
              type="url"
              maxLength={2000}
              defaultValue={s.slackWebhookUrl ?? ''}
            />
          </fieldset>
          <fieldset>
            <legend>Tickets and SLAs</legend>
            <label for="org-autoclose">Close resolved tickets after (days)</label>
            <input
              id="org-autoclose"
              name="autoCloseAfterDays"
              type="number"
              min={1}
              max={365}
              placeholder="7"
              defaultValue={s.autoCloseAfterDays ?? ''}
            />
            <label for="org-warning">Warn when this share of an SLA is used (%, empty: no warnings)</label>
            <input
              id="org-warning"
              name="warningPercent"
              type="number"
              min={1}
              max={99}
              defaultValue={s.slaWarningRatio === null ? '' : Math.round(s.slaWarningRatio * 100)}
            />
          </fieldset>
          <fieldset>
            <legend>Satisfaction surveys (CSAT)</legend>
            <label>
              <input type="checkbox" name="survey" defaultChecked={s.satisfactionSurvey !== null} /> Email the
              customer a survey after a ticket is resolved
            </label>
            <label for="org-survey-delay">Survey delay (minutes after resolving)</label>
            <input
              id="org-survey-delay"
              name="surveyDelay"
              type="number"
              min={0}
              max={43_200}
              defaultValue={s.satisfactionSurvey?.delayMinutes ?? 60}
            />
            <label>
              <input type="checkbox" name="resolutionNotice" defaultChecked={s.resolutionNotice} /> Email the
              customer when their ticket is resolved (“reply to reopen”)
            </label>
          </fieldset>
          <fieldset>
            <legend>Security</legend>
            <label>
              <input type="checkbox" name="requireTwoFactor" defaultChecked={s.requireTwoFactor} /> Staff must
              sign in with a second factor
            </label>
          </fieldset>
          <button type="submit">Save settings</button>
        </form>
      )}
    </Panel>
  );
}
