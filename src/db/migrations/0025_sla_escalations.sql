CREATE TABLE "sla_escalations" (
	"id" uuid PRIMARY KEY DEFAULT gen_random_uuid() NOT NULL,
	"organization_id" uuid NOT NULL,
	"is_digest" boolean NOT NULL,
	"sends_at" timestamp with time zone NOT NULL,
	"opened_by_breach_id" uuid NOT NULL,
	"written_at" timestamp with time zone,
	"outbound_email_id" uuid,
	"created_at" timestamp with time zone DEFAULT now() NOT NULL
);
--> statement-breakpoint
ALTER TABLE "sla_escalations" ENABLE ROW LEVEL SECURITY;--> statement-breakpoint
ALTER TABLE "sla_breaches" ADD COLUMN "escalation_id" uuid;--> statement-breakpoint
ALTER TABLE "sla_escalations" ADD CONSTRAINT "sla_escalations_organization_id_organizations_id_fk" FOREIGN KEY ("organization_id") REFERENCES "public"."organizations"("id") ON DELETE cascade ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sla_escalations_org_sends_idx" ON "sla_escalations" USING btree ("organization_id","sends_at");--> statement-breakpoint
ALTER TABLE "sla_breaches" ADD CONSTRAINT "sla_breaches_escalation_id_sla_escalations_id_fk" FOREIGN KEY ("escalation_id") REFERENCES "public"."sla_escalations"("id") ON DELETE set null ON UPDATE no action;--> statement-breakpoint
CREATE INDEX "sla_breaches_escalation_idx" ON "sla_breaches" USING btree ("escalation_id");--> statement-breakpoint
CREATE POLICY "sla_escalations_tenant_select" ON "sla_escalations" AS PERMISSIVE FOR SELECT TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_escalations_tenant_insert" ON "sla_escalations" AS PERMISSIVE FOR INSERT TO "app_user" WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_escalations_tenant_update" ON "sla_escalations" AS PERMISSIVE FOR UPDATE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid) WITH CHECK (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);--> statement-breakpoint
CREATE POLICY "sla_escalations_tenant_delete" ON "sla_escalations" AS PERMISSIVE FOR DELETE TO "app_user" USING (organization_id = nullif(current_setting('app.current_org_id', true), '')::uuid);