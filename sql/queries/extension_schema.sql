-- The extension's schema, quoted, and its personality_profiles (whose invalidation
-- starts a new cache generation: src/cache.rs). No row when not installed.
SELECT pg_catalog.quote_ident(n.nspname::pg_catalog.text),
       pg_catalog.to_regclass(pg_catalog.quote_ident(n.nspname::pg_catalog.text)
         OPERATOR(pg_catalog.||) '.personality_profiles')::pg_catalog.oid
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
 WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'
