import { describe, expect, it } from 'vitest';
import { fillPlaceholders, type PlaceholderValues } from '../../src/api/placeholders.js';

const values: PlaceholderValues = {
  customer: { name: 'Carla Customer' },
  ticket: { number: 42 },
  agent: { name: 'Adam Agent' },
};

describe('fillPlaceholders', () => {
  it('fills the customer, ticket and agent placeholders', () => {
    expect(
      fillPlaceholders('Hello {{customer.name}}, about #{{ticket.number}}. {{agent.name}}', values),
    ).toBe('Hello Carla Customer, about #42. Adam Agent');
  });

  it('fills every occurrence and tolerates spaces inside the braces', () => {
    expect(fillPlaceholders('{{ agent.name }} / {{agent.name}}', values)).toBe('Adam Agent / Adam Agent');
  });

  it('leaves unknown placeholders and plain braces as written', () => {
    const text = 'Dear {{customer.email}}, see {{ticket.title}} and {single} {{}}';
    expect(fillPlaceholders(text, values)).toBe(text);
  });

  it('inserts values literally, never expanding placeholders found inside them', () => {
    const tricky = { ...values, customer: { name: '{{agent.name}} $& $1' } };
    expect(fillPlaceholders('Hi {{customer.name}}', tricky)).toBe('Hi {{agent.name}} $& $1');
  });

  it('returns text without placeholders unchanged', () => {
    expect(fillPlaceholders('Thanks for waiting.', values)).toBe('Thanks for waiting.');
  });
});
