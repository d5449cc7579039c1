-- The swipes the row-level trigger deferred to the end of their statement (users $1,
-- products $2, directions $3, parallel arrays in insertion order), with the product's
-- affinities when it has a vector: the columns of bulk_read_swipes.sql.
SELECT n.u, n.p, n.d,
       v.adventurous OPERATOR(pg_catalog.*) v.strength,
       v.intellectual OPERATOR(pg_catalog.*) v.strength,
       v.practical OPERATOR(pg_catalog.*) v.strength,
       v.creative OPERATOR(pg_catalog.*) v.strength,
       v.social OPERATOR(pg_catalog.*) v.strength,
       v.product_id IS NOT NULL
  FROM ROWS FROM (pg_catalog.unnest($1::pg_catalog.uuid[]), pg_catalog.unnest($2::pg_catalog.uuid[]),
                  pg_catalog.unnest($3::pg_catalog.text[])) WITH ORDINALITY AS n(u, p, d, ord)
  LEFT JOIN @extschema@.personality_product_vectors v
         ON v.product_id OPERATOR(pg_catalog.=) n.p
 WHERE n.u IS NOT NULL
 ORDER BY n.ord
