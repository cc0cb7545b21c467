// Canned responses may say "Hello {{customer.name}}": the placeholders are filled per ticket. Pure.

export interface PlaceholderValues {
  customer: { name: string };
  ticket: { number: number };
  agent: { name: string };
}

const PLACEHOLDER = /\{\{\s*(customer\.name|ticket\.number|agent\.name)\s*\}\}/g;

/**
 * Replaces the known placeholders in one pass, so a value that itself looks like a placeholder (a
 * customer named "{{agent.name}}") is inserted literally; unknown placeholders are left as written.
 */
export function fillPlaceholders(template: string, values: PlaceholderValues): string {
  const byName: Record<string, string> = {
    'customer.name': values.customer.name,
    'ticket.number': String(values.ticket.number),
    'agent.name': values.agent.name,
  };
  return template.replace(PLACEHOLDER, (_match, name: string) => byName[name]!);
}
