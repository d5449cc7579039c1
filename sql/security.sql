-- Row-level security and grants (README "Security").
--
-- Who is calling: auth.uid() where Supabase's auth schema provides it, otherwise the
-- same value read from the PostgREST settings request.jwt.claims (->>'sub') or the
-- older request.jwt.claim.sub. The policies are the same on Supabase and on plain
-- Postgres; on plain Postgres, grant your app role privileges and set
-- request.jwt.claims (or use a role with BYPASSRLS / the owner for trusted jobs).
-- Rust (src/guc.rs), called by the function below.
COMMENT ON FUNCTION _personality_trusted_owner(oid) IS
  'Internal: true when objects owned by this role may run inside the extension''s privileged code (a superuser, or a role in personality.trusted_roles).';

CREATE FUNCTION _personality_current_user_id() RETURNS uuid
LANGUAGE plpgsql STABLE PARALLEL RESTRICTED
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v text;
    v_owner oid;
BEGIN
    -- auth.uid() is called only when a trusted role owns it (a superuser, or a role in
    -- personality.trusted_roles): whoever may create a schema named auth could plant
    -- one that names any user, and this also runs inside owner-privileged code.
    SELECT p.proowner INTO v_owner
      FROM pg_catalog.pg_proc p JOIN pg_catalog.pg_namespace n ON n.oid = p.pronamespace
     WHERE n.nspname = 'auth' AND p.proname = 'uid' AND p.pronargs = 0;
    IF v_owner IS NOT NULL AND @extschema@._personality_trusted_owner(v_owner) THEN
        BEGIN
            EXECUTE 'SELECT auth.uid()::pg_catalog.text' INTO v;
        EXCEPTION WHEN OTHERS THEN
            v := NULL;  -- a malformed token identifies nobody
        END;
    ELSE
        v := nullif(pg_catalog.current_setting('request.jwt.claim.sub', true), '');
        IF v IS NULL THEN
            BEGIN
                v := nullif(pg_catalog.current_setting('request.jwt.claims', true), '')::pg_catalog.jsonb
                     OPERATOR(pg_catalog.->>) 'sub';
            EXCEPTION WHEN OTHERS THEN
                v := NULL;
            END;
        END IF;
    END IF;
    IF v OPERATOR(pg_catalog.~*) '^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$' THEN
        RETURN v::pg_catalog.uuid;
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_current_user_id() IS
  'The calling user''s id for row-level security: auth.uid() when it exists and a trusted role owns it (a superuser or one named in personality.trusted_roles), else request.jwt.claims->>''sub'' or request.jwt.claim.sub; NULL when there is none or it is not a uuid.';

ALTER TABLE personality_profiles ENABLE ROW LEVEL SECURITY;
ALTER TABLE personality_gift_mappings ENABLE ROW LEVEL SECURITY;
ALTER TABLE personality_assessment_history ENABLE ROW LEVEL SECURITY;
ALTER TABLE personality_recommendations ENABLE ROW LEVEL SECURITY;

-- (SELECT ...) makes the planner evaluate the user id once per statement, not per row.
CREATE POLICY personality_profiles_select_own ON personality_profiles
    FOR SELECT USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
CREATE POLICY personality_profiles_delete_own ON personality_profiles
    FOR DELETE USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_profiles_select_own ON personality_profiles IS
  'A user reads only their own profile.';
COMMENT ON POLICY personality_profiles_delete_own ON personality_profiles IS
  'A user may delete their own profile (right to erasure). Users do not insert or update profiles directly.';

CREATE POLICY personality_assessment_history_select_own ON personality_assessment_history
    FOR SELECT USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
CREATE POLICY personality_assessment_history_delete_own ON personality_assessment_history
    FOR DELETE USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_assessment_history_select_own ON personality_assessment_history IS
  'A user reads only their own assessment history.';
COMMENT ON POLICY personality_assessment_history_delete_own ON personality_assessment_history IS
  'A user may delete their own assessment history (right to erasure).';

CREATE POLICY personality_recommendations_select_own ON personality_recommendations
    FOR SELECT USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
CREATE POLICY personality_recommendations_update_own ON personality_recommendations
    FOR UPDATE USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()))
    WITH CHECK (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_recommendations_select_own ON personality_recommendations IS
  'A user reads only their own recommendations.';
COMMENT ON POLICY personality_recommendations_update_own ON personality_recommendations IS
  'A user may update their own recommendations; column grants limit this to the interaction columns (is_shown, shown_at, is_swiped, swipe_direction, interacted_at, is_purchased).';

CREATE POLICY personality_gift_mappings_select_all ON personality_gift_mappings
    FOR SELECT USING (true);
COMMENT ON POLICY personality_gift_mappings_select_all ON personality_gift_mappings IS
  'Gift mappings are public reference data. There is no write policy: only the owner and roles with BYPASSRLS (service_role) write them.';

-- Supabase's API roles, where they exist. The install must not fail where they don't.
DO $$
DECLARE
    v_search_path text := pg_catalog.current_setting('search_path'::pg_catalog.text);
BEGIN
    -- Install-time code runs as a superuser with public on the search path: pin it
    -- to pg_catalog so that no overload planted in public can run here (issue 20).
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, 'pg_catalog, pg_temp'::pg_catalog.text, true);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        GRANT SELECT ON @extschema@.personality_gift_mappings TO anon;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT SELECT ON @extschema@.personality_gift_mappings TO authenticated;
        GRANT SELECT, DELETE ON @extschema@.personality_profiles, @extschema@.personality_assessment_history TO authenticated;
        GRANT SELECT ON @extschema@.personality_recommendations TO authenticated;
        GRANT UPDATE (is_shown, shown_at, is_swiped, swipe_direction, interacted_at, is_purchased)
            ON @extschema@.personality_recommendations TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, INSERT, UPDATE, DELETE ON @extschema@.personality_profiles, @extschema@.personality_gift_mappings,
            @extschema@.personality_assessment_history, @extschema@.personality_recommendations TO service_role;
    END IF;
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, v_search_path, true);
END;
$$;
