import { timestamp } from 'drizzle-orm/pg-core';

// Every instant is stored with its time zone: SLA deadlines are compared across organisations' zones.
export const timestamptz = (name: string) => timestamp(name, { withTimezone: true });

export const timestamps = {
  createdAt: timestamptz('created_at').notNull().defaultNow(),
  updatedAt: timestamptz('updated_at').notNull().defaultNow(),
};
