-- calculate_personality_product_match: the seed's name, argument names and types,
-- now native (src/scoring.rs). A raw C entry point, so the jsonb arguments are read
-- in place; formula in README "Match scoring".
CREATE FUNCTION calculate_personality_product_match(
    p_personality_scores jsonb,
    p_product_tags jsonb,
    p_category_mappings jsonb
) RETURNS numeric
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'personality_match_v1';
COMMENT ON FUNCTION calculate_personality_product_match(jsonb, jsonb, jsonb) IS
  'Personality-product match in [0, 1], 4 decimals (seed contract). Without product affinities (p_product_tags NULL, [] or {}): exactly the seed''s score: sum of score/100 x (adventurous .30, intellectual .25, practical .20, creative .15, social .10), rounded to 4 decimals after each addition, plus 0.2 x p_category_mappings->>''alignment_score''; unknown keys and JSON nulls ignored, clamped to [0, 1] instead of overflowing. With affinities a (object {trait: 0..1} or array of tags, a trait name counting 1): 0.75 x F + 0.25 x B + 0.2 x alignment, where s = score/100 clamped to [0, 1], F = sum(a x s) / sum(a) and B the seed''s weighted sum of s. Errors: 22023 for non-numeric JSON types, 22P02 for non-numeric strings.';
