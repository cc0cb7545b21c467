ALTER TABLE "ticket_messages" ADD COLUMN "original_content" text;--> statement-breakpoint
ALTER TABLE "ticket_messages" ADD COLUMN "content_html" text;