CREATE TYPE "public"."email_template_kind" AS ENUM('acknowledgement', 'reply', 'resolution_notice', 'satisfaction_survey', 'sla_warning', 'sla_escalation', 'escalation_digest', 'invitation', 'notification_new_ticket', 'notification_customer_reply', 'notification_assigned', 'notification_mention');--> statement-breakpoint
ALTER TYPE "public"."outbound_kind" ADD VALUE 'resolution_notice';--> statement-breakpoint
CREATE TABLE "email_templates" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"kind" "email_template_kind" NOT NULL,
	"subject" text NOT NULL,
	"body" text NOT NULL,
	"updated_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "email_templates" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "display_name" text;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD COLUMN "signature" text;--> statement-breakpoint
ALTER TABLE "outbound_emails" ADD COLUMN "from_name" text;--> statement-breakpoint
ALTER TABLE "email_templates" ADD CONSTRAINT "email_templates_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "email_templates" ADD CONSTRAINT "email_templates_updated_by_id_users_id_fk" FOREIGN KEY ("updated_by_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "email_templates_org_kind_idx" ON "email_templates" USING btree ("organization_id","kind");--> statement-breakpoint
CREATE POLICY "email_templates_tenant_select" ON "email_templates" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "email_templates_tenant_insert" ON "email_templates" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "email_templates_tenant_update" ON "email_templates" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "email_templates_tenant_delete" ON "email_templates" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);