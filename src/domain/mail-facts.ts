// What an email about a ticket may say, and an organisation's own wording of one: filled in by the
// database's queries, rendered by src/mail/templates.ts.

export interface TicketFacts {
  ticketNumber: number;
  title: string;
  organizationName: string;
  customer: { name: string; email: string };
  assignee: { name: string; email: string } | null;
  /** The signature of the mailbox the mail leaves from, if it has one. */
  signature?: string | null;
}

/** An organisation's wording of one email: Mustache sources of the subject and the plain-text body. */
export interface TemplateText {
  subject: string;
  body: string;
}
