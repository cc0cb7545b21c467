// One EventSource per page for `GET /events`: ticket changes and colleagues' presence.

export interface TicketChange {
  ticketId: string;
  ticketNumber: number;
  action: string;
  userId: string | null;
  at: string;
}

export interface Viewer {
  userId: string;
  name: string;
  state: 'viewing' | 'typing';
}

type Listener = (change: TicketChange) => void;

const listeners = new Set<Listener>();
const presenceListeners = new Set<(presence: Record<string, Viewer[]>) => void>();
let source: EventSource | null = null;
let presence: Record<string, Viewer[]> = {};

/** Opens the stream (again, after an organisation switch); the browser reconnects it by itself. */
export function connectLive() {
  source?.close();
  presence = {};
  source = new EventSource('/events');
  source.addEventListener('ticket', (event) => {
    const change = JSON.parse((event as MessageEvent<string>).data) as TicketChange;
    for (const listener of listeners) listener(change);
  });
  source.addEventListener('presence', (event) => {
    presence = JSON.parse((event as MessageEvent<string>).data) as Record<string, Viewer[]>;
    for (const listener of presenceListeners) listener(presence);
  });
}

export function disconnectLive() {
  source?.close();
  source = null;
}

export function onTicketChange(listener: Listener): () => void {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

export function onPresence(listener: (presence: Record<string, Viewer[]>) => void): () => void {
  presenceListeners.add(listener);
  listener(presence);
  return () => presenceListeners.delete(listener);
}
