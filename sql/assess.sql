-- personality_assess(): the whole assessment in one call (README "The quiz").
--
-- It is SECURITY DEFINER because users cannot write personality_profiles or the
-- history directly (security.sql), so it decides itself who may assess whom:
-- a trusted caller (superuser, a role with BYPASSRLS such as Supabase's service_role,
-- or the owner of the personality tables) may assess anyone; anyone else only the user
-- id of their own token (auth.uid() / request.jwt.claims), else SQLSTATE 42501.

-- personality_score_quiz(): the answers go to Rust as text, which parses them with a
-- nesting limit (22023 past it) instead of pgrx's JsonB conversion (XX000).
CREATE FUNCTION personality_score_quiz(p_responses jsonb, p_completion_time_seconds integer DEFAULT NULL)
RETURNS jsonb
LANGUAGE sql STABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT @extschema@._personality_score_quiz(p_responses::pg_catalog.text, p_completion_time_seconds)
$$;
COMMENT ON FUNCTION personality_score_quiz(jsonb, integer) IS
  'Scores quiz answers {question_id: option value} against the active questions without writing anything: trait scores 0..100, primary_type, secondary_types (within 15 points of the top, at most 2), confidence, quality (straight-lining, answers under 3 s), questions_answered. Errors list every problem at once (22023).';
COMMENT ON FUNCTION _personality_score_quiz(text, integer) IS
  'Internal: personality_score_quiz on the answers'' text.';
COMMENT ON FUNCTION _personality_assessment(text, integer, text, text) IS
  'Internal: the fields personality_assess writes, computed from the answers and the previous profile row.';

-- The role that called us: inside a SECURITY DEFINER function current_user is the
-- owner, but the 'role' setting still says what SET ROLE chose (PostgREST sets it).
-- (PL/pgSQL rather than SQL in these two: a SQL function with SET is planned again on
-- every call, PL/pgSQL keeps its plans for the session.)
CREATE FUNCTION _personality_calling_role() RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN CASE WHEN current_setting('role') IN ('none', '') THEN session_user
                ELSE current_setting('role')::name END;
END;
$$;
COMMENT ON FUNCTION _personality_calling_role() IS
  'Internal: the role that called a SECURITY DEFINER function of the extension (the SET ROLE role, else the session user).';

CREATE FUNCTION _personality_caller_is_trusted() RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    -- once: in the WHERE clause it was called for every role
    v_role name := @extschema@._personality_calling_role();
BEGIN
    RETURN coalesce((SELECT r.rolsuper OR r.rolbypassrls
                            OR pg_catalog.pg_has_role(r.oid, c.relowner, 'USAGE')
                       FROM pg_catalog.pg_roles r, pg_catalog.pg_class c
                      WHERE r.rolname OPERATOR(pg_catalog.=) v_role
                        AND c.oid OPERATOR(pg_catalog.=) '@extschema@.personality_profiles'::pg_catalog.regclass), false);
END;
$$;
-- Raises 42501 unless the caller is trusted: maintenance functions (refreshing,
-- attaching, linking) are for service_role, the owner and superusers.
CREATE FUNCTION _personality_require_trusted(p_action text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_caller_is_trusted() THEN
        RAISE EXCEPTION 'permission denied to %', p_action
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Only service_role, the owner of the personality tables and superusers may do this.';
    END IF;
END;
$$;
COMMENT ON FUNCTION _personality_require_trusted(text) IS
  'Internal: raises 42501 unless the calling role is trusted (superuser, BYPASSRLS such as service_role, or a member of the owner of the personality tables).';

COMMENT ON FUNCTION _personality_caller_is_trusted() IS
  'Internal: true when the calling role may act for any user (superuser, BYPASSRLS such as service_role, or a member of the owner of the personality tables).';

-- Raises 42501 unless the caller may act for p_user_id.
CREATE FUNCTION _personality_authorize(p_user_id uuid, p_action text) RETURNS void
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_uid uuid;
BEGIN
    IF @extschema@._personality_caller_is_trusted() THEN
        RETURN;
    END IF;
    v_uid := @extschema@._personality_current_user_id();
    IF v_uid IS NULL THEN
        RAISE EXCEPTION 'permission denied to % for user %: no signed-in user', p_action, p_user_id
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'Sign in (auth.uid() / request.jwt.claims must carry the user id), or call as service_role.';
    ELSIF p_user_id IS DISTINCT FROM v_uid THEN
        RAISE EXCEPTION 'permission denied to % for user %', p_action, p_user_id
            USING ERRCODE = 'insufficient_privilege',
                  DETAIL = 'A user can only act for themselves; service_role can act for anyone.';
    END IF;
END;
$$;
COMMENT ON FUNCTION _personality_authorize(uuid, text) IS
  'Internal: raises 42501 unless the calling role is trusted or its signed-in user id equals p_user_id.';

CREATE FUNCTION personality_assess(
    p_user_id uuid,
    p_responses jsonb,
    p_completion_time_seconds int DEFAULT NULL,
    p_trigger text DEFAULT 'initial'
) RETURNS personality_profiles
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

    -- Locks in the one order every writer of a user's learning uses: the learning
    -- state row, then the profile row (SECURITY.md "Locks"). No advisory lock: any
    -- role can take those, and so block someone else's quiz.
    -- A state row (a placeholder when the user has none) makes a concurrent first
    -- swipe wait for this assessment instead of building its state from the old profile.
    IF EXISTS (SELECT 1 FROM @extschema@.personality_profiles WHERE user_id = p_user_id) THEN
        INSERT INTO @extschema@.personality_learning_state (user_id, state)
        VALUES (p_user_id, '{}') ON CONFLICT (user_id) DO NOTHING;
    END IF;
    PERFORM 1 FROM @extschema@.personality_learning_state WHERE user_id = p_user_id FOR NO KEY UPDATE;
    -- What swipes taught (queued swipes included) goes into the profile row first.
    PERFORM @extschema@._personality_sync_profiles(p_user_id);
    SELECT * INTO v_prev FROM @extschema@.personality_profiles WHERE user_id = p_user_id FOR NO KEY UPDATE;

    -- Validates answers and trigger (22023, nothing written) and computes every field.
    v_a := @extschema@._personality_assessment(
        p_responses::text, p_completion_time_seconds, p_trigger,
        CASE WHEN v_prev.id IS NULL THEN NULL ELSE to_jsonb(v_prev)::text END);

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

    -- The next swipe builds the state again from the new profile row.
    DELETE FROM @extschema@.personality_learning_state WHERE user_id = p_user_id;

    RETURN v_profile;
END;
$$;
COMMENT ON FUNCTION personality_assess(uuid, jsonb, int, text) IS
  'Scores a quiz ({question_id: option value}) for a user and, in one transaction, upserts their personality profile and appends an assessment history row. A retaken quiz is blended with what swipes taught (weight n/(n+20), n = informative swipes). Users may assess only themselves (42501 otherwise); service_role anyone. Triggers: initial, periodic, behavior_change, retake, manual. Example: SELECT * FROM personality_assess(auth.uid(), ''{"q01": "..."}'', 240);';
