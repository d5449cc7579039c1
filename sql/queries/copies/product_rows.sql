-- The products $1 that have a vector, as personality_recommend reads them: vector and
-- item stats, unfiltered (each request checks is_active and its price cap; the rows are
-- copied per connection, src/derived.rs).
SELECT v.product_id, v.category, v.price::pg_catalog.float8, v.is_active, v.strength::pg_catalog.float8,
       v.adventurous, v.intellectual, v.practical, v.creative, v.social,
       s.likes, s.dislikes, s.neutral, s.decayed_likes, pg_catalog.date_part('epoch', s.at), s.side_likes
  FROM pg_catalog.unnest($1::pg_catalog.uuid[]) AS u(id)
  JOIN @extschema@.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) u.id
  LEFT JOIN @extschema@.personality_item_stats s ON s.product_id OPERATOR(pg_catalog.=) u.id
