import { describe, expect, it } from 'vitest';
import { closedRefusal } from '../../src/domain/ticket-rules.js';
import { TICKET_STATUSES } from '../../src/domain/vocabulary.js';
import { transitionError } from '../../src/workflows/ticket-state.js';

describe('closedRefusal', () => {
  it('refuses only a closed ticket, in the words a refused status change uses', () => {
    const refusing = TICKET_STATUSES.filter((status) => closedRefusal(status) !== null);
    expect(refusing).toEqual(['closed']);
    expect(closedRefusal('closed')).toBe(transitionError('closed', 'open'));
    expect(closedRefusal(undefined)).toBeNull();
  });
});
