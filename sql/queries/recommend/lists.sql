-- For each given partition (categories $1, price bands $2, depths $3, in order: ci is
-- its position), the first n products of each of the five per-trait lists (li: the
-- trait's index in personality_core::traits::ALL), active and under the price cap $4.
SELECT x.* FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.text[]), pg_catalog.unnest($2::pg_catalog.int4[]),
       pg_catalog.unnest($3::pg_catalog.int4[])) WITH ORDINALITY AS c(cat, band, n, ci)
CROSS JOIN LATERAL (
  (SELECT c.ci, 0 AS li, v.product_id, v.price::pg_catalog.float8, v.adventurous, v.intellectual,
          v.practical, v.creative, v.social
     FROM @extschema@.personality_product_vectors v
    WHERE v.category OPERATOR(pg_catalog.=) c.cat AND v.price_band OPERATOR(pg_catalog.=) c.band AND v.is_active
      AND ($4::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $4)
    ORDER BY v.adventurous DESC, v.product_id LIMIT c.n)
  UNION ALL
  (SELECT c.ci, 1 AS li, v.product_id, v.price::pg_catalog.float8, v.adventurous, v.intellectual,
          v.practical, v.creative, v.social
     FROM @extschema@.personality_product_vectors v
    WHERE v.category OPERATOR(pg_catalog.=) c.cat AND v.price_band OPERATOR(pg_catalog.=) c.band AND v.is_active
      AND ($4::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $4)
    ORDER BY v.intellectual DESC, v.product_id LIMIT c.n)
  UNION ALL
  (SELECT c.ci, 2 AS li, v.product_id, v.price::pg_catalog.float8, v.adventurous, v.intellectual,
          v.practical, v.creative, v.social
     FROM @extschema@.personality_product_vectors v
    WHERE v.category OPERATOR(pg_catalog.=) c.cat AND v.price_band OPERATOR(pg_catalog.=) c.band AND v.is_active
      AND ($4::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $4)
    ORDER BY v.practical DESC, v.product_id LIMIT c.n)
  UNION ALL
  (SELECT c.ci, 3 AS li, v.product_id, v.price::pg_catalog.float8, v.adventurous, v.intellectual,
          v.practical, v.creative, v.social
     FROM @extschema@.personality_product_vectors v
    WHERE v.category OPERATOR(pg_catalog.=) c.cat AND v.price_band OPERATOR(pg_catalog.=) c.band AND v.is_active
      AND ($4::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $4)
    ORDER BY v.creative DESC, v.product_id LIMIT c.n)
  UNION ALL
  (SELECT c.ci, 4 AS li, v.product_id, v.price::pg_catalog.float8, v.adventurous, v.intellectual,
          v.practical, v.creative, v.social
     FROM @extschema@.personality_product_vectors v
    WHERE v.category OPERATOR(pg_catalog.=) c.cat AND v.price_band OPERATOR(pg_catalog.=) c.band AND v.is_active
      AND ($4::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $4)
    ORDER BY v.social DESC, v.product_id LIMIT c.n)
) x
