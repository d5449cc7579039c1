-- personality_ext 0.1.0 -> 0.2.0 (ALTER EXTENSION personality_ext UPDATE).
-- Frozen once released: later changes go into the next upgrade script.
--
-- 0.2.0 keeps what swipes teach in the narrow table personality_learning_state and
-- rewrites personality_profiles only when a profile changes materially (CHANGELOG).
-- Nothing is migrated here: each user's learning state is built from their
-- personality_profiles row (behavior_evidence, behavior_informative,
-- behavioral_consistency, behavior_confidence) at their first swipe after the update.
\echo Use "ALTER EXTENSION personality_ext UPDATE TO '0.2.0'" to load this file. \quit

-- The learning step and the profile write-back (Rust; as pgrx declares them).
CREATE FUNCTION "_personality_learn_step"(
	"state" double precision[],
	"affinities" double precision[],
	"lookup_missing" bool,
	"direction" TEXT,
	"rate" double precision,
	"sync_points" double precision,
	"sync_swipes" bigint
) RETURNS double precision[]
IMMUTABLE PARALLEL SAFE
LANGUAGE c
AS 'MODULE_PATHNAME', '_personality_learn_step_wrapper';

CREATE FUNCTION "_personality_sync_profiles"(
	"p_user_id" uuid
) RETURNS bigint
VOLATILE PARALLEL UNSAFE
LANGUAGE c
AS 'MODULE_PATHNAME', '_personality_sync_profiles_wrapper';

-- sql/learning.sql of 0.2.0
-- What swipes taught, kept per user in a narrow table the swipe trigger updates in
-- place (README "Behaviour learning"). personality_profiles is rewritten from it when
-- the profile changes materially (personality.profile_sync_points / _swipes), and
-- by personality_sync_profile(), personality_assess() and personality_recommend().

CREATE TABLE personality_learning_state (
    user_id uuid PRIMARY KEY REFERENCES personality_profiles(user_id) ON DELETE CASCADE,
    state float8[] NOT NULL,
    learned_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);
COMMENT ON TABLE personality_learning_state IS
  'Behaviour learning per user, updated by every swipe (one row per user, no index but the key, so updates are HOT). state: [1..5] trait scores, [6] swipes, [7] informative swipes, [8] behavioral_consistency, [9] confidence, [10..14] scores, [15] confidence, [16] swipes, [17] primary (0..4) and [18] secondary types (bit mask) as last written to personality_profiles, [19] outcome of the last swipe (0 learnt, 1 profile written, 2 product traits looked up), [20] primary before that write. Read it through personality_learning. Deleting a row loses nothing written to the profile; the next swipe rebuilds it from personality_profiles.';
COMMENT ON COLUMN personality_learning_state.state IS
  'Learning state (layout in the table comment; personality_core::learning_state).';
COMMENT ON COLUMN personality_learning_state.learned_at IS
  'When the last swipe was learnt.';
SELECT pg_catalog.pg_extension_config_dump('personality_learning_state', '');

ALTER TABLE personality_learning_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY personality_learning_state_select_own ON personality_learning_state
    FOR SELECT USING (user_id = (SELECT _personality_current_user_id()));
COMMENT ON POLICY personality_learning_state_select_own ON personality_learning_state IS
  'A user reads only their own learning state. Only the swipe trigger and the extension''s functions (as the owner) write it.';

CREATE VIEW personality_learning WITH (security_invoker = true) AS
SELECT user_id,
       round(state[1]::numeric, 2) AS adventurous,
       round(state[2]::numeric, 2) AS intellectual,
       round(state[3]::numeric, 2) AS practical,
       round(state[4]::numeric, 2) AS creative,
       round(state[5]::numeric, 2) AS social,
       state[6]::bigint AS swipes,
       state[7]::bigint AS informative_swipes,
       round(state[8]::numeric, 4) AS behavioral_consistency,
       round(state[9]::numeric, 4) AS confidence,
       (state[6] - coalesce(nullif(state[16], 'NaN'), 0))::bigint AS swipes_not_in_profile,
       learned_at
  FROM personality_learning_state;
