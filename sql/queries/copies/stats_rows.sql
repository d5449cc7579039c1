-- The item stats of the products $1 (those without stats give no row), for product rows
-- copied before the model was refreshed (src/copies/read.rs).
SELECT s.product_id, s.likes, s.dislikes, s.neutral, s.decayed_likes, pg_catalog.date_part('epoch', s.at),
       s.side_likes
  FROM pg_catalog.unnest($1::pg_catalog.uuid[]) AS u(id)
  JOIN @extschema@.personality_item_stats s ON s.product_id OPERATOR(pg_catalog.=) u.id
