// Entry point the worker bundles into the workflow sandbox.
export { ticketWorkflow } from './ticket.js';
