// Entry point the worker bundles into the workflow sandbox.

export { escalationDigestWorkflow } from './escalation-digest.js';
export { mailboxWorkflow } from './mailbox.js';
export { ticketWorkflow } from './ticket.js';
