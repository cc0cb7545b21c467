-- An organisation's plan is the operator's to change (CLI, as owner): tenants may read their own
-- subscription row (RLS) but not write it, whatever the application code does.
REVOKE INSERT, UPDATE, DELETE ON "organization_subscriptions" FROM app_user;
