-- A user's ($1) swipes in one swipe table: product, its category, direction as text,
-- created_at in seconds. The table, direction and created_at holes are filled in at
-- run time from swipe_tables.sql (quoted, qualified); prepared once per text.
SELECT s.product_id, v.category, @direction@, @created_at@ FROM @table@ s
  LEFT JOIN @extschema@.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) s.product_id
 WHERE s.user_id OPERATOR(pg_catalog.=) $1
