-- Up to $2 products of each group of $1 (in that order; by product id within a group),
-- active and under the price cap $3: group's position, product id, category, price,
-- five shares.
SELECT g.ord, v.product_id, v.category, v.price::pg_catalog.float8, v.adventurous, v.intellectual,
       v.practical, v.creative, v.social
  FROM pg_catalog.unnest($1::pg_catalog.int8[]) WITH ORDINALITY AS g(gid, ord)
 CROSS JOIN LATERAL (
   SELECT * FROM @extschema@.personality_product_vectors v
    WHERE v.group_id OPERATOR(pg_catalog.=) g.gid AND v.is_active
      AND ($3::pg_catalog.float8 IS NULL OR v.price OPERATOR(pg_catalog.<=) $3)
    ORDER BY v.product_id LIMIT $2) v
 ORDER BY g.ord, v.product_id
