-- A full rebuild starts from nothing (DELETE, never TRUNCATE: recommendations keep
-- reading the previous model until the refresh commits).
WITH a AS (DELETE FROM @extschema@.personality_item_stats RETURNING 1),
     b AS (DELETE FROM @extschema@.personality_item_neighbours RETURNING 1),
     c AS (DELETE FROM @extschema@.personality_model_people RETURNING 1)
SELECT (SELECT pg_catalog.count(*) FROM a), (SELECT pg_catalog.count(*) FROM b), (SELECT pg_catalog.count(*) FROM c)
