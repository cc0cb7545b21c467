ALTER TYPE "public"."activity_action" ADD VALUE 'category_changed';--> statement-breakpoint
ALTER TYPE "public"."outbound_kind" ADD VALUE 'survey';