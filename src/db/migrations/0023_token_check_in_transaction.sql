-- The API keeps a recently seen bearer token's principal in memory (no lookup round trip) and checks the
-- token again inside the request's own transaction, in the statement that sets the tenant context: a
-- revoked or expired token, a deactivated person or organisation, or a membership removed or turned
-- customer fails that statement, so the transaction runs nothing and the request answers 401/403 at once.
-- SECURITY DEFINER: the statement calls it before switching to app_user, but it must not depend on that.
CREATE FUNCTION check_api_token(token_hash text, organization_id uuid, user_id uuid) RETURNS boolean
LANGUAGE plpgsql STABLE SECURITY DEFINER SET search_path = pg_catalog, public AS $$
BEGIN
  PERFORM 1
    FROM api_tokens t
    JOIN users u ON u.id = t.user_id AND u.is_active
    JOIN organizations o ON o.id = t.organization_id AND o.is_active
    JOIN user_organizations m ON m.user_id = t.user_id AND m.organization_id = t.organization_id
   WHERE t.token_hash = check_api_token.token_hash
     AND t.organization_id = check_api_token.organization_id
     AND t.user_id = check_api_token.user_id
     AND t.revoked_at IS NULL
     AND (t.expires_at IS NULL OR t.expires_at > now())
     AND m.role <> 'customer';
  IF NOT FOUND THEN
    RAISE EXCEPTION 'the bearer token is no longer valid' USING ERRCODE = 'invalid_authorization_specification';
  END IF;
  RETURN true;
END
$$;
--> statement-breakpoint
REVOKE ALL ON FUNCTION check_api_token(text, uuid, uuid) FROM PUBLIC;