COMMENT ON VIEW personality_learning IS
  'What swipes taught each user, up to the last committed swipe: trait scores, swipe counts, consistency, confidence, and how many swipes personality_profiles does not show yet (SELECT personality_sync_profile(user_id) writes them). Row-level security of personality_learning_state applies (security_invoker).';

CREATE FUNCTION personality_sync_profile(p_user_id uuid DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
BEGIN
    IF p_user_id IS NULL THEN
        IF NOT @extschema@._personality_caller_is_trusted() THEN
            RAISE EXCEPTION 'permission denied to sync every user''s profile'
                USING ERRCODE = 'insufficient_privilege',
                      HINT = 'Pass your own user id, or call it as service_role.';
        END IF;
    ELSE
        PERFORM @extschema@._personality_authorize(p_user_id, 'sync the profile of');
    END IF;
    RETURN @extschema@._personality_sync_profiles(p_user_id);
END;
$$;
COMMENT ON FUNCTION personality_sync_profile(uuid) IS
  'Writes what swipes taught and personality_profiles does not show yet into personality_profiles (one user, or every user when NULL: service_role only). Returns the number of profiles written. The swipe trigger writes a profile itself when it changes materially (personality.profile_sync_points, personality.profile_sync_swipes); personality_assess and personality_recommend sync first.';

REVOKE EXECUTE ON FUNCTION _personality_sync_profiles(uuid) FROM PUBLIC;
COMMENT ON FUNCTION _personality_sync_profiles(uuid) IS
  'Internal: writes pending learning state into personality_profiles (NULL = every user). Use personality_sync_profile().';
COMMENT ON FUNCTION _personality_learn_step(float8[], float8[], boolean, text, float8, float8, bigint) IS
  'Internal: one swipe''s learning step on a personality_learning_state array (state, product affinities, look up missing affinities, direction, learning rate, sync points, sync swipes). Pure.';

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT SELECT ON personality_learning_state, personality_learning TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, DELETE ON personality_learning_state TO service_role;
        GRANT SELECT ON personality_learning TO service_role;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'anon') THEN
        REVOKE EXECUTE ON FUNCTION personality_sync_profile(uuid) FROM PUBLIC;
        GRANT EXECUTE ON FUNCTION personality_sync_profile(uuid) TO authenticated, service_role;
    END IF;
END;
$$;

-- personality_assess: writes pending learning first, hands the user back to the
-- profile row afterwards (sql/assess.sql of 0.2.0).
CREATE OR REPLACE FUNCTION personality_assess(
    p_user_id uuid,
    p_responses jsonb,
    p_completion_time_seconds int DEFAULT NULL,
    p_trigger text DEFAULT 'initial'
) RETURNS personality_profiles
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_prev @extschema@.personality_profiles;
    v_a jsonb;
    v_profile @extschema@.personality_profiles;
