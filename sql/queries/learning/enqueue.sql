-- Queues swipes to be learnt later: users $1, products $2, directions $3 (parallel
-- arrays), each tagged with the profile it was made under (drain.sql drops swipes of
-- a profile deleted since). Insert-only: it never waits for a lock.
INSERT INTO @extschema@.personality_learning_queue (user_id, product_id, direction,
  personality_profile_id)
SELECT u, p, d, (SELECT pp.id FROM @extschema@.personality_profiles pp
                  WHERE pp.user_id OPERATOR(pg_catalog.=) x.u)
  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]),
  pg_catalog.unnest($2::pg_catalog.uuid[]), pg_catalog.unnest($3::pg_catalog.text[]))
  AS x(u, p, d)
