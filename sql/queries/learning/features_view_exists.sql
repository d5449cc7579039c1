-- Whether the products adapter view exists and can be trusted (a member of the
-- extension, or owned by a trusted role; sql/product_features.sql).
SELECT @extschema@._personality_features_view() IS NOT NULL
