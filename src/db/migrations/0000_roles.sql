-- Roles are cluster-wide: create them only when missing so every database of the cluster can migrate.
DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app_user') THEN
    CREATE ROLE app_user NOLOGIN;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
    CREATE ROLE service_role NOLOGIN BYPASSRLS;
  END IF;
END
$$;
--> statement-breakpoint
-- The migrating login switches to these roles per transaction (SET LOCAL ROLE), so it must be a member.
GRANT app_user TO CURRENT_USER;
--> statement-breakpoint
GRANT service_role TO CURRENT_USER;
