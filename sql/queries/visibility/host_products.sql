-- The host's products table (uuid id), quoted and qualified from the catalog, when
-- row-level security is enabled on it; with its oid and whether the role $1 may read
-- its id column at all. No row: the table has no RLS (or no products table), nothing
-- to filter (src/visibility.rs).
SELECT c.oid,
       pg_catalog.quote_ident(n.nspname::pg_catalog.text) OPERATOR(pg_catalog.||) '.'
       OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname::pg_catalog.text),
       pg_catalog.has_column_privilege($1, c.oid, 'id'::pg_catalog.text, 'SELECT'::pg_catalog.text)
  FROM (SELECT @extschema@._personality_host_table('products'::pg_catalog.text) AS t) x
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.t::pg_catalog.oid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE c.relrowsecurity
   AND @extschema@._personality_column_type(x.t, 'id'::pg_catalog.name) OPERATOR(pg_catalog.=) 'uuid'::pg_catalog.text
