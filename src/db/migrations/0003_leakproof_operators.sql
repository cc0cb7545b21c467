-- Under RLS the planner may only use an index condition before the tenant check when its operator is
-- LEAKPROOF (every function in it). PostgreSQL ships enum equality (status/priority filters), the
-- full-text expression of tickets_search_idx (text concatenation, to_tsvector, @@) and array
-- containment (tag filters) without the mark, which turns those indexed queries into sequential scans
-- for app_user. None of them raises an error that depends on the row's content, so marking them is safe. Only a superuser may do it: elsewhere the migration notes it and carries on (queries
-- stay correct, only slower).
DO $$
BEGIN
  ALTER FUNCTION pg_catalog.enum_eq(anyenum, anyenum) LEAKPROOF;
  ALTER FUNCTION pg_catalog.enum_ne(anyenum, anyenum) LEAKPROOF;
  ALTER FUNCTION pg_catalog.textcat(text, text) LEAKPROOF;
  ALTER FUNCTION pg_catalog.to_tsvector(regconfig, text) LEAKPROOF;
  ALTER FUNCTION pg_catalog.ts_match_vq(tsvector, tsquery) LEAKPROOF;
  ALTER FUNCTION pg_catalog.arraycontains(anyarray, anyarray) LEAKPROOF;
EXCEPTION WHEN insufficient_privilege THEN
  RAISE NOTICE 'not a superuser: indexed filters under RLS will fall back to sequential scans';
END
$$;
