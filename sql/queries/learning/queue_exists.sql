-- Whether the extension's SQL objects are as new as the library: false between
-- installing a newer library and ALTER EXTENSION ... UPDATE (before 0.4.0,
-- personality_learning_queue had no personality_profile_id).
SELECT EXISTS (
  SELECT 1 FROM pg_catalog.pg_class c
    JOIN pg_catalog.pg_extension e ON e.extnamespace OPERATOR(pg_catalog.=) c.relnamespace
    JOIN pg_catalog.pg_attribute a ON a.attrelid OPERATOR(pg_catalog.=) c.oid
   WHERE e.extname OPERATOR(pg_catalog.=) 'personality_ext'
     AND c.relname OPERATOR(pg_catalog.=) 'personality_learning_queue'
     AND a.attname OPERATOR(pg_catalog.=) 'personality_profile_id'
     AND NOT a.attisdropped)
