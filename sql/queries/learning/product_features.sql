-- A product's ($1) category and tags from the products adapter view, for products
-- without a precomputed vector.
SELECT category::pg_catalog.text, tags::pg_catalog.text[]
  FROM @extschema@.personality_product_features
 WHERE product_id OPERATOR(pg_catalog.=) $1
