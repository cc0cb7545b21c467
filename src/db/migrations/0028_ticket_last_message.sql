ALTER TABLE "tickets" ADD COLUMN "last_message_at" timestamp with time zone;--> statement-breakpoint
-- Tickets from before the column: their latest reply (the customer’s or an agent’s), once.
UPDATE "tickets" SET "last_message_at" = "latest"."at" FROM (SELECT "ticket_id", max("created_at") AS "at" FROM "ticket_messages" WHERE "type" = 'reply' GROUP BY "ticket_id") AS "latest" WHERE "latest"."ticket_id" = "tickets"."id";
