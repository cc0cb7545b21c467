CREATE TYPE "public"."webhook_delivery_status" AS ENUM('pending', 'delivered', 'failed');--> statement-breakpoint
CREATE TYPE "public"."webhook_format" AS ENUM('signed', 'slack');--> statement-breakpoint
CREATE TABLE "webhook_deliveries" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"webhook_id" uuid,
	"format" "webhook_format" DEFAULT 'signed' NOT NULL,
	"url" text NOT NULL,
	"event_id" uuid NOT NULL,
	"event_type" text NOT NULL,
	"payload" jsonb NOT NULL,
	"status" "webhook_delivery_status" DEFAULT 'pending' NOT NULL,
	"attempts" integer DEFAULT 0 NOT NULL,
	"next_attempt_at" timestamp with time zone DEFAULT now() NOT NULL,
	"locked_until" timestamp with time zone,
	"last_status_code" integer,
	"last_error" text,
	"delivered_at" timestamp with time zone,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
CREATE TABLE "webhooks" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"url" text NOT NULL,
	"description" text,
	"events" text[] NOT NULL,
	"secret" text NOT NULL,
	"is_active" boolean DEFAULT true NOT NULL,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL,
	"updated_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "webhooks" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhook_deliveries" ADD CONSTRAINT "webhook_deliveries_webhook_id_webhooks_id_fk" FOREIGN KEY ("webhook_id") REFERENCES "public"."webhooks"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "webhooks" ADD CONSTRAINT "webhooks_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "webhook_deliveries_event_idx" ON "webhook_deliveries" USING btree ("url","event_id");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_webhook_idx" ON "webhook_deliveries" USING btree ("webhook_id","created_at");--> statement-breakpoint
CREATE INDEX "webhook_deliveries_due_idx" ON "webhook_deliveries" USING btree ("next_attempt_at") WHERE status = 'pending';--> statement-breakpoint
CREATE INDEX "webhooks_org_idx" ON "webhooks" USING btree ("organization_id");--> statement-breakpoint
CREATE POLICY "webhook_deliveries_tenant_select" ON "webhook_deliveries" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "webhook_deliveries_tenant_insert" ON "webhook_deliveries" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "webhook_deliveries_tenant_update" ON "webhook_deliveries" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "webhook_deliveries_tenant_delete" ON "webhook_deliveries" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "webhooks_tenant_select" ON "webhooks" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "webhooks_tenant_insert" ON "webhooks" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "webhooks_tenant_update" ON "webhooks" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "webhooks_tenant_delete" ON "webhooks" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);