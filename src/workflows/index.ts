// Entry point the worker bundles into the workflow sandbox.

export { mailboxWorkflow } from './mailbox.js';
export { ticketWorkflow } from './ticket.js';
