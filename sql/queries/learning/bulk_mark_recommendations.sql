-- Marks each swiped (user $1, product $2) recommendation with its last swipe's
-- direction $3 (order $4).
UPDATE @extschema@.personality_recommendations r
   SET is_swiped = true, swipe_direction = x.d, interacted_at = pg_catalog.now(),
       updated_at = pg_catalog.now()
  FROM (SELECT DISTINCT ON (u, p) u, p, d
          FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), pg_catalog.unnest($2::pg_catalog.uuid[]),
                 pg_catalog.unnest($3::pg_catalog.text[]), pg_catalog.unnest($4::pg_catalog.int4[])) AS t(u, p, d, o)
         WHERE p IS NOT NULL ORDER BY u, p, o DESC) x
 WHERE r.user_id OPERATOR(pg_catalog.=) x.u AND r.product_id OPERATOR(pg_catalog.=) x.p
