-- The host's products table $2 (found by src/visibility.rs as _personality_host_table
-- finds it), quoted and qualified from the catalog, with whether the role $1 may read
-- its id column at all. No row: its id is not a uuid, nothing to filter by.
SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text) OPERATOR(pg_catalog.||) '.'
       OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname::pg_catalog.text),
       pg_catalog.has_column_privilege($1, c.oid, 'id'::pg_catalog.text, 'SELECT'::pg_catalog.text)
  FROM pg_catalog.pg_class c
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE c.oid OPERATOR(pg_catalog.=) $2
   AND @extschema@._personality_column_type(c.oid::pg_catalog.regclass, 'id'::pg_catalog.name)
       OPERATOR(pg_catalog.=) 'uuid'::pg_catalog.text
