import type { DatabaseHandle } from '../db/client.js';
import type { Mailer } from '../mail/mailer.js';
import type { Storage } from '../storage/storage.js';
import type { SurveyLinks } from '../surveys/signed-links.js';
import type { TicketCommands } from '../workflows/contracts.js';

/** What the routes work with; built and closed by the caller (entry point or test). */
export interface ApiDeps {
  db: DatabaseHandle;
  tickets: TicketCommands;
  storage: Storage;
  /** Verifies the signed links of satisfaction surveys (the same keys the worker signs with). */
  surveyLinks: SurveyLinks;
  /** The API's own mail (invitations): the transport the worker delivers the outbox with. */
  mailer: Mailer;
  /** Sender for organisations without a mailbox of their own. */
  defaultFrom: string;
}
