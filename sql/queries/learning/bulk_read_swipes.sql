-- The statement trigger: every inserted swipe with a user, in insertion order, with
-- the product's affinities when it has a vector. @new_rows@ is the transition table,
-- @direction@ the direction column read as text (statement_trigger::direction_expr).
SELECT n.user_id, n.product_id, n.d,
       v.adventurous OPERATOR(pg_catalog.*) v.strength,
       v.intellectual OPERATOR(pg_catalog.*) v.strength,
       v.practical OPERATOR(pg_catalog.*) v.strength,
       v.creative OPERATOR(pg_catalog.*) v.strength,
       v.social OPERATOR(pg_catalog.*) v.strength,
       v.product_id IS NOT NULL
  FROM (SELECT pg_catalog.row_number() OVER () AS ord, user_id, product_id, @direction@ AS d
          FROM @new_rows@) n
  LEFT JOIN @extschema@.personality_product_vectors v
         ON v.product_id OPERATOR(pg_catalog.=) n.product_id
 WHERE n.user_id IS NOT NULL
 ORDER BY n.ord
