// Who among the staff hears about a ticket event, and which `@name`s a note mentions. Pure, so the
// activities, the API and the unit tests share one reading of it.
import type { NotificationEvent } from './vocabulary.js';

/** A person's own choices; an event they did not choose follows the organisation's default. */
export type NotificationPreferences = Partial<Record<NotificationEvent, boolean>>;

/** The organisation's switches (settings.notifications); absent means off. */
export interface OrganizationNotificationDefaults {
  emailOnNewTicket?: boolean;
  emailOnTicketUpdate?: boolean;
}

/** Whether the person gets mail for `event`: their own choice, else the organisation's default. */
export function wantsNotification(
  event: NotificationEvent,
  own: NotificationPreferences,
  defaults: OrganizationNotificationDefaults,
): boolean {
  const chosen = own[event];
  if (chosen !== undefined) return chosen;
  return Boolean(event === 'newTicket' ? defaults.emailOnNewTicket : defaults.emailOnTicketUpdate);
}

/**
 * The window an event at `at` (ms) falls in: one mail per person, ticket and window, so a busy ticket
 * does not flood its agents.
 */
export const notificationWindow = (at: number, windowMs: number) => Math.floor(at / windowMs);

export interface Mentionable {
  userId: string;
  displayName: string;
  email: string;
}

const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The members whose display name or address local part follows an `@` in `text` (case-insensitive,
 * whitespace in a name matching any run of whitespace). The `@` must start a word (an address such as
 * `bob@ana.test` mentions nobody) and the name must end one (`@ana` is not `@anabel`, nor `@ana.lima`).
 */
export function findMentions(text: string, members: readonly Mentionable[]): string[] {
  const mentioned: string[] = [];
  for (const member of members) {
    const names = [member.displayName.trim(), member.email.split('@')[0] ?? '']
      .filter((name) => name.length > 0)
      .map((name) => escapeRegExp(name).replace(/\s+/g, '\\s+'));
    if (!names.length) continue;
    const pattern = new RegExp(
      `(?<![\\p{L}\\p{N}_.+-])@(?:${names.join('|')})(?![\\p{L}\\p{N}_]|[.\\-][\\p{L}\\p{N}_])`,
      'iu',
    );
    if (pattern.test(text)) mentioned.push(member.userId);
  }
  return mentioned;
}
