-- Comments on the functions pgrx generates from Rust (\df+ shows them).
COMMENT ON FUNCTION personality_score_quiz(jsonb, integer) IS
  'Scores quiz answers {question_id: option value} against the active questions without writing anything: trait scores 0..100, primary_type, secondary_types (within 15 points of the top, at most 2), confidence, quality (straight-lining, answers under 3 s), questions_answered. Errors list every problem at once (22023).';
COMMENT ON FUNCTION _personality_assessment(jsonb, integer, text, jsonb) IS
  'Internal: the fields personality_assess writes, computed from the answers and the previous profile row.';
COMMENT ON FUNCTION personality_product_traits(text, text[]) IS
  'A product''s trait affinities (0..1 per trait) from its category slug and tags, using personality_gift_mappings: weight x (0.65 x category part + 0.35 x tag part), 0 for an avoided category. Feed it to calculate_personality_product_match as p_product_tags.';
COMMENT ON FUNCTION _personality_recommend(uuid, integer, text, text, double precision) IS
  'Internal: the native top-k of personality_recommend (threshold algorithm over personality_product_vectors); upserts and returns the product ids, best first.';

-- Last step of CREATE EXTENSION: link to the host tables now if they are there, and
-- say clearly what is missing if they are not (README "Installing").
DO $$
DECLARE
    v_missing text;
BEGIN
    PERFORM pg_catalog.set_config('personality.installing', '', true);
    PERFORM @extschema@._personality_link_host(true);
    SELECT string_agg(DISTINCT format('%s (%s)', host_table, status), ', ')
      INTO v_missing
      FROM @extschema@.personality_host_status()
     WHERE status <> 'linked';
    -- The seed's trigger on swipes, when the host has a swipes table.
    IF @extschema@._personality_host_table('swipes') IS NOT NULL THEN
        BEGIN
            PERFORM @extschema@.personality_attach_behavior(@extschema@._personality_host_table('swipes'));
        EXCEPTION WHEN undefined_column THEN
            RAISE WARNING 'personality_ext: not learning from table swipes: %', SQLERRM
                USING HINT = 'SELECT personality_attach_behavior(''swipes'', ''<direction column>'');';
        END;
    END IF;
    -- Precomputed product vectors for the recommender, when the host has products.
    IF @extschema@._personality_host_table('products') IS NOT NULL THEN
        BEGIN
            PERFORM @extschema@.personality_attach_catalog();
        EXCEPTION WHEN OTHERS THEN
            RAISE WARNING 'personality_ext: product vectors not maintained yet: %', SQLERRM
                USING HINT = 'Fix the products adapter (personality_product_features), then SELECT personality_attach_catalog();';
        END;
    END IF;
    IF v_missing IS NOT NULL THEN
        RAISE WARNING 'personality_ext: installed without foreign keys to host tables: %', v_missing
            USING DETAIL = 'personality_ext expects the host tables profiles(id uuid primary key) and products(id uuid primary key) in the extension''s schema or in public (or in personality.host_schema).',
                  HINT = 'The foreign keys are added automatically as soon as those tables exist with a primary key on id (this is what happens during pg_restore). Check with SELECT * FROM personality_host_status();';
    END IF;
END;
$$;
