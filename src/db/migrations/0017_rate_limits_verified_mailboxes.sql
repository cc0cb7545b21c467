CREATE TABLE "rate_limit_hits" (
	"key" text PRIMARY KEY NOT NULL,
	"window_start" timestamp with time zone NOT NULL,
	"hits" integer NOT NULL
);
--> statement-breakpoint
ALTER TABLE "mailboxes" DROP CONSTRAINT "mailboxes_address_unique";--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "verified_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "verification_token_hash" text;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "verification_sent_at" timestamp with time zone;--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_org_address_unique" ON "mailboxes" USING btree ("organization_id","address");--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_verified_address_unique" ON "mailboxes" USING btree ("address") WHERE "mailboxes"."verified_at" is not null;--> statement-breakpoint
CREATE UNIQUE INDEX "mailboxes_verification_token_unique" ON "mailboxes" USING btree ("verification_token_hash");--> statement-breakpoint
-- Sign-in counters are the API's own, read on the owner connection only.
REVOKE ALL ON "rate_limit_hits" FROM app_user, service_role;
