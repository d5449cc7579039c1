-- personality_recommend(): the public entry point (README "Recommendations").
CREATE FUNCTION personality_recommend(
    p_user_id uuid,
    p_limit int DEFAULT 20,
    p_context text DEFAULT 'discover',
    p_occasion text DEFAULT NULL,
    p_max_price numeric DEFAULT NULL
) RETURNS SETOF personality_recommendations
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF p_user_id IS NULL THEN
        RAISE EXCEPTION 'user id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM @extschema@._personality_authorize(p_user_id, 'get recommendations');
    IF pg_catalog.pg_is_in_recovery() THEN
        RAISE EXCEPTION 'personality_recommend cannot run on a read-only standby: it stores the recommendations it computes'
            USING ERRCODE = 'read_only_sql_transaction',
                  HINT = 'Call it on the primary, or read the stored rows here: SELECT * FROM personality_recommendations WHERE user_id = ... ORDER BY combined_score DESC;';
    END IF;
    IF p_context IS NULL
       OR NOT p_context OPERATOR(pg_catalog.=) ANY ('{discover,gift_finder,similar}'::pg_catalog.text[]) THEN
        RAISE EXCEPTION 'invalid recommendation context: %', coalesce(pg_catalog.quote_literal(p_context), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of: discover, gift_finder, similar.';
    END IF;
    IF p_limit IS NULL OR p_limit OPERATOR(pg_catalog.<) 1 OR p_limit OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'recommendation limit must be between 1 and 1000, got %', coalesce(p_limit::pg_catalog.text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_max_price IS NOT NULL
       AND p_max_price OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.numeric[]) THEN
        RAISE EXCEPTION 'maximum price must be a finite number, got %', p_max_price
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Pass NULL for no price limit.';
    END IF;
    IF p_max_price IS NOT NULL AND p_max_price OPERATOR(pg_catalog.<) 0 THEN
        RAISE EXCEPTION 'maximum price must not be negative, got %', p_max_price
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.personality_profiles pp WHERE pp.user_id OPERATOR(pg_catalog.=) p_user_id) THEN
        RAISE EXCEPTION 'user % has no personality profile', p_user_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'Take the quiz first: SELECT * FROM personality_assess(user_id, answers);';
    END IF;
    -- Rank with everything the user's swipes taught so far.
    PERFORM @extschema@._personality_sync_profiles(p_user_id);
    -- Products created after the extension: start maintaining their vectors now.
    IF @extschema@._personality_features_view() IS NULL
       OR NOT EXISTS (SELECT 1 FROM pg_catalog.pg_trigger tg
                       WHERE tg.tgname OPERATOR(pg_catalog.=) 'personality_products_vectors_ins') THEN
        PERFORM @extschema@._personality_link_host(false);
        IF @extschema@._personality_host_table('products') IS NOT NULL THEN
            PERFORM @extschema@._personality_attach_catalog(NULL);
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM @extschema@.personality_product_vectors)
          AND EXISTS (SELECT 1 FROM @extschema@.personality_product_features) THEN
        -- no vectors for a catalog with products (e.g. restored by an older tool):
        -- compute them rather than recommend nothing
        RAISE NOTICE 'personality_ext: computing product vectors (none were present)';
        PERFORM @extschema@._personality_refresh_vectors(NULL);
    END IF;
    v_ids := @extschema@._personality_recommend(p_user_id, p_limit, p_context, p_occasion,
                                                p_max_price::pg_catalog.float8);
    RETURN QUERY
        SELECT r.* FROM @extschema@.personality_recommendations r
          JOIN @extschema@.personality_profiles p ON p.id OPERATOR(pg_catalog.=) r.personality_profile_id
         WHERE r.user_id OPERATOR(pg_catalog.=) p_user_id AND r.product_id OPERATOR(pg_catalog.=) ANY (v_ids)
         ORDER BY pg_catalog.array_position(v_ids, r.product_id);
END;
$$;

COMMENT ON FUNCTION personality_recommend(uuid, int, text, text, numeric) IS
  'Computes, stores (upsert per user, product and profile) and returns the user''s top p_limit products by combined_score: active, not yet swiped, not in a category their strong traits avoid, under p_max_price; with match, category alignment, behavioural prediction, reasons and per-trait factors. Context: discover, gift_finder or similar (22023 otherwise); p_max_price finite and not negative (22023). Users get only their own (42501); a user without a profile gets P0002. Example: SELECT product_id, combined_score, recommendation_reasons FROM personality_recommend(auth.uid(), 10, ''gift_finder'', ''birthday'', 50);';
