CREATE TABLE "attachments" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"message_id" uuid NOT NULL,
	"filename" text NOT NULL,
	"mime_type" text NOT NULL,
	"size_bytes" integer NOT NULL,
	"sha256" text NOT NULL,
	"storage_key" text NOT NULL,
	"content_id" text,
	"inline" boolean DEFAULT false NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "attachments" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "csat_surveys" (
	"id" uuid PRIMARY KEY NOT NULL,
	"organization_id" uuid NOT NULL,
	"ticket_id" uuid NOT NULL,
	"customer_id" uuid,
	"email" text NOT NULL,
	"sent_at" timestamp with time zone DEFAULT now() NOT NULL,
	"rating" smallint,
	"comment" text,
	"responded_at" timestamp with time zone,
	CONSTRAINT "csat_rating_range" CHECK ("csat_surveys"."rating" between 1 and 5)
);
--> statement-breakpoint
ALTER TABLE "csat_surveys" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "organization_invitations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"email" text NOT NULL,
	"role" "user_role" DEFAULT 'agent' NOT NULL,
	"token_hash" text NOT NULL,
	"invited_by" uuid,
	"expires_at" timestamp with time zone NOT NULL,
	"accepted_at" timestamp with time zone,
	"accepted_by" uuid,
	"revoked_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organization_invitations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "organization_subscriptions" (
	"organization_id" uuid PRIMARY KEY NOT NULL,
	"plan_id" text NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "organization_subscriptions" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "subscription_plans" (
	"id" text PRIMARY KEY NOT NULL,
	"name" text NOT NULL,
	"max_agents" integer,
	"max_mailboxes" integer,
	"max_tickets_per_month" integer,
	"price_cents_per_month" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
CREATE TABLE "subscription_usage" (
	"organization_id" uuid NOT NULL,
	"period_start" date NOT NULL,
	"tickets_created" integer DEFAULT 0 NOT NULL,
	"tickets_over_limit" integer DEFAULT 0 NOT NULL,
	"inbound_emails" integer DEFAULT 0 NOT NULL,
	"outbound_emails" integer DEFAULT 0 NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL,
	CONSTRAINT "subscription_usage_organization_id_period_start_pk" PRIMARY KEY("organization_id","period_start")
);
--> statement-breakpoint
ALTER TABLE "subscription_usage" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "attachments" ADD CONSTRAINT "attachments_message_id_ticket_messages_id_fk" FOREIGN KEY ("message_id") REFERENCES "public"."ticket_messages"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_ticket_id_tickets_id_fk" FOREIGN KEY ("ticket_id") REFERENCES "public"."tickets"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "csat_surveys" ADD CONSTRAINT "csat_surveys_customer_id_users_id_fk" FOREIGN KEY ("customer_id") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_invitations" ADD CONSTRAINT "organization_invitations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_invitations" ADD CONSTRAINT "organization_invitations_invited_by_users_id_fk" FOREIGN KEY ("invited_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_invitations" ADD CONSTRAINT "organization_invitations_accepted_by_users_id_fk" FOREIGN KEY ("accepted_by") REFERENCES "public"."users"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_subscriptions" ADD CONSTRAINT "organization_subscriptions_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "organization_subscriptions" ADD CONSTRAINT "organization_subscriptions_plan_id_subscription_plans_id_fk" FOREIGN KEY ("plan_id") REFERENCES "public"."subscription_plans"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "subscription_usage" ADD CONSTRAINT "subscription_usage_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "attachments_message_idx" ON "attachments" USING btree ("message_id");--> statement-breakpoint
CREATE INDEX "attachments_org_sha256_idx" ON "attachments" USING btree ("organization_id","sha256");--> statement-breakpoint
CREATE INDEX "csat_org_responded_idx" ON "csat_surveys" USING btree ("organization_id","responded_at");--> statement-breakpoint
CREATE INDEX "csat_ticket_idx" ON "csat_surveys" USING btree ("ticket_id");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_token_hash_idx" ON "organization_invitations" USING btree ("token_hash");--> statement-breakpoint
CREATE UNIQUE INDEX "invitations_open_email_idx" ON "organization_invitations" USING btree ("organization_id","email") WHERE accepted_at is null and revoked_at is null;--> statement-breakpoint
CREATE INDEX "invitations_org_created_idx" ON "organization_invitations" USING btree ("organization_id","created_at");--> statement-breakpoint
CREATE POLICY "attachments_tenant_select" ON "attachments" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "attachments_tenant_insert" ON "attachments" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "attachments_tenant_update" ON "attachments" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "attachments_tenant_delete" ON "attachments" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "csat_surveys_tenant_select" ON "csat_surveys" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "csat_surveys_tenant_insert" ON "csat_surveys" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "csat_surveys_tenant_update" ON "csat_surveys" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "csat_surveys_tenant_delete" ON "csat_surveys" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_invitations_tenant_select" ON "organization_invitations" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_invitations_tenant_insert" ON "organization_invitations" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_invitations_tenant_update" ON "organization_invitations" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_invitations_tenant_delete" ON "organization_invitations" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_subscriptions_tenant_select" ON "organization_subscriptions" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_subscriptions_tenant_insert" ON "organization_subscriptions" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_subscriptions_tenant_update" ON "organization_subscriptions" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "organization_subscriptions_tenant_delete" ON "organization_subscriptions" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "subscription_usage_tenant_select" ON "subscription_usage" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "subscription_usage_tenant_insert" ON "subscription_usage" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "subscription_usage_tenant_update" ON "subscription_usage" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "subscription_usage_tenant_delete" ON "subscription_usage" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
-- The plan catalogue is global: tenants read it, only the operator (CLI, as owner) changes it.
REVOKE INSERT, UPDATE, DELETE ON "subscription_plans" FROM app_user;
--> statement-breakpoint
INSERT INTO "subscription_plans" ("id", "name", "max_agents", "max_mailboxes", "max_tickets_per_month", "price_cents_per_month") VALUES
	('free', 'Free', 5, 2, 500, 0),
	('team', 'Team', 25, 10, 10000, 2900),
	('business', 'Business', NULL, NULL, NULL, 9900)
ON CONFLICT ("id") DO NOTHING;
--> statement-breakpoint
-- Existing organisations keep the plan named on their row (unknown names fall back to free).
INSERT INTO "organization_subscriptions" ("organization_id", "plan_id")
SELECT o."id", CASE WHEN p."id" IS NULL THEN 'free' ELSE o."plan" END
FROM "organizations" o LEFT JOIN "subscription_plans" p ON p."id" = o."plan"
ON CONFLICT DO NOTHING;
--> statement-breakpoint
-- Files of messages written before this table existed.
INSERT INTO "attachments" ("id", "organization_id", "message_id", "filename", "mime_type", "size_bytes", "sha256", "storage_key", "content_id", "inline", "created_at")
SELECT (a->>'id')::uuid, t."organization_id", m."id", a->>'filename', coalesce(a->>'mimeType', 'application/octet-stream'),
	coalesce((a->>'size')::integer, 0), split_part(coalesce(a->>'storageKey', a->>'url'), '/', 2),
	coalesce(a->>'storageKey', a->>'url'), a->>'contentId', coalesce((a->>'inline')::boolean, false), m."created_at"
FROM "ticket_messages" m
JOIN "tickets" t ON t."id" = m."ticket_id"
CROSS JOIN LATERAL jsonb_array_elements(coalesce(m."attachments", '[]'::jsonb)) a
WHERE a->>'id' ~ '^[0-9a-f-]{36}$'
ON CONFLICT DO NOTHING;
