-- Queues swipes to be learnt later: users $1, products $2, directions $3 (parallel
-- arrays). Insert-only: it never waits for a lock.
INSERT INTO @extschema@.personality_learning_queue (user_id, product_id, direction)
SELECT u, p, d FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]),
  pg_catalog.unnest($2::pg_catalog.uuid[]), pg_catalog.unnest($3::pg_catalog.text[]))
  AS x(u, p, d)
