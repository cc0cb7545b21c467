-- Every ticket's customer is its first participant: tickets opened before participants existed get that
-- row too, named as their organisation knows the person (the membership's display name).
INSERT INTO "ticket_participants" ("organization_id", "ticket_id", "email", "name", "role", "added_via", "created_at")
SELECT t."organization_id", t."id", lower(u."email"), coalesce(m."display_name", u."name"), 'customer',
       CASE WHEN t."channel" = 'email' THEN 'email'::participant_source ELSE 'agent'::participant_source END,
       t."created_at"
FROM "tickets" t
JOIN "users" u ON u."id" = t."customer_id"
LEFT JOIN "user_organizations" m ON m."user_id" = t."customer_id" AND m."organization_id" = t."organization_id"
ON CONFLICT ("ticket_id", "email") DO NOTHING;
