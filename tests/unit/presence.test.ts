import { describe, expect, it } from 'vitest';
import { PRESENCE_TTL_MS, PresenceHub, TYPING_TTL_MS } from '../../src/api/presence.js';

const adam = { userId: 'a', name: 'Adam', state: 'viewing' as const };
const olivia = { userId: 'o', name: 'Olivia', state: 'typing' as const };

describe('PresenceHub', () => {
  it('lists viewers per ticket for their organisation only', () => {
    const hub = new PresenceHub();
    hub.set('acme', 't1', adam, 0);
    hub.set('acme', 't1', olivia, 0);
    hub.set('globex', 't2', adam, 0);
    expect(hub.snapshot('acme', 1_000)).toEqual({ t1: [adam, olivia] });
    expect(hub.snapshot('globex', 1_000)).toEqual({ t2: [adam] });
    expect(hub.snapshot('initech', 1_000)).toEqual({});
  });

  it('turns stale typing into viewing and forgets viewers gone quiet', () => {
    const hub = new PresenceHub();
    hub.set('acme', 't1', olivia, 0);
    expect(hub.snapshot('acme', TYPING_TTL_MS)).toEqual({ t1: [olivia] });
    expect(hub.snapshot('acme', TYPING_TTL_MS + 1)).toEqual({ t1: [{ ...olivia, state: 'viewing' }] });
    expect(hub.snapshot('acme', PRESENCE_TTL_MS + 1)).toEqual({});
  });

  it('forgets a viewer who leaves, and keeps the others', () => {
    const hub = new PresenceHub();
    hub.set('acme', 't1', adam, 0);
    hub.set('acme', 't1', olivia, 0);
    hub.leave('acme', 't1', 'o');
    expect(hub.snapshot('acme', 0)).toEqual({ t1: [adam] });
    hub.leave('acme', 't1', 'a');
    hub.leave('acme', 'unknown', 'a');
    expect(hub.snapshot('acme', 0)).toEqual({});
  });
});
