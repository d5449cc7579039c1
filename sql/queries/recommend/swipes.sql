-- A user's ($1) swipes in one swipe table: product, direction as text, created_at in
-- seconds. The table, direction and created_at holes are filled in at run time from
-- swipe_tables.sql (quoted, qualified); prepared once per text. The products'
-- categories come from the per-connection copies (src/derived.rs), not a join here.
SELECT s.product_id, @direction@, @created_at@
  FROM @table@ s
 WHERE s.user_id OPERATOR(pg_catalog.=) $1
