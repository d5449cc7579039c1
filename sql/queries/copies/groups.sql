-- The product groups with active products, with their shares and sizes; no row when
-- there are more than $1 groups (the threshold algorithm is used instead).
SELECT g.group_id, g.category, g.price_band::pg_catalog.int4, g.adventurous, g.intellectual, g.practical,
       g.creative, g.social, g.active_products FROM @extschema@.personality_vector_groups g
 WHERE g.active_products OPERATOR(pg_catalog.>) 0
   AND (SELECT c.reltuples FROM pg_catalog.pg_class c
         WHERE c.oid OPERATOR(pg_catalog.=) '@extschema@.personality_vector_groups'::pg_catalog.regclass)
       OPERATOR(pg_catalog.<=) $1