BEGIN
    IF p_user_id IS NULL THEN
        RAISE EXCEPTION 'user id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM @extschema@._personality_authorize(p_user_id, 'assess');

    -- Serialize concurrent assessments of the same user (the swipe trigger and this
    -- function also meet on the profile row lock below).
    PERFORM pg_advisory_xact_lock(hashtextextended('personality_ext:' || p_user_id::text, 0));
    -- What swipes taught goes into the profile row first (this waits for a swipe that
    -- is learning for this user); the learning state is rebuilt from the new profile
    -- row by the next swipe (it takes the same advisory lock to do so).
    PERFORM @extschema@._personality_sync_profiles(p_user_id);
    SELECT * INTO v_prev FROM @extschema@.personality_profiles WHERE user_id = p_user_id FOR UPDATE;

    -- Validates answers and trigger (22023, nothing written) and computes every field.
    v_a := @extschema@._personality_assessment(
        p_responses, p_completion_time_seconds, p_trigger,
        CASE WHEN v_prev.id IS NULL THEN NULL ELSE to_jsonb(v_prev) END);

    INSERT INTO @extschema@.personality_profiles AS p (
        user_id, primary_type, secondary_types, personality_scores, confidence_level,
        quiz_responses, assessment_method, total_questions_answered, feature_vector,
        clustering_segment, version, updated_at, last_assessment_at)
    VALUES (
        p_user_id, v_a->>'primary_type',
        ARRAY(SELECT jsonb_array_elements_text(v_a->'secondary_types')),
        v_a->'personality_scores', (v_a->>'confidence_level')::numeric,
        p_responses, v_a->>'assessment_method', (v_a->>'total_questions_answered')::int,
        v_a->'feature_vector', v_a->>'clustering_segment', '1.0', now(), now())
    ON CONFLICT (user_id) DO UPDATE SET
        primary_type = EXCLUDED.primary_type,
        secondary_types = EXCLUDED.secondary_types,
        -- a profile a concurrent swipe created meanwhile: keep what it learned
        personality_scores = EXCLUDED.personality_scores || jsonb_strip_nulls(jsonb_build_object(
            'behavior_evidence', p.personality_scores->'behavior_evidence',
            'behavior_informative', p.personality_scores->'behavior_informative',
            'behavioral_consistency', p.personality_scores->'behavioral_consistency')),
        confidence_level = EXCLUDED.confidence_level,
        quiz_responses = EXCLUDED.quiz_responses,
        assessment_method = EXCLUDED.assessment_method,
        total_questions_answered = EXCLUDED.total_questions_answered,
        feature_vector = EXCLUDED.feature_vector,
        clustering_segment = EXCLUDED.clustering_segment,
        version = EXCLUDED.version,
        updated_at = now(),
        last_assessment_at = now()
    RETURNING * INTO v_profile;

    INSERT INTO @extschema@.personality_assessment_history (
        user_id, assessment_data, personality_scores, primary_type, assessment_trigger,
        questions_answered, completion_time_seconds, assessment_quality_score,
        user_swipes_count, behavioral_consistency)
    VALUES (
        p_user_id,
        jsonb_build_object('responses', p_responses, 'result', v_a->'quiz',
                           'assessment_method', v_a->>'assessment_method'),
        v_a->'personality_scores', v_a->>'primary_type', v_a->>'assessment_trigger',
        (v_a->>'total_questions_answered')::int, p_completion_time_seconds,
        (v_a->>'assessment_quality_score')::numeric,
        coalesce((v_a->>'user_swipes_count')::int, 0),
        (v_a->>'behavioral_consistency')::numeric);

    DELETE FROM @extschema@.personality_learning_state WHERE user_id = p_user_id;

    RETURN v_profile;
END;
$$;

-- personality_recommend: ranks with pending learning written (sql/recommend_api.sql of 0.2.0).
CREATE OR REPLACE FUNCTION personality_recommend(
    p_user_id uuid,
    p_limit int DEFAULT 20,
    p_context text DEFAULT 'discover',
    p_occasion text DEFAULT NULL,
    p_max_price numeric DEFAULT NULL
) RETURNS SETOF personality_recommendations
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
DECLARE
    v_ids uuid[];
BEGIN
    IF p_user_id IS NULL THEN
        RAISE EXCEPTION 'user id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    PERFORM @extschema@._personality_authorize(p_user_id, 'get recommendations');
    IF pg_is_in_recovery() THEN
        RAISE EXCEPTION 'personality_recommend cannot run on a read-only standby: it stores the recommendations it computes'
            USING ERRCODE = 'read_only_sql_transaction',
                  HINT = 'Call it on the primary, or read the stored rows here: SELECT * FROM personality_recommendations WHERE user_id = ... ORDER BY combined_score DESC;';
    END IF;
    IF p_context IS NULL OR p_context NOT IN ('discover', 'gift_finder', 'similar') THEN
        RAISE EXCEPTION 'invalid recommendation context: %', coalesce(quote_literal(p_context), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use one of: discover, gift_finder, similar.';
    END IF;
    IF p_limit IS NULL OR p_limit < 1 OR p_limit > 1000 THEN
        RAISE EXCEPTION 'recommendation limit must be between 1 and 1000, got %', coalesce(p_limit::text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_max_price IS NOT NULL AND p_max_price < 0 THEN
        RAISE EXCEPTION 'maximum price must not be negative, got %', p_max_price
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM @extschema@.personality_profiles WHERE user_id = p_user_id) THEN
        RAISE EXCEPTION 'user % has no personality profile', p_user_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'Take the quiz first: SELECT * FROM personality_assess(user_id, answers);';
    END IF;
    -- Rank with everything the user's swipes taught so far.
    PERFORM @extschema@._personality_sync_profiles(p_user_id);
    -- Products created after the extension: start maintaining their vectors now.
    IF to_regclass('@extschema@.personality_product_features') IS NULL
       OR NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'personality_products_vectors_ins') THEN
        PERFORM @extschema@._personality_link_host(false);
        IF @extschema@._personality_host_table('products') IS NOT NULL THEN
            PERFORM @extschema@.personality_attach_catalog();
        END IF;
    END IF;
    v_ids := @extschema@._personality_recommend(p_user_id, p_limit, p_context, p_occasion, p_max_price::float8);
    RETURN QUERY
        SELECT r.* FROM @extschema@.personality_recommendations r
          JOIN @extschema@.personality_profiles p ON p.id = r.personality_profile_id
         WHERE r.user_id = p_user_id AND r.product_id = ANY (v_ids)
         ORDER BY array_position(v_ids, r.product_id);
