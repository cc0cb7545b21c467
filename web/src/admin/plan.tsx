import { api } from '../api';
import { Panel, Table, useLoaded } from './shared';

// The plan, its limits and this month's usage (GET /subscription, read-only: the operator changes plans).

interface Subscription {
  plan: {
    name: string;
    priceCentsPerMonth: number;
    limits: { agents: number | null; mailboxes: number | null; ticketsPerMonth: number | null };
  };
  period: { start: string; end: string };
  usage: {
    agents: number;
    mailboxes: number;
    ticketsCreated: number;
    ticketsOverLimit: number;
    inboundEmails: number;
    outboundEmails: number;
  };
}

function Usage(props: { what: string; used: number; limit: number | null }) {
  const { what, used, limit } = props;
  const over = limit !== null && used >= limit;
  return (
    <tr data-usage={what}>
      <th scope="row">{what}</th>
      <td>{used}</td>
      <td>{limit === null ? 'unlimited' : limit}</td>
      <td>
        {limit !== null && (
          <meter
            min={0}
            max={limit}
            value={used}
            high={limit * 0.8}
            optimum={0}
            aria-label={`${what}: ${used} of ${limit}`}
          />
        )}{' '}
        {over && <span class="error-text">limit reached</span>}
      </td>
    </tr>
  );
}

export function PlanAndUsage() {
  const state = useLoaded(() => api<Subscription>('GET', '/subscription'));
  const sub = state.data;
  return (
    <Panel title="Plan and usage" state={state}>
      {sub && (
        <>
          <p>
            Plan: <strong>{sub.plan.name}</strong>
            {sub.plan.priceCentsPerMonth > 0 &&
              ` (${(sub.plan.priceCentsPerMonth / 100).toFixed(2)} a month)`}
            . Plans are changed by the operator of this installation.
          </p>
          <Table
            caption={`This month (UTC) since ${sub.period.start}; the counts restart on ${sub.period.end}`}
            columns={['What', 'Used', 'Allowed', 'Share']}
          >
            <Usage what="Agents, admins and owners" used={sub.usage.agents} limit={sub.plan.limits.agents} />
            <Usage what="Mailboxes" used={sub.usage.mailboxes} limit={sub.plan.limits.mailboxes} />
            <Usage
              what="Tickets this month"
              used={sub.usage.ticketsCreated}
              limit={sub.plan.limits.ticketsPerMonth}
            />
          </Table>
          <ul class="plan-notes">
            {sub.usage.ticketsOverLimit > 0 && (
              <li class="error-text">
                {sub.usage.ticketsOverLimit} tickets this month came in over the limit (email is never
                refused).
              </li>
            )}
            <li>Emails received this month: {sub.usage.inboundEmails}</li>
            <li>Emails sent this month: {sub.usage.outboundEmails}</li>
          </ul>
          <p class="hint">
            Over a limit, new agents, mailboxes and tickets created by agents are refused; customers’ email
            always becomes a ticket.
          </p>
        </>
      )}
    </Panel>
  );
}
