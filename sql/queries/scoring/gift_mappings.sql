-- The gift mappings as personality_core::scoring::Mapping reads them: type, recommended
-- and avoided categories, product tags (a JSON array, else none), weight. Runs under
-- the caller's own search_path too (personality_product_traits): every name qualified.
SELECT personality_type::pg_catalog.text, recommended_categories, avoided_categories,
       ARRAY(SELECT pg_catalog.jsonb_array_elements_text(
               CASE WHEN pg_catalog.jsonb_typeof(product_tags) OPERATOR(pg_catalog.=) 'array'
                    THEN product_tags ELSE '[]'::pg_catalog.jsonb END)),
       pg_catalog.float8(recommendation_weight)
  FROM @extschema@.personality_gift_mappings
