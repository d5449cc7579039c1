-- The attached swipe tables with uuid user_id and product_id, not temporary: each
-- table's name built from the catalog (regclass output depends on the search_path),
-- and its direction and time expressions (personality_swipe_tables.time_column),
-- fully qualified (for swipes.sql).
SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text) OPERATOR(pg_catalog.||) '.'
       OPERATOR(pg_catalog.||) pg_catalog.quote_ident(c.relname::pg_catalog.text),
       CASE WHEN ty.dir OPERATOR(pg_catalog.=) 'enum'
            THEN 'pg_catalog.textin(pg_catalog.enum_out(s.'
                 OPERATOR(pg_catalog.||) pg_catalog.quote_ident(t.direction_column::pg_catalog.text) OPERATOR(pg_catalog.||) '))'
            WHEN ty.dir OPERATOR(pg_catalog.=) ANY ('{text,varchar,bpchar,name}'::pg_catalog.text[])
            THEN 's.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(t.direction_column::pg_catalog.text)
                 OPERATOR(pg_catalog.||) '::pg_catalog.text'
            ELSE 'NULL::pg_catalog.text' END,
       CASE WHEN t.time_column IS NOT NULL
            THEN 'pg_catalog.date_part(''epoch'', s.' OPERATOR(pg_catalog.||) pg_catalog.quote_ident(t.time_column::pg_catalog.text)
                 OPERATOR(pg_catalog.||) '::pg_catalog.timestamptz)'
            ELSE 'NULL::pg_catalog.float8' END
  FROM @extschema@.personality_swipe_tables t
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) t.swipe_table::pg_catalog.oid
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) c.relnamespace
 CROSS JOIN LATERAL (SELECT @extschema@._personality_column_type(t.swipe_table, t.direction_column) AS dir) ty
 WHERE c.relpersistence OPERATOR(pg_catalog.<>) 't'
   AND @extschema@._personality_column_type(t.swipe_table, 'user_id') OPERATOR(pg_catalog.=) 'uuid'
   AND @extschema@._personality_column_type(t.swipe_table, 'product_id') OPERATOR(pg_catalog.=) 'uuid'
