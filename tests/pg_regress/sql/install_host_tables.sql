-- Installing where the host tables are missing or wrong (README "Installing").
\set SHOW_CONTEXT never

-- 1. No profiles/products yet: installs completely, warns, and links later.
BEGIN;
CREATE EXTENSION personality_ext;
SELECT constraint_name, status FROM personality_host_status() ORDER BY 1;
SELECT count(*) AS personality_tables FROM pg_tables WHERE tablename LIKE 'personality\_%';
CREATE TABLE profiles (id uuid PRIMARY KEY, email text);
SELECT constraint_name, status FROM personality_host_status() ORDER BY 1;
CREATE TABLE products (id uuid, name text);
SELECT constraint_name, status FROM personality_host_status() ORDER BY 1;
ALTER TABLE products ADD PRIMARY KEY (id);
SELECT constraint_name, status FROM personality_host_status() ORDER BY 1;
-- The links are real foreign keys with ON DELETE CASCADE.
SELECT conname, confdeltype, convalidated FROM pg_constraint
 WHERE contype = 'f' AND conrelid::regclass::text LIKE 'personality\_%' ORDER BY conname;
ROLLBACK;

-- 2. A profiles table whose id is not a uuid: a clear error, nothing left behind.
BEGIN;
CREATE TABLE profiles (id integer PRIMARY KEY);
CREATE TABLE products (id uuid PRIMARY KEY);
SAVEPOINT s;
CREATE EXTENSION personality_ext;
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO s;
SELECT count(*) AS extensions FROM pg_extension WHERE extname = 'personality_ext';
SELECT count(*) AS leftovers FROM pg_class WHERE relname LIKE 'personality\_%';
SELECT count(*) AS leftover_functions FROM pg_proc WHERE proname LIKE '%personality%';
ROLLBACK;

-- 3. Host tables in place: linked at install, no warning.
BEGIN;
CREATE TABLE profiles (id uuid PRIMARY KEY);
CREATE TABLE products (id uuid PRIMARY KEY);
CREATE EXTENSION personality_ext;
SELECT constraint_name, status FROM personality_host_status() ORDER BY 1;
-- Enforced: a profile for a user the host does not know is refused.
SAVEPOINT s;
INSERT INTO personality_profiles (user_id, primary_type, personality_scores)
VALUES ('00000000-0000-0000-0000-000000000001', 'creative', '{}');
\echo :LAST_ERROR_SQLSTATE
ROLLBACK TO s;
-- Cascades: deleting the host's user deletes the profile.
INSERT INTO profiles VALUES ('00000000-0000-0000-0000-000000000002');
INSERT INTO personality_profiles (user_id, primary_type, personality_scores)
VALUES ('00000000-0000-0000-0000-000000000002', 'creative', '{}');
DELETE FROM profiles;
SELECT count(*) AS profiles_left FROM personality_profiles;
ROLLBACK;

-- 4. DROP EXTENSION removes everything it created and nothing else.
BEGIN;
\set ECHO none
\ir ../fixtures/host_schema.sql
\set ECHO all
-- (NOT NULL constraints are pg_constraint rows since PostgreSQL 18 only: left out.)
CREATE TEMP TABLE before AS
SELECT 'class' AS kind, relname::text AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace
UNION ALL SELECT 'constraint', conrelid::regclass || '.' || conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype <> 'n'
UNION ALL SELECT 'trigger', tgrelid::regclass || '.' || tgname FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
UNION ALL SELECT 'function', oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace
UNION ALL SELECT 'policy', polrelid::regclass || '.' || polname FROM pg_policy
UNION ALL SELECT 'event trigger', evtname FROM pg_event_trigger;
CREATE EXTENSION personality_ext;
SELECT count(*) > 0 AS extension_added_objects FROM pg_class WHERE relname LIKE 'personality\_%';
DROP EXTENSION personality_ext;
CREATE TEMP TABLE after AS
SELECT 'class' AS kind, relname::text AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace
UNION ALL SELECT 'constraint', conrelid::regclass || '.' || conname FROM pg_constraint WHERE connamespace = 'public'::regnamespace AND contype <> 'n'
UNION ALL SELECT 'trigger', tgrelid::regclass || '.' || tgname FROM pg_trigger WHERE tgrelid IN (SELECT oid FROM pg_class WHERE relnamespace = 'public'::regnamespace)
UNION ALL SELECT 'function', oid::regprocedure::text FROM pg_proc WHERE pronamespace = 'public'::regnamespace
UNION ALL SELECT 'policy', polrelid::regclass || '.' || polname FROM pg_policy
UNION ALL SELECT 'event trigger', evtname FROM pg_event_trigger;
(SELECT 'left behind' AS what, * FROM after EXCEPT SELECT 'left behind', * FROM before)
UNION ALL
(SELECT 'removed', * FROM before EXCEPT SELECT 'removed', * FROM after)
ORDER BY 1, 2, 3;
SELECT count(*) AS host_objects_compared FROM before;
ROLLBACK;
