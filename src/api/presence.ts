// Who is looking at which ticket, for collision detection. Kept in this process's memory: presence is
// seconds-lived and worthless after a restart, and one API process serves an instance (`npm start`).

export type PresenceState = 'viewing' | 'typing';

export interface Viewer {
  userId: string;
  name: string;
  state: PresenceState;
}

/** A viewer not heard from for this long has left (the browser repeats its presence every 10 s). */
export const PRESENCE_TTL_MS = 30_000;
/** Typing that has not been repeated for this long is viewing again. */
export const TYPING_TTL_MS = 8_000;

interface Entry {
  name: string;
  state: PresenceState;
  at: number;
}

/** Presence per organisation and ticket; an organisation only ever reads its own. */
export class PresenceHub {
  readonly #byOrganization = new Map<string, Map<string, Map<string, Entry>>>();

  set(organizationId: string, ticketId: string, viewer: Viewer, now: number) {
    const tickets = this.#byOrganization.get(organizationId) ?? new Map<string, Map<string, Entry>>();
    this.#byOrganization.set(organizationId, tickets);
    const viewers = tickets.get(ticketId) ?? new Map<string, Entry>();
    tickets.set(ticketId, viewers);
    viewers.set(viewer.userId, { name: viewer.name, state: viewer.state, at: now });
  }

  leave(organizationId: string, ticketId: string, userId: string) {
    const tickets = this.#byOrganization.get(organizationId);
    tickets?.get(ticketId)?.delete(userId);
    if (tickets?.get(ticketId)?.size === 0) tickets.delete(ticketId);
    if (tickets?.size === 0) this.#byOrganization.delete(organizationId);
  }

  /** The organisation's viewers per ticket id, forgetting those gone quiet. */
  snapshot(organizationId: string, now: number): Record<string, Viewer[]> {
    const tickets = this.#byOrganization.get(organizationId);
    const result: Record<string, Viewer[]> = {};
    for (const [ticketId, viewers] of tickets ?? []) {
      for (const [userId, entry] of viewers) {
        if (now - entry.at > PRESENCE_TTL_MS) this.leave(organizationId, ticketId, userId);
      }
      const live = [...viewers].map(([userId, entry]) => ({
        userId,
        name: entry.name,
        state:
          entry.state === 'typing' && now - entry.at > TYPING_TTL_MS ? ('viewing' as const) : entry.state,
      }));
      if (live.length) result[ticketId] = live.sort((a, b) => a.userId.localeCompare(b.userId));
    }
    return result;
  }
}