END;
$$;

-- Statement-level learning for bulk loads (sql/behavior.sql of 0.2.0): the trigger
-- function (Rust; as pgrx declares it), attaching per statement, the level in
-- personality_swipe_tables.
CREATE FUNCTION "update_personality_from_behavior_bulk"()
	RETURNS TRIGGER
	LANGUAGE c
	AS 'MODULE_PATHNAME', 'update_personality_from_behavior_bulk_wrapper';
REVOKE EXECUTE ON FUNCTION update_personality_from_behavior_bulk() FROM PUBLIC;
ALTER FUNCTION update_personality_from_behavior_bulk() SECURITY DEFINER;
COMMENT ON FUNCTION update_personality_from_behavior_bulk() IS
  'Statement-level trigger function: the learning of update_personality_from_behavior() for every row of an INSERT (transition table personality_new_swipes), computed with a few set-based statements: the same learning states, profiles, history rows and recommendation marks as row by row. Faster for bulk loads. Attach with personality_attach_behavior(table, column, ''statement'').';

CREATE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
SET client_min_messages = warning  -- no "trigger does not exist, skipping"
AS $$
DECLARE
    v_col name := p_direction_column;
    v_missing text[];
BEGIN
    IF NOT @extschema@._personality_caller_is_trusted()
       AND NOT pg_has_role(@extschema@._personality_calling_role(),
                           (SELECT relowner FROM pg_class WHERE oid = p_table), 'USAGE') THEN
        RAISE EXCEPTION 'permission denied to attach personality learning to %', p_table
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only the owner of the table (or a superuser) can attach it.';
    END IF;
    SELECT array_agg(c ORDER BY c) INTO v_missing
      FROM unnest(ARRAY['user_id', 'product_id']) c
     WHERE NOT EXISTS (SELECT 1 FROM pg_attribute
                        WHERE attrelid = p_table AND attname = c AND NOT attisdropped AND attnum > 0);
    IF v_missing IS NOT NULL THEN
        RAISE EXCEPTION 'table % has no column %', p_table, array_to_string(v_missing, ' or ')
            USING ERRCODE = 'undefined_column',
                  DETAIL = 'A swipe table needs user_id uuid, product_id uuid and a direction column.',
                  HINT = 'Swipe tables need the columns user_id and product_id (uuid); rename them in your table.';
    END IF;
    IF v_col IS NULL THEN
        SELECT attname INTO v_col FROM pg_attribute
         WHERE attrelid = p_table AND attname IN ('direction', 'swipe_direction') AND NOT attisdropped
         ORDER BY attname = 'direction' DESC LIMIT 1;
        IF v_col IS NULL THEN
            RAISE EXCEPTION 'table % has no column direction or swipe_direction', p_table
                USING ERRCODE = 'undefined_column',
                      HINT = 'Name the direction column: SELECT personality_attach_behavior(''my_swipes'', ''my_column'');';
        END IF;
    ELSIF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = p_table AND attname = v_col AND NOT attisdropped AND attnum > 0) THEN
        RAISE EXCEPTION 'table % has no column %', p_table, v_col USING ERRCODE = 'undefined_column';
    END IF;
    IF p_for_each IS NULL OR p_for_each NOT IN ('row', 'statement') THEN
        RAISE EXCEPTION 'invalid trigger level: %', coalesce(quote_literal(p_for_each), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''row'' (every swipe on its own: the default) or ''statement'' (set-based, for bulk loads).';
    END IF;
    IF p_for_each = 'statement' AND EXISTS (
            SELECT 1 FROM pg_attribute WHERE attrelid = p_table AND attname IN ('user_id', 'product_id')
               AND NOT attisdropped AND atttypid <> 'uuid'::regtype) THEN
        RAISE EXCEPTION 'table %: user_id and product_id must be uuid for statement-level learning', p_table
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS update_personality_from_swipes ON %s', p_table);
    IF p_for_each = 'row' THEN
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION @extschema@.update_personality_from_behavior(%L)',
                       p_table, v_col);
    ELSE
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'REFERENCING NEW TABLE AS personality_new_swipes '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.update_personality_from_behavior_bulk(%L)',
                       p_table, v_col);
    END IF;
    EXECUTE format('COMMENT ON TRIGGER update_personality_from_swipes ON %s IS %L', p_table,
                   'personality_ext: every inserted swipe teaches the user''s personality profile (direction column '
                   || v_col || CASE WHEN p_for_each = 'statement' THEN ', learnt per statement' ELSE '' END || ').');
    -- The trigger belongs to the host's table but dies with the extension.
    PERFORM @extschema@._personality_adopt_triggers();
    RETURN format('attached to %s (direction column %s%s)', p_table, v_col,
                  CASE WHEN p_for_each = 'statement' THEN ', per statement' ELSE '' END);
