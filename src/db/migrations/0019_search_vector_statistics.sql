-- Hand-written (drizzle-kit cannot express per-column statistics targets).
-- With the default target, ANALYZE keeps too few of search_vector's lexemes for PostgreSQL to tell a rare
-- word from an unknown one: it then guesses 0.5 % of the table matches, and search for a rare word
-- intersects the GIN index with every ticket of the organisation (~15 ms at 100k tickets per organisation)
-- instead of reading the GIN index alone (~1 ms). A larger sample costs ANALYZE a few seconds at 1M rows.
ALTER TABLE "tickets" ALTER COLUMN "search_vector" SET STATISTICS 1000;
