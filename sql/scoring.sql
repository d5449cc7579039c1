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
  'Personality-product match in [0, 1], 4 decimals (seed contract). Without product affinities (p_product_tags NULL, [] or {}) exactly the seed''s weighted score, clamped instead of overflowing; with affinities 0.75 x fit + 0.25 x the seed''s score; plus 0.2 x alignment_score. Errors: 22023 for non-numeric JSON types, 22P02 for non-numeric strings. Rules: README "Match scoring".';

-- personality_product_traits is a Rust function (src/scoring.rs).
COMMENT ON FUNCTION personality_product_traits(text, text[]) IS
  'A product''s trait affinities (0..1 per trait) from its category slug and tags, using personality_gift_mappings: weight x (0.65 x category part + 0.35 x tag part), 0 for an avoided category. Feed it to calculate_personality_product_match as p_product_tags.';
