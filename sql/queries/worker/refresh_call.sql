-- The statement the background worker runs (src/worker.rs): the model refresh called
-- by the extension's schema, or no row when the extension is not installed here.
SELECT pg_catalog.format('SELECT %I.personality_refresh_model()', n.nspname)
  FROM pg_catalog.pg_extension e
  JOIN pg_catalog.pg_namespace n ON n.oid OPERATOR(pg_catalog.=) e.extnamespace
 WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'
