-- The extension's tables, constraints and indexes must be exactly the seed's
-- (tests/fixtures/seed_schema.sql, taken verbatim from the spec), compared through
-- the catalogs. Any drift shows up as rows below.
\set SHOW_CONTEXT never
\set ECHO none
SET client_min_messages = warning;
BEGIN;
\ir ../fixtures/host_schema.sql
CREATE EXTENSION personality_ext;
-- The seed's own DDL, in a scratch schema with its own host tables.
CREATE SCHEMA seed;
SET search_path = seed, pg_catalog;
CREATE TABLE seed.profiles (id uuid PRIMARY KEY);
CREATE TABLE seed.products (id uuid PRIMARY KEY);
CREATE FUNCTION seed.uuid_generate_v4() RETURNS uuid LANGUAGE sql AS 'SELECT gen_random_uuid()';
\ir ../fixtures/seed_schema.sql
SET search_path = pg_catalog;
\set ECHO all
RESET client_min_messages;

CREATE TEMP VIEW seed_tables(t) AS VALUES ('personality_profiles'), ('personality_gift_mappings'),
    ('personality_assessment_history'), ('personality_recommendations');

CREATE TEMP VIEW cols AS
SELECT n.nspname AS s, c.relname AS t, a.attnum, a.attname::text,
       format_type(a.atttypid, a.atttypmod) AS typ, a.attnotnull AS nn,
       regexp_replace(replace(pg_get_expr(d.adbin, d.adrelid), 'uuid_generate_v4()', 'gen_random_uuid()'),
                      '^seed\.', '') AS def
  FROM pg_attribute a
  JOIN pg_class c ON c.oid = a.attrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
  LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
 WHERE c.relname IN (SELECT t FROM seed_tables) AND n.nspname IN ('public', 'seed')
   AND a.attnum > 0 AND NOT a.attisdropped;

-- NOT NULL is compared through the columns (nn above); PostgreSQL 18 also records it as
-- pg_constraint rows (contype 'n'), left out here so every major compares the same.
CREATE TEMP VIEW cons AS
SELECT n.nspname AS s, c.relname AS t, k.conname::text, k.contype::text,
       regexp_replace(pg_get_constraintdef(k.oid), '(public|seed)\.', '', 'g') AS def
  FROM pg_constraint k
  JOIN pg_class c ON c.oid = k.conrelid
  JOIN pg_namespace n ON n.oid = c.relnamespace
 WHERE c.relname IN (SELECT t FROM seed_tables) AND n.nspname IN ('public', 'seed')
   AND k.contype <> 'n';

CREATE TEMP VIEW idx AS
SELECT schemaname::text AS s, tablename::text AS t, indexname::text,
       regexp_replace(indexdef, '(public|seed)\.', '', 'g') AS def
  FROM pg_indexes
 WHERE tablename IN (SELECT t FROM seed_tables) AND schemaname IN ('public', 'seed');

-- How much is compared (guards against comparing nothing).
SELECT s, count(*) AS columns FROM cols GROUP BY s ORDER BY s;
SELECT s, contype, count(*) AS constraints FROM cons GROUP BY s, contype ORDER BY s, contype;
SELECT s, count(*) AS indexes FROM idx GROUP BY s ORDER BY s;

-- Drift: rows only on one side.
(SELECT 'extension only' AS side, t, attnum, attname, typ, nn, def FROM cols WHERE s = 'public'
 EXCEPT SELECT 'extension only', t, attnum, attname, typ, nn, def FROM cols WHERE s = 'seed')
UNION ALL
(SELECT 'seed only', t, attnum, attname, typ, nn, def FROM cols WHERE s = 'seed'
 EXCEPT SELECT 'seed only', t, attnum, attname, typ, nn, def FROM cols WHERE s = 'public')
ORDER BY 1, 2, 3;

(SELECT 'extension only' AS side, t, conname, contype, def FROM cons WHERE s = 'public'
 EXCEPT SELECT 'extension only', t, conname, contype, def FROM cons WHERE s = 'seed')
UNION ALL
(SELECT 'seed only', t, conname, contype, def FROM cons WHERE s = 'seed'
 EXCEPT SELECT 'seed only', t, conname, contype, def FROM cons WHERE s = 'public')
ORDER BY 1, 2, 3;

(SELECT 'extension only' AS side, t, indexname, def FROM idx WHERE s = 'public'
 EXCEPT SELECT 'extension only', t, indexname, def FROM idx WHERE s = 'seed')
UNION ALL
(SELECT 'seed only', t, indexname, def FROM idx WHERE s = 'seed'
 EXCEPT SELECT 'seed only', t, indexname, def FROM idx WHERE s = 'public')
ORDER BY 1, 2, 3;

-- The id defaults really are random v4 UUIDs without uuid-ossp.
SELECT count(*) AS uuid_ossp_installed FROM pg_extension WHERE extname = 'uuid-ossp';
ROLLBACK;
