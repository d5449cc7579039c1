-- Every SQL object of the extension carries a COMMENT (\df+ and \d+ show them).
BEGIN;
CREATE TABLE profiles (id uuid PRIMARY KEY);
CREATE TABLE products (id uuid PRIMARY KEY);
CREATE EXTENSION personality_ext;
-- Members of the extension without a comment. Since PostgreSQL 17 the row types of
-- tables and views (and their array types) are members too; they cannot take a comment
-- (the relation has it), so they are left out on every major.
SELECT pg_describe_object(d.classid, d.objid, 0) AS uncommented_member
  FROM pg_depend d
  JOIN pg_extension e ON e.oid = d.refobjid AND e.extname = 'personality_ext'
 WHERE d.deptype = 'e'
   AND obj_description(d.objid, (SELECT relname FROM pg_class WHERE oid = d.classid)) IS NULL
   AND NOT (d.classid = 'pg_type'::regclass AND EXISTS (
         SELECT 1 FROM pg_type t
           JOIN pg_type r ON r.oid = CASE WHEN t.typcategory = 'A' THEN t.typelem ELSE t.oid END
           JOIN pg_class c ON c.oid = r.typrelid
          WHERE t.oid = d.objid AND c.relkind <> 'c'))
 ORDER BY 1;
-- Policies and triggers of the extension's tables without a comment.
SELECT 'policy ' || polname AS uncommented FROM pg_policy
 WHERE polrelid::regclass::text LIKE 'personality\_%' AND obj_description(oid, 'pg_policy') IS NULL
UNION ALL
SELECT 'trigger ' || tgname FROM pg_trigger
 WHERE tgrelid::regclass::text LIKE 'personality\_%' AND NOT tgisinternal
   AND obj_description(oid, 'pg_trigger') IS NULL
ORDER BY 1;
SELECT count(*) > 10 AS has_members FROM pg_depend d JOIN pg_extension e ON e.oid = d.refobjid
 WHERE e.extname = 'personality_ext' AND d.deptype = 'e';
ROLLBACK;
