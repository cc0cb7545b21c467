// The browser's side of the API: same origin, the session cookie, the CSRF token on every write.

export interface Organization {
  id: string;
  name: string;
  role: string;
}

export interface SessionView {
  user: { id: string; name: string; email: string };
  organizationId: string | null;
  organizations: Organization[];
  csrfToken: string;
  twoFactorPending: boolean;
}

/** The person's role in the organisation they work in now. */
export const currentRole = (s: SessionView) => s.organizations.find((o) => o.id === s.organizationId)?.role;

export interface Person {
  id: string;
  name: string;
  email: string;
}

export interface Ticket {
  id: string;
  ticketNumber: number;
  title: string;
  status: string;
  priority: string;
  tags: string[];
  categoryId: string | null;
  customer: Person;
  assignee: { id: string; name: string } | null;
  slaDeadline: string | null;
  slaBreachedAt: string | null;
  createdAt: string;
  updatedAt: string;
  lastMessageAt: string | null;
}

export interface Message {
  id: string;
  type: 'reply' | 'internal_note' | 'system';
  internal: boolean;
  /** role: the sender's role in the organisation (followers are customers). */
  sender: (Person & { role: 'customer' | 'agent' | 'admin' | 'owner' | null }) | null;
  content: string;
  attachments: { id: string; filename: string; size: number; url: string }[];
  createdAt: string;
}

export interface Activity {
  id: string;
  action: string;
  user: { id: string; name: string } | null;
  metadata: Record<string, unknown>;
  createdAt: string;
}

export interface Clock {
  outcome: 'running' | 'met' | 'breached';
  paused: boolean;
  deadline: string | null;
  remainingMinutes: number;
  budgetMinutes: number;
}

export interface TicketDetail extends Ticket {
  description: string;
  messages: Message[];
  activities: Activity[];
  sla: {
    businessHours: boolean;
    breached: boolean;
    clocks: { first_response: Clock; resolution: Clock; next_response: Clock | null };
  } | null;
}

export interface Participant {
  id: string;
  email: string;
  name: string;
  role: 'customer' | 'follower';
}

export interface TicketPage {
  data: Ticket[];
  pagination: { nextCursor?: string | null; total?: number; totalCapped?: boolean };
}

export interface Named {
  id: string;
  name: string;
}

export interface MailboxEntry extends Named {
  address: string;
}

export interface SavedFilter extends Named {
  query: Record<string, unknown>;
  shared: boolean;
  ownerId: string;
}

export interface CannedResponse {
  id: string;
  title: string;
  shortcut: string | null;
  content: string;
}

export interface SearchHit {
  id: string;
  ticketNumber: number;
  title: string;
  status: string;
  snippet: string;
}

export class ApiFailure extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

let csrfToken = '';

export function useCsrfToken(token: string) {
  csrfToken = token;
}

/** A call of the API; failures become an ApiFailure carrying the API's own words. */
export async function api<T>(
  method: string,
  url: string,
  body?: unknown,
  extraHeaders: Record<string, string> = {},
): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json', ...extraHeaders };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (method !== 'GET') headers['x-csrf-token'] = csrfToken;
  let response: Response;
  try {
    response = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    throw new ApiFailure(0, 'network', 'the server cannot be reached; check the connection');
  }
  if (response.status === 204) return undefined as T;
  const answer = await response.json().catch(() => ({}));
  if (!response.ok) {
    const error = (answer as { error?: { code?: string; message?: string; details?: unknown } }).error;
    const fields = Array.isArray(error?.details)
      ? (error.details as { field?: string; message?: string }[])
          .map((d) => `${d.field ?? ''} ${d.message ?? ''}`.trim())
          .join('; ')
      : '';
    const words = error?.message ?? `the server answered ${response.status}`;
    throw new ApiFailure(response.status, error?.code ?? 'error', fields ? `${words}: ${fields}` : words);
  }
  return answer as T;
}

export const errorText = (error: unknown) =>
  error instanceof Error ? error.message : 'something went wrong';
