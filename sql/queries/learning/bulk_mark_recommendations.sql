-- Marks each swiped (user $1, product $2) recommendation with its last swipe's
-- direction $3 (order $4), and records that swipe where users cannot write
-- (personality_recommendation_swipes, counted by personality_kpis).
WITH m AS (
UPDATE @extschema@.personality_recommendations r
   SET is_swiped = true, swipe_direction = x.d, interacted_at = pg_catalog.now(),
       updated_at = pg_catalog.now()
  FROM (SELECT DISTINCT ON (u, p) u, p, d
          FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), pg_catalog.unnest($2::pg_catalog.uuid[]),
                 pg_catalog.unnest($3::pg_catalog.text[]), pg_catalog.unnest($4::pg_catalog.int4[])) AS t(u, p, d, o)
         WHERE p IS NOT NULL ORDER BY u, p, o DESC) x
 WHERE r.user_id OPERATOR(pg_catalog.=) x.u AND r.product_id OPERATOR(pg_catalog.=) x.p
RETURNING x.u, x.p, x.d)
INSERT INTO @extschema@.personality_recommendation_swipes AS w (user_id, product_id, direction, swiped_at)
SELECT DISTINCT ON (m.u, m.p) m.u, m.p, m.d, pg_catalog.now() FROM m
ON CONFLICT (user_id, product_id) DO UPDATE SET direction = EXCLUDED.direction,
  swiped_at = EXCLUDED.swiped_at
