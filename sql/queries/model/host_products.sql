-- The host's products table, quoted and qualified from the catalog (regclass output
-- depends on the search_path), when it has a text name and a uuid id.
SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text) OPERATOR(pg_catalog.||) '.'
       OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname::pg_catalog.text)
  FROM (SELECT @extschema@._personality_host_table('products') AS t) x
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) x.t::pg_catalog.oid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 WHERE @extschema@._personality_column_type(x.t, 'name') OPERATOR(pg_catalog.=) ANY ('{text,varchar,bpchar}'::pg_catalog.text[])
   AND @extschema@._personality_column_type(x.t, 'id') OPERATOR(pg_catalog.=) 'uuid'
