-- The catalog's (category, price band) pairs with active products (a skip scan of the
-- category index).
WITH RECURSIVE c(cat, band) AS (
  (SELECT v.category, v.price_band FROM @extschema@.personality_product_vectors v WHERE v.is_active
    ORDER BY v.category, v.price_band LIMIT 1)
  UNION ALL
  SELECT x.category, x.price_band FROM c CROSS JOIN LATERAL
    (SELECT v.category, v.price_band FROM @extschema@.personality_product_vectors v
      WHERE v.is_active AND ROW(v.category, v.price_band) OPERATOR(pg_catalog.>) ROW(c.cat, c.band)
      ORDER BY v.category, v.price_band LIMIT 1) x)
SELECT c.cat, c.band::pg_catalog.int4 FROM c