END;
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name, text) IS
  'Attaches behaviour learning to a swipe table as trigger update_personality_from_swipes AFTER INSERT, FOR EACH ROW (p_for_each ''row'') or FOR EACH STATEMENT with a transition table (''statement'': the same learning, set-based, faster for bulk loads, slower for single-row inserts). 42703 names a missing column; 22023 for another level; 42804 when user_id/product_id are not uuid (statement level). Example: SELECT personality_attach_behavior(''swipes'', ''direction'', ''statement'');';

CREATE OR REPLACE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name DEFAULT NULL)
RETURNS text
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog
AS $$
    SELECT @extschema@.personality_attach_behavior(p_table, p_direction_column, 'row')
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name) IS
  'Attaches behaviour learning (trigger update_personality_from_swipes AFTER INSERT FOR EACH ROW) to a swipe table with user_id, product_id and a direction column (direction or swipe_direction unless named). 42703 names a missing column. Example: SELECT personality_attach_behavior(''swipe_interactions''); For bulk loads see personality_attach_behavior(table, column, ''statement'').';

CREATE OR REPLACE VIEW personality_swipe_tables AS
SELECT t.tgrelid::regclass AS swipe_table,
       convert_from(substring(t.tgargs from 1 for greatest(length(t.tgargs) - 1, 0)), 'UTF8')::name AS direction_column,
       t.tgenabled <> 'D' AS enabled,
       CASE WHEN t.tgtype & 1 = 1 THEN 'row' ELSE 'statement' END AS for_each
  FROM pg_trigger t
 WHERE t.tgname = 'update_personality_from_swipes'
   AND t.tgfoid IN ('update_personality_from_behavior()'::regprocedure,
                    'update_personality_from_behavior_bulk()'::regprocedure);
COMMENT ON VIEW personality_swipe_tables IS
  'The swipe tables behaviour learning is attached to, with their direction column and trigger level (row, or statement for bulk loads).';

-- Two helpers of the permission checks become PL/pgSQL (plans kept for the session; a
-- SQL function with SET is planned on every call): sql/assess.sql of 0.2.0.
CREATE OR REPLACE FUNCTION _personality_calling_role() RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog
AS $$
BEGIN
    RETURN CASE WHEN current_setting('role') IN ('none', '') THEN session_user
                ELSE current_setting('role')::name END;
END;
$$;
CREATE OR REPLACE FUNCTION _personality_caller_is_trusted() RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog
AS $$
BEGIN
    RETURN coalesce((SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(r.oid, c.relowner, 'USAGE')
                       FROM pg_roles r, pg_class c
                      WHERE r.rolname = @extschema@._personality_calling_role()
                        AND c.oid = '@extschema@.personality_profiles'::regclass), false);
END;
$$;
