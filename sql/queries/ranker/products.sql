-- Every product with a vector: category and trait shares (the learner's item info).
SELECT v.product_id, v.category, v.adventurous::pg_catalog.float8, v.intellectual::pg_catalog.float8,
       v.practical::pg_catalog.float8, v.creative::pg_catalog.float8, v.social::pg_catalog.float8
  FROM @extschema@.personality_product_vectors v
