-- The seed's PL/pgSQL match function (shared/seed/personality_audit.md, "Essential
-- Business Logic Functions"), copied line for line and only renamed with a seed_
-- prefix: the naive baseline of bench/recommend.sh. Created in the benchmark database
-- only.

-- Function to calculate personality-product match score
CREATE OR REPLACE FUNCTION seed_calculate_personality_product_match(
    p_personality_scores JSONB,
    p_product_tags JSONB,
    p_category_mappings JSONB
) RETURNS DECIMAL(5,4) AS $$
DECLARE
    match_score DECIMAL(5,4) := 0.0;
    trait_key TEXT;
    trait_value DECIMAL;
    category_bonus DECIMAL := 0.0;
BEGIN
    -- Calculate base personality-product alignment
    FOR trait_key IN SELECT jsonb_object_keys(p_personality_scores) LOOP
        trait_value := (p_personality_scores->>trait_key)::DECIMAL / 100.0;
        
        -- Apply trait-specific product matching logic
        CASE trait_key
            WHEN 'adventurous' THEN
                match_score := match_score + (trait_value * 0.3);
            WHEN 'intellectual' THEN
                match_score := match_score + (trait_value * 0.25);
            WHEN 'practical' THEN
                match_score := match_score + (trait_value * 0.2);
            WHEN 'creative' THEN
                match_score := match_score + (trait_value * 0.15);
            WHEN 'social' THEN
                match_score := match_score + (trait_value * 0.1);
        END CASE;
    END LOOP;
    
    -- Apply category alignment bonus
    IF p_category_mappings IS NOT NULL THEN
        category_bonus := COALESCE((p_category_mappings->>'alignment_score')::DECIMAL, 0.0);
        match_score := match_score + (category_bonus * 0.2);
    END IF;
    
    -- Ensure score is within valid range
    RETURN GREATEST(0.0, LEAST(1.0, match_score));
END;
$$ LANGUAGE plpgsql;

