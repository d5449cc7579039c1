-- A user's ($1) swipes in one swipe table: product, its category, direction as text,
-- created_at in seconds. The table, direction and created_at holes are filled in at
-- run time from swipe_tables.sql (quoted, qualified); prepared once per text.
-- The category is a subquery per swipe, not a join: with the swipe table's statistics
-- off (just loaded, or analysed while empty), the generic plan of a join hashed every
-- product vector on each call (7.8 ms against 1.6 ms for 67 swipes, 10,000 products).
SELECT s.product_id,
       (SELECT v.category FROM @extschema@.personality_product_vectors v
         WHERE v.product_id OPERATOR(pg_catalog.=) s.product_id),
       @direction@, @created_at@
  FROM @table@ s
 WHERE s.user_id OPERATOR(pg_catalog.=) $1
