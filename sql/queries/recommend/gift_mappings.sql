-- Every trait's gift mappings (the heaviest one per trait is used).
SELECT m.personality_type::pg_catalog.text, m.recommended_categories, m.avoided_categories,
       m.occasion_relevance::pg_catalog.text, m.price_range_modifier::pg_catalog.text,
       m.recommendation_weight::pg_catalog.float8
  FROM @extschema@.personality_gift_mappings m
