CREATE TYPE "public"."participant_role" AS ENUM('customer', 'follower');--> statement-breakpoint
CREATE TYPE "public"."participant_source" AS ENUM('email', 'agent');--> statement-breakpoint
ALTER TYPE "public"."activity_action" ADD VALUE 'participant_added';--> statement-breakpoint
ALTER TYPE "public"."activity_action" ADD VALUE 'participant_removed';--> statement-breakpoint
CREATE TABLE "ticket_participants" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"role" "participant_role" NOT NULL,
	"added_via" "participant_source" NOT NULL,
	"added_by_user_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"removed_at" timestamp with time zone,
	CONSTRAINT "ticket_participants_email_lower" CHECK ("ticket_participants"."email" = lower("ticket_participants"."email")),
	CONSTRAINT "ticket_participants_customer_stays" CHECK ("ticket_participants"."role" = 'follower' or "ticket_participants"."removed_at" is null)
);
--> statement-breakpoint
ALTER TABLE "ticket_participants" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "outbound_emails" ADD COLUMN "cc_addresses" text[] DEFAULT ARRAY[]::text[] NOT NULL;--> statement-breakpoint
ALTER TABLE "ticket_participants" ADD CONSTRAINT "ticket_participants_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_participants" ADD CONSTRAINT "ticket_participants_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_participants" ADD CONSTRAINT "ticket_participants_added_by_user_id_users_id_fk" FOREIGN KEY ("added_by_user_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "ticket_participants_ticket_email_unique" ON "ticket_participants" USING btree ("ticket_id","email");--> statement-breakpoint
CREATE POLICY "ticket_participants_tenant_select" ON "ticket_participants" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_participants_tenant_insert" ON "ticket_participants" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_participants_tenant_update" ON "ticket_participants" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_participants_tenant_delete" ON "ticket_participants" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);