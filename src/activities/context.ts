import type { DatabaseHandle } from '../db/client.js';
import type { Mailer } from '../mail/mailer.js';
import type { Storage } from '../storage/storage.js';
import type { SurveyLinks } from '../surveys/signed-links.js';

export interface ActivityDeps {
  db: DatabaseHandle;
  mailer: Mailer;
  /** Attachment bytes, read when a reply with attachments is sent. */
  storage: Storage;
  /** Sender for organisations without a mailbox. */
  defaultFrom: string;
  /** Signs the links of satisfaction surveys. */
  surveyLinks: SurveyLinks;
  /**
   * Breaches within this long of the managers' last escalation wait for one digest (default a minute;
   * 0 mails each breach on its own). ESCALATION_DIGEST_WINDOW_SECONDS.
   */
  escalationWindowMs?: number;
  /** A person hears about one ticket at most once in this long (default five minutes). */
  notificationWindowMs?: number;
}
