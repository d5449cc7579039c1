-- What a request may show of the products $1 (active, under the price cap $2): their
-- vectors and item stats.
SELECT v.product_id, v.category, v.price::pg_catalog.float8, v.strength::pg_catalog.float8, v.adventurous,
       v.intellectual, v.practical, v.creative, v.social, s.likes, s.dislikes, s.neutral, s.decayed_likes,
       pg_catalog.date_part('epoch', s.at), s.side_likes
  FROM pg_catalog.unnest($1::pg_catalog.uuid[]) AS u(id)
  JOIN @extschema@.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) u.id
  LEFT JOIN @extschema@.personality_item_stats s ON s.product_id OPERATOR(pg_catalog.=) u.id
 WHERE v.is_active AND ($2::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $2)
