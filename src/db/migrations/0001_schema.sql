CREATE TYPE "public"."activity_action" AS ENUM('created', 'status_changed', 'priority_changed', 'assigned', 'unassigned', 'tagged', 'message_added', 'resolved', 'closed', 'reopened', 'sla_breached');--> statement-breakpoint
CREATE TYPE "public"."message_type" AS ENUM('reply', 'internal_note', 'system');--> statement-breakpoint
CREATE TYPE "public"."ticket_channel" AS ENUM('web', 'email', 'chat', 'api');--> statement-breakpoint
CREATE TYPE "public"."ticket_priority" AS ENUM('low', 'medium', 'high', 'urgent');--> statement-breakpoint
CREATE TYPE "public"."ticket_status" AS ENUM('open', 'pending', 'resolved', 'closed');--> statement-breakpoint
CREATE TYPE "public"."user_role" AS ENUM('customer', 'agent', 'admin', 'owner');--> statement-breakpoint
CREATE TABLE "ticket_activities" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"user_id" uuid,
	"action" "activity_action" NOT NULL,
	"metadata" jsonb DEFAULT '{}'::jsonb,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ticket_activities" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "canned_responses" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"title" text NOT NULL,
	"content" text NOT NULL,
	"shortcut" text,
	"category" text,
	"created_by_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "canned_responses" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ticket_messages" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_id" uuid NOT NULL,
	"sender_id" uuid,
	"content" text NOT NULL,
	"type" "message_type" DEFAULT 'reply' NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb,
	"email_message_id" text,
	"is_edited" boolean DEFAULT false NOT NULL,
	"edited_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ticket_messages" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"name" text NOT NULL,
	"slug" text NOT NULL,
	"settings" jsonb DEFAULT '{}'::jsonb,
	"plan" text DEFAULT 'free' NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "organizations_slug_unique" UNIQUE("slug")
);
--> statement-breakpoint
ALTER TABLE "organizations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sla_policies" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"priority" "ticket_priority" NOT NULL,
	"first_response_time" integer NOT NULL,
	"resolution_time" integer NOT NULL,
	"business_hours_only" boolean DEFAULT true NOT NULL,
	"is_default" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sla_policies" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "ticket_number_counters" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"last_number" integer DEFAULT 0 NOT NULL
);
--> statement-breakpoint
ALTER TABLE "ticket_number_counters" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "tickets" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"ticket_number" integer NOT NULL,
	"title" text NOT NULL,
	"description" text NOT NULL,
	"status" "ticket_status" DEFAULT 'open' NOT NULL,
	"priority" "ticket_priority" DEFAULT 'medium' NOT NULL,
	"channel" "ticket_channel" DEFAULT 'web' NOT NULL,
	"tags" text[] DEFAULT ARRAY[]::text[],
	"category_id" uuid,
	"organization_id" uuid NOT NULL,
	"customer_id" uuid NOT NULL,
	"assignee_id" uuid,
	"sla_deadline" timestamp with time zone,
	"first_response_at" timestamp with time zone,
	"sla_breached" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	"resolved_at" timestamp with time zone,
	"closed_at" timestamp with time zone,
	"deleted_at" timestamp with time zone
);
--> statement-breakpoint
ALTER TABLE "tickets" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "user_organizations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"user_id" uuid NOT NULL,
	"organization_id" uuid NOT NULL,
	"role" "user_role" DEFAULT 'customer' NOT NULL,
	"joined_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "user_organizations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "users" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"email" text NOT NULL,
	"name" text NOT NULL,
	"avatar_url" text,
	"password_hash" text,
	"email_verified" boolean DEFAULT false NOT NULL,
	"email_verified_at" timestamp with time zone,
	"google_id" text,
	"github_id" text,
	"is_active" boolean DEFAULT true NOT NULL,
	"last_login_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "users_email_unique" UNIQUE("email")
);
--> statement-breakpoint
ALTER TABLE "ticket_activities" ADD CONSTRAINT "ticket_activities_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_activities" ADD CONSTRAINT "ticket_activities_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "canned_responses" ADD CONSTRAINT "canned_responses_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "canned_responses" ADD CONSTRAINT "canned_responses_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_messages" ADD CONSTRAINT "ticket_messages_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_messages" ADD CONSTRAINT "ticket_messages_sender_id_users_id_fk" FOREIGN KEY ("sender_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_policies" ADD CONSTRAINT "sla_policies_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "ticket_number_counters" ADD CONSTRAINT "ticket_number_counters_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_customer_id_users_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "tickets" ADD CONSTRAINT "tickets_assignee_id_users_id_fk" FOREIGN KEY ("assignee_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_organizations" ADD CONSTRAINT "user_organizations_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "user_organizations" ADD CONSTRAINT "user_organizations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "activities_ticket_idx" ON "ticket_activities" USING btree ("ticket_id","created_at");--> statement-breakpoint
CREATE INDEX "canned_org_idx" ON "canned_responses" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "canned_shortcut_idx" ON "canned_responses" USING btree ("organization_id","shortcut");--> statement-breakpoint
CREATE INDEX "messages_ticket_created_idx" ON "ticket_messages" USING btree ("ticket_id","created_at");--> statement-breakpoint
CREATE INDEX "messages_email_id_idx" ON "ticket_messages" USING btree ("email_message_id");--> statement-breakpoint
CREATE UNIQUE INDEX "org_slug_idx" ON "organizations" USING btree ("slug");--> statement-breakpoint
CREATE INDEX "sla_org_priority_idx" ON "sla_policies" USING btree ("organization_id","priority");--> statement-breakpoint
CREATE INDEX "tickets_org_status_idx" ON "tickets" USING btree ("organization_id","status");--> statement-breakpoint
CREATE INDEX "tickets_customer_idx" ON "tickets" USING btree ("customer_id");--> statement-breakpoint
CREATE INDEX "tickets_assignee_idx" ON "tickets" USING btree ("assignee_id");--> statement-breakpoint
CREATE INDEX "tickets_sla_deadline_idx" ON "tickets" USING btree ("sla_deadline");--> statement-breakpoint
CREATE UNIQUE INDEX "tickets_org_number_idx" ON "tickets" USING btree ("organization_id","ticket_number");--> statement-breakpoint
CREATE INDEX "tickets_search_idx" ON "tickets" USING gin (to_tsvector('english', "title" || ' ' || "description"));--> statement-breakpoint
CREATE UNIQUE INDEX "user_org_unique" ON "user_organizations" USING btree ("user_id","organization_id");--> statement-breakpoint
CREATE INDEX "user_orgs_user_idx" ON "user_organizations" USING btree ("user_id");--> statement-breakpoint
CREATE INDEX "user_orgs_org_idx" ON "user_organizations" USING btree ("organization_id");--> statement-breakpoint
CREATE INDEX "users_email_idx" ON "users" USING btree ("email");--> statement-breakpoint
CREATE INDEX "users_google_id_idx" ON "users" USING btree ("google_id");--> statement-breakpoint
CREATE INDEX "users_github_id_idx" ON "users" USING btree ("github_id");--> statement-breakpoint
CREATE POLICY "ticket_activities_tenant_select" ON "ticket_activities" AS PERMISSIVE FOR SELECT TO "app_user" USING (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "ticket_activities_tenant_insert" ON "ticket_activities" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "ticket_activities_tenant_update" ON "ticket_activities" AS PERMISSIVE FOR UPDATE TO "app_user" USING (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid)) WITH CHECK (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "ticket_activities_tenant_delete" ON "ticket_activities" AS PERMISSIVE FOR DELETE TO "app_user" USING (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "canned_responses_tenant_select" ON "canned_responses" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "canned_responses_tenant_insert" ON "canned_responses" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "canned_responses_tenant_update" ON "canned_responses" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "canned_responses_tenant_delete" ON "canned_responses" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_messages_tenant_select" ON "ticket_messages" AS PERMISSIVE FOR SELECT TO "app_user" USING (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "ticket_messages_tenant_insert" ON "ticket_messages" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "ticket_messages_tenant_update" ON "ticket_messages" AS PERMISSIVE FOR UPDATE TO "app_user" USING (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid)) WITH CHECK (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "ticket_messages_tenant_delete" ON "ticket_messages" AS PERMISSIVE FOR DELETE TO "app_user" USING (ticket_id in (select id from tickets where organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid));--> statement-breakpoint
CREATE POLICY "organizations_self_select" ON "organizations" AS PERMISSIVE FOR SELECT TO "app_user" USING (id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organizations_self_update" ON "organizations" AS PERMISSIVE FOR UPDATE TO "app_user" USING (id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_policies_tenant_select" ON "sla_policies" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_policies_tenant_insert" ON "sla_policies" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_policies_tenant_update" ON "sla_policies" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_policies_tenant_delete" ON "sla_policies" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_number_counters_tenant_select" ON "ticket_number_counters" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_number_counters_tenant_insert" ON "ticket_number_counters" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_number_counters_tenant_update" ON "ticket_number_counters" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "ticket_number_counters_tenant_delete" ON "ticket_number_counters" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tickets_tenant_select" ON "tickets" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tickets_tenant_insert" ON "tickets" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tickets_tenant_update" ON "tickets" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "tickets_tenant_delete" ON "tickets" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "user_organizations_tenant_select" ON "user_organizations" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid or user_id = nullif(current_setting('app.current_user_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "user_organizations_tenant_insert" ON "user_organizations" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "user_organizations_tenant_update" ON "user_organizations" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "user_organizations_tenant_delete" ON "user_organizations" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);