-- The last step of CREATE EXTENSION (pgrx `finalize`: it runs after every other part of
-- the script, so every function exists): who may run what, then linking to the host
-- application's tables. COMMENTs live next to the objects they describe, in their
-- wing's file.

-- The native top-k's comment stays here until sql/recommend_api.sql takes it (the
-- recommender is being rewritten meanwhile).
COMMENT ON FUNCTION _personality_recommend(uuid, integer, text, text, double precision) IS
  'Internal: the native top-k of personality_recommend (threshold algorithm over personality_product_vectors); upserts and returns the product ids, best first.';

-- Who may run what (SECURITY.md). Every function of the extension is revoked from
-- PUBLIC, then granted back only where it is safe or needed:
--   * readers anyone may call (pure maths, the host status, what RLS policies call);
--   * the API a signed-in user calls for themselves (each checks the caller itself);
--   * maintenance, for service_role (each also checks the caller itself).
DO $$
DECLARE
    v_search_path text := pg_catalog.current_setting('search_path'::pg_catalog.text);
    r record;
BEGIN
    -- Install-time code runs as a superuser with public on the search path: pin it
    -- to pg_catalog so that no overload planted in public can run here (issue 20).
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, 'pg_catalog, pg_temp'::pg_catalog.text, true);
    FOR r IN
        SELECT p.oid::regprocedure AS f, p.proname::text AS name
          FROM pg_catalog.pg_depend d JOIN pg_catalog.pg_proc p ON p.oid = d.objid
         WHERE d.classid = 'pg_catalog.pg_proc'::regclass AND d.deptype = 'e'
           AND d.refclassid = 'pg_catalog.pg_extension'::regclass
           AND d.refobjid = (SELECT e.oid FROM pg_catalog.pg_extension e WHERE e.extname = 'personality_ext')
    LOOP
        EXECUTE format('REVOKE ALL ON FUNCTION %s FROM PUBLIC', r.f);
        IF r.name IN ('calculate_personality_product_match', 'personality_product_traits',
                      'personality_score_quiz', '_personality_score_quiz', 'personality_host_status',
                      '_personality_host_table',
                      '_personality_current_user_id', '_personality_setting', '_personality_trusted_owner',
                      '_personality_state_slot', '_personality_trigger_arg', '_personality_time_column') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', r.f);
        ELSIF r.name IN ('personality_assess', 'personality_recommend', 'personality_sync_profile',
                         'personality_similar_products') THEN
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO authenticated', r.f);
            END IF;
            IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'anon') THEN
                -- plain Postgres: the app's own roles call it (it checks the caller)
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO PUBLIC', r.f);
            END IF;
            IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
                EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO service_role', r.f);
            END IF;
        ELSIF r.name IN ('personality_refresh_product_vectors', 'personality_attach_catalog',
                         'personality_attach_behavior', 'personality_detach_behavior',
                         'personality_link_host', 'personality_health', 'personality_slow_queries',
                         'personality_refresh_model')
              AND EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
            EXECUTE format('GRANT EXECUTE ON FUNCTION %s TO service_role', r.f);
        END IF;
    END LOOP;
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, v_search_path, true);
END;
$$;

-- Last step of CREATE EXTENSION: link to the host tables now if they are there, and
-- say clearly what is missing if they are not (README "Installing").
DO $$
DECLARE
    v_search_path text := pg_catalog.current_setting('search_path'::pg_catalog.text);
    v_missing text;
BEGIN
    -- Install-time code runs as a superuser with public on the search path: pin it
    -- to pg_catalog so that no overload planted in public can run here (issue 20).
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, 'pg_catalog, pg_temp'::pg_catalog.text, true);
    PERFORM pg_catalog.set_config('personality.installing', '', true);
    -- A products adapter someone else created before the install would be read with
    -- the owner's rights: refuse to install next to it.
    IF to_regclass('@extschema@.personality_product_features') IS NOT NULL
       AND @extschema@._personality_features_view() IS NULL THEN
        RAISE EXCEPTION 'personality_ext: @extschema@.personality_product_features already exists and is not owned by a trusted role'
            USING ERRCODE = 'duplicate_object',
                  HINT = 'Drop that view (or have a superuser create it), then CREATE EXTENSION personality_ext again.';
    END IF;
    PERFORM @extschema@._personality_link_host(true);
    SELECT string_agg(DISTINCT format('%s (%s)', host_table, status), ', ')
      INTO v_missing
      FROM @extschema@.personality_host_status()
     WHERE status <> 'linked' AND host_table NOT LIKE 'personality\_%';
    -- The seed's trigger on swipes, when the host has a swipes table.
    IF @extschema@._personality_host_table('swipes') IS NOT NULL THEN
        BEGIN
            PERFORM @extschema@._personality_attach(@extschema@._personality_host_table('swipes'), NULL, 'row');
        EXCEPTION WHEN undefined_column OR datatype_mismatch OR wrong_object_type THEN
            RAISE WARNING 'personality_ext: not learning from table swipes: %', SQLERRM
                USING HINT = 'SELECT personality_attach_behavior(''swipes'', ''<direction column>'');';
        END;
    END IF;
    -- Precomputed product vectors for the recommender, when the host has products.
    IF @extschema@._personality_host_table('products') IS NOT NULL THEN
        BEGIN
            PERFORM @extschema@._personality_attach_catalog(NULL);
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
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, v_search_path, true);
END;
$$;

COMMENT ON FUNCTION _personality_visible_products(uuid[]) IS
  'Internal: which of the given products the caller (the session''s role after SET ROLE) may SELECT in the host''s products table under its row-level security, checked with the caller''s identity; NULL when the table has no row-level security that applies to the caller. personality_recommend and personality_similar_products return and store only those.';
