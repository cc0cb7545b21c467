CREATE TYPE "public"."inbound_outcome" AS ENUM('ticket_created', 'message_added', 'ignored', 'bounce', 'quarantined');--> statement-breakpoint
CREATE TYPE "public"."outbound_kind" AS ENUM('acknowledgement', 'reply', 'escalation', 'sla_warning', 'notification');--> statement-breakpoint
CREATE TYPE "public"."outbound_status" AS ENUM('pending', 'sent', 'failed');--> statement-breakpoint
CREATE TYPE "public"."sla_kind" AS ENUM('first_response', 'next_response', 'resolution');--> statement-breakpoint
CREATE TABLE "api_tokens" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"user_id" uuid NOT NULL,
	"name" text NOT NULL,
	"token_hash" text NOT NULL,
	"token_prefix" text NOT NULL,
	"created_by_id" uuid,
	"last_used_at" timestamp with time zone,
	"expires_at" timestamp with time zone,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "api_tokens_token_hash_unique" UNIQUE("token_hash")
);
--> statement-breakpoint
ALTER TABLE "api_tokens" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "inbound_emails" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"mailbox_id" uuid,
	"message_key" text NOT NULL,
	"from_address" text,
	"subject" text,
	"outcome" "inbound_outcome" NOT NULL,
	"reason" text,
	"ticket_id" uuid,
	"raw_storage_key" text,
	"size_bytes" integer,
	"received_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "inbound_emails" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "mailboxes" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"name" text NOT NULL,
	"address" text NOT NULL,
	"imap_host" text,
	"imap_port" integer,
	"imap_secure" boolean DEFAULT true NOT NULL,
	"imap_user" text,
	"imap_password" text,
	"imap_folder" text DEFAULT 'INBOX' NOT NULL,
	"smtp_host" text,
	"smtp_port" integer,
	"smtp_secure" boolean,
	"smtp_user" text,
	"smtp_password" text,
	"uid_validity" bigint,
	"last_uid" bigint DEFAULT 0 NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"last_error" text,
	"last_synced_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "mailboxes_address_unique" UNIQUE("address")
);
--> statement-breakpoint
ALTER TABLE "mailboxes" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "outbound_emails" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"ticket_id" uuid,
	"kind" "outbound_kind" NOT NULL,
	"idempotency_key" text NOT NULL,
	"message_id" text NOT NULL,
	"from_address" text NOT NULL,
	"reply_to" text,
	"to_addresses" text[] NOT NULL,
	"subject" text NOT NULL,
	"text_body" text NOT NULL,
	"in_reply_to" text,
	"references" text[] DEFAULT ARRAY[]::text[] NOT NULL,
	"headers" jsonb DEFAULT '{}'::jsonb NOT NULL,
	"attachments" jsonb DEFAULT '[]'::jsonb NOT NULL,
	"status" "outbound_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"last_error" text,
	"sent_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "outbound_emails" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "sla_breaches" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"kind" "sla_kind" NOT NULL,
	"deadline" timestamp with time zone NOT NULL,
	"detected_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sla_breaches" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_users_id_fk" FOREIGN KEY ("user_id") REFERENCES "public"."users"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_created_by_id_users_id_fk" FOREIGN KEY ("created_by_id") REFERENCES "public"."users"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_emails" ADD CONSTRAINT "inbound_emails_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_emails" ADD CONSTRAINT "inbound_emails_mailbox_id_mailboxes_id_fk" FOREIGN KEY ("mailbox_id") REFERENCES "public"."mailboxes"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "inbound_emails" ADD CONSTRAINT "inbound_emails_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "mailboxes" ADD CONSTRAINT "mailboxes_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbound_emails" ADD CONSTRAINT "outbound_emails_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "outbound_emails" ADD CONSTRAINT "outbound_emails_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_breaches" ADD CONSTRAINT "sla_breaches_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "sla_breaches" ADD CONSTRAINT "sla_breaches_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "api_tokens_org_idx" ON "api_tokens" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "inbound_emails_key_unique" ON "inbound_emails" USING btree ("organization_id","message_key");--> statement-breakpoint
CREATE INDEX "inbound_emails_outcome_idx" ON "inbound_emails" USING btree ("organization_id","outcome","received_at");--> statement-breakpoint
CREATE INDEX "mailboxes_org_idx" ON "mailboxes" USING btree ("organization_id");--> statement-breakpoint
CREATE UNIQUE INDEX "outbound_emails_idempotency_unique" ON "outbound_emails" USING btree ("organization_id","idempotency_key");--> statement-breakpoint
CREATE INDEX "outbound_emails_ticket_idx" ON "outbound_emails" USING btree ("ticket_id");--> statement-breakpoint
CREATE UNIQUE INDEX "sla_breaches_unique" ON "sla_breaches" USING btree ("ticket_id","kind","deadline");--> statement-breakpoint
CREATE INDEX "sla_breaches_org_idx" ON "sla_breaches" USING btree ("organization_id","detected_at");--> statement-breakpoint
CREATE UNIQUE INDEX "messages_ticket_email_id_unique" ON "ticket_messages" USING btree ("ticket_id","email_message_id");--> statement-breakpoint
CREATE POLICY "api_tokens_tenant_select" ON "api_tokens" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "api_tokens_tenant_insert" ON "api_tokens" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "api_tokens_tenant_update" ON "api_tokens" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "api_tokens_tenant_delete" ON "api_tokens" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "inbound_emails_tenant_select" ON "inbound_emails" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "inbound_emails_tenant_insert" ON "inbound_emails" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "inbound_emails_tenant_update" ON "inbound_emails" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "inbound_emails_tenant_delete" ON "inbound_emails" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "mailboxes_tenant_select" ON "mailboxes" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "mailboxes_tenant_insert" ON "mailboxes" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "mailboxes_tenant_update" ON "mailboxes" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "mailboxes_tenant_delete" ON "mailboxes" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "outbound_emails_tenant_select" ON "outbound_emails" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "outbound_emails_tenant_insert" ON "outbound_emails" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "outbound_emails_tenant_update" ON "outbound_emails" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "outbound_emails_tenant_delete" ON "outbound_emails" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_breaches_tenant_select" ON "sla_breaches" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_breaches_tenant_insert" ON "sla_breaches" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_breaches_tenant_update" ON "sla_breaches" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_breaches_tenant_delete" ON "sla_breaches" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);