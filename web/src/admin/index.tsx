import type { ComponentChildren } from 'preact';
import { Link } from '../router';
import { CannedResponses } from './canned';
import { Categories } from './categories';
import { EmailTemplates } from './email-templates';
import { Invitations } from './invitations';
import { Mailboxes } from './mailboxes';
import { Members } from './members';
import { OrganizationSettings } from './organization';
import { PlanAndUsage } from './plan';
import { SlaPolicies } from './sla';
import { Tags } from './tags';
import { Tokens } from './tokens';

// The organisation's settings for admins and owners, on the API's admin routes, one module per page. The
// API enforces the roles; this page only spares an agent pages that would answer 403 everywhere.

export const isAdminRole = (role: string | undefined) => role === 'admin' || role === 'owner';

const SECTIONS: [key: string, title: string, page: (meId: string) => ComponentChildren][] = [
  ['members', 'Members', (meId) => <Members meId={meId} />],
  ['invitations', 'Invitations', () => <Invitations />],
  ['organization', 'Organisation', () => <OrganizationSettings />],
  ['sla', 'SLA policies', () => <SlaPolicies />],
  ['categories', 'Categories', () => <Categories />],
  ['mailboxes', 'Mailboxes', () => <Mailboxes />],
  ['canned', 'Canned responses', () => <CannedResponses />],
  ['templates', 'Email templates', () => <EmailTemplates />],
  ['tags', 'Tags', () => <Tags />],
  ['tokens', 'API tokens', () => <Tokens />],
  ['plan', 'Plan and usage', () => <PlanAndUsage />],
];

export function AdminPage({ role, meId, section }: { role?: string; meId: string; section: string }) {
  if (!isAdminRole(role)) {
    return (
      <section class="admin" aria-labelledby="admin-title">
        <h1 id="admin-title">Administration</h1>
        <p role="alert" class="error">
          Admins only: these pages are for the organisation’s admins and owners. Ask one of them to change
          members, settings, SLA policies, categories, mailboxes, canned responses, tags or tokens.
        </p>
      </section>
    );
  }
  const [current, , page] = SECTIONS.find(([key]) => key === section) ?? SECTIONS[0]!;
  return (
    <section class="admin" aria-labelledby="admin-title">
      <h1 id="admin-title">Administration</h1>
      <nav aria-label="Administration sections">
        <ul class="admin-nav">
          {SECTIONS.map(([key, title]) => (
            <li key={key}>
              <Link href={`/admin?section=${key}`} aria-current={key === current ? 'page' : undefined}>
                {title}
              </Link>
            </li>
          ))}
        </ul>
      </nav>
      <div key={current}>{page(meId)}</div>
    </section>
  );
}
