import type { ActivityDeps } from './context.js';
import { createMailActivities } from './mail.js';
import { createMergeActivities } from './merge.js';
import { createSlaActivities } from './sla.js';
import { createSplitActivities } from './split.js';
import { createSurveyActivities } from './surveys.js';
import { createTicketActivities } from './tickets.js';

export type { ActivityDeps } from './context.js';

/** Every activity of the ticket workflow, bound to its dependencies (the worker registers these). */
export function createActivities(deps: ActivityDeps) {
  return {
    ...createTicketActivities(deps),
    ...createSlaActivities(deps),
    ...createMailActivities(deps),
    ...createSurveyActivities(deps),
    ...createMergeActivities(deps),
    ...createSplitActivities(deps),
  };
}

export type Activities = ReturnType<typeof createActivities>;
