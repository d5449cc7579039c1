-- Whether the extension's SQL objects have personality_learning_queue (0.3.0): false
-- between installing a newer library and ALTER EXTENSION ... UPDATE.
SELECT EXISTS (
  SELECT 1 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_extension e ON e.extnamespace OPERATOR(pg_catalog.=) c.relnamespace
   WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'
     AND c.relname OPERATOR(pg_catalog.=) 'personality_learning_queue')
