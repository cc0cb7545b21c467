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
}
