-- What swipes taught, kept per user in a narrow table the swipe trigger updates in
-- place (README "Behaviour learning"). personality_profiles is rewritten from it when
-- the profile changes materially (personality.profile_sync_points / _swipes), and
-- by personality_sync_profile(), personality_assess() and personality_recommend().

CREATE TABLE personality_learning_state (
    -- references personality_profiles(user_id) ON DELETE CASCADE, added with the
    -- host links (host_link.sql) so that pg_restore -j may load rows in any order
    user_id uuid PRIMARY KEY,
    state float8[] NOT NULL,
    learned_at timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 50);
COMMENT ON TABLE personality_learning_state IS
  'Behaviour learning per user, updated by every swipe (one row per user, no index but the key, so updates are HOT). state: trait scores, swipes, informative swipes, behavioral_consistency and confidence; the scores, confidence, swipes, primary (0..4) and secondary types (bit mask) as last written to personality_profiles; the outcome of the last swipe (0 learnt, 1 profile written, 2 product traits looked up) the primary before that write; likes and dislikes (informative swipes, the like rate each swipe is centred on; absent in rows written by 0.2.0, read as 0). Index it by name: state[_personality_state_slot(''evidence'')] (layout: personality_core::learning_state). Read it through personality_learning. Deleting a row loses nothing written to the profile; the next swipe rebuilds it from personality_profiles.';
COMMENT ON COLUMN personality_learning_state.state IS
  'Learning state (layout in the table comment; personality_core::learning_state).';
COMMENT ON COLUMN personality_learning_state.learned_at IS
  'When the last swipe was learnt.';
SELECT pg_catalog.pg_extension_config_dump('personality_learning_state', '');

ALTER TABLE personality_learning_state ENABLE ROW LEVEL SECURITY;
CREATE POLICY personality_learning_state_select_own ON personality_learning_state
    FOR SELECT USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_learning_state_select_own ON personality_learning_state IS
  'A user reads only their own learning state. Only the swipe trigger and the extension''s functions (as the owner) write it; the user may delete it (personality_learning_state_delete_own).';

-- Swipes the trigger could not learn from at once: the user's learning state was
-- locked by another transaction (the trigger never waits for it: waiting is how two
-- transactions that swipe for the same users in opposite orders deadlock), or
-- learning failed. Insert-only for the trigger; applied, in order, by the next
-- swipe of the user, personality_sync_profile(), personality_recommend() and
-- personality_assess(). Nothing is dropped.
CREATE TABLE personality_learning_queue (
    -- no foreign key: the queue takes a swipe whatever the host knows of its user (a
    -- failing insert would lose the learning of a whole statement); it is erased with
    -- the user's profile by the trigger personality_profiles_erase, and so with the
    -- account, whose deletion cascades to the profile
    user_id uuid NOT NULL,
    product_id uuid,
    direction text,
    queued_at timestamptz NOT NULL DEFAULT clock_timestamp(),
    -- the profile the swipe was made under (NULL: the user had none): a swipe queued
    -- under a profile that was deleted since is dropped, never learnt into a new one
    personality_profile_id uuid
);
CREATE INDEX personality_learning_queue_user ON personality_learning_queue (user_id, queued_at);
COMMENT ON TABLE personality_learning_queue IS
  'Swipes not learnt yet because the user''s learning state was locked by another transaction (or learning failed); applied in order by the user''s next swipe, personality_sync_profile(), personality_recommend() and personality_assess(). Erased with the user''s profile, and so with their account (trigger personality_profiles_erase).';
COMMENT ON COLUMN personality_learning_queue.personality_profile_id IS
  'The personality_profiles.id the swipe was queued under (NULL: the user had no profile then). A swipe queued under a profile deleted since is dropped, not learnt into the user''s new profile.';
SELECT pg_catalog.pg_extension_config_dump('personality_learning_queue', '');
ALTER TABLE personality_learning_queue ENABLE ROW LEVEL SECURITY;
CREATE POLICY personality_learning_queue_select_own ON personality_learning_queue
    FOR SELECT USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_learning_queue_select_own ON personality_learning_queue IS
  'A user sees only their own queued swipes. Only the extension writes the queue; the user may delete from it (personality_learning_queue_delete_own).';
CREATE POLICY personality_learning_queue_delete_own ON personality_learning_queue
    FOR DELETE USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_learning_queue_delete_own ON personality_learning_queue IS
  'A user may delete their own queued swipes (right to erasure): they are then never learnt.';
CREATE POLICY personality_learning_state_delete_own ON personality_learning_state
    FOR DELETE USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_learning_state_delete_own ON personality_learning_state IS
  'A user may delete their own learning state (right to erasure). What was already written to their profile stays there (delete the profile to erase it); the next swipe starts a new state from the profile.';

-- Swipes of recommended products as the swipe trigger recorded them (issue 20 point 9):
-- the one record of interactions that users cannot write. personality_recommendations'
-- interaction columns are the seed's and users may update them (self-reported);
-- personality_kpis counts swipes from here.
CREATE TABLE personality_recommendation_swipes (
    user_id uuid NOT NULL,
    product_id uuid NOT NULL,
    direction text,
    swiped_at timestamptz NOT NULL DEFAULT pg_catalog.now(),
    PRIMARY KEY (user_id, product_id)
);
COMMENT ON TABLE personality_recommendation_swipes IS
  'The last swipe of each recommended product (user, product) that the swipe trigger recorded in an attached swipe table: direction as learnt (right, up, left, down, or NULL when not one of those) and when. Written only by the extension (users cannot forge it, unlike the interaction columns of personality_recommendations); personality_kpis counts its swipes as verified. Erased with the user''s profile (trigger personality_profiles_erase).';
COMMENT ON COLUMN personality_recommendation_swipes.direction IS
  'The swipe''s direction as the extension learnt it: right, up, left, down, or NULL (anything else).';
COMMENT ON COLUMN personality_recommendation_swipes.swiped_at IS
  'When the swipe was recorded (the time of the swiping transaction).';
SELECT pg_catalog.pg_extension_config_dump('personality_recommendation_swipes', '');
ALTER TABLE personality_recommendation_swipes ENABLE ROW LEVEL SECURITY;
CREATE POLICY personality_recommendation_swipes_select_own ON personality_recommendation_swipes
    FOR SELECT USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_recommendation_swipes_select_own ON personality_recommendation_swipes IS
  'A user reads only their own recorded swipes. Only the swipe trigger writes them.';
CREATE POLICY personality_recommendation_swipes_delete_own ON personality_recommendation_swipes
    FOR DELETE USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
COMMENT ON POLICY personality_recommendation_swipes_delete_own ON personality_recommendation_swipes IS
  'A user may delete their own recorded swipes (right to erasure).';

-- Erasure (SECURITY.md "Erasure"): deleting a profile, by the user, by service_role or
-- by the cascade from the host's profiles row, deletes what the extension learnt
-- about that user. The foreign keys do the same for the learning state and the
-- recommendations once the host links are added; this trigger also covers the queue
-- (which has no foreign key) and an install not linked yet.
CREATE FUNCTION _personality_erase_profile() RETURNS trigger
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID OPERATOR(pg_catalog.<>) '@extschema@.personality_profiles'::pg_catalog.regclass
       OR TG_OP OPERATOR(pg_catalog.<>) 'DELETE' THEN
        RETURN NULL;
    END IF;
    DELETE FROM @extschema@.personality_learning_queue q
     WHERE q.user_id OPERATOR(pg_catalog.=) OLD.user_id;
    DELETE FROM @extschema@.personality_learning_state s
     WHERE s.user_id OPERATOR(pg_catalog.=) OLD.user_id;
    DELETE FROM @extschema@.personality_recommendations r
     WHERE r.user_id OPERATOR(pg_catalog.=) OLD.user_id
       AND r.personality_profile_id OPERATOR(pg_catalog.=) OLD.id;
    DELETE FROM @extschema@.personality_recommendation_swipes w
     WHERE w.user_id OPERATOR(pg_catalog.=) OLD.user_id;
    -- their opinions as the model keeps them (the swipe tables are the host's)
    DELETE FROM @extschema@.personality_model_people m
     WHERE m.user_id OPERATOR(pg_catalog.=) OLD.user_id;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_erase_profile() IS
  'Internal trigger function (personality_profiles_erase): deletes the queued swipes, the learning state, the recommendations, the recorded swipes of recommendations and the model''s copy of the opinions (personality_model_people) of a deleted profile.';
CREATE TRIGGER personality_profiles_erase AFTER DELETE ON personality_profiles
    FOR EACH ROW EXECUTE FUNCTION _personality_erase_profile();
COMMENT ON TRIGGER personality_profiles_erase ON personality_profiles IS
  'Right to erasure: a deleted profile takes its queued swipes, learning state, recommendations, recorded swipes and the model''s copy of its opinions with it (assessment history references the account, as in the seed, and goes with the account).';

-- Every function and operator here is pg_catalog's or the extension's, named by schema
-- (a public overload planted before CREATE EXTENSION must not bind).
CREATE VIEW personality_learning WITH (security_invoker = true) AS
SELECT s.user_id,
       pg_catalog.round(s.state[@extschema@._personality_state_slot('adventurous'::pg_catalog.text)]::pg_catalog.numeric, 2) AS adventurous,
       pg_catalog.round(s.state[@extschema@._personality_state_slot('intellectual'::pg_catalog.text)]::pg_catalog.numeric, 2) AS intellectual,
       pg_catalog.round(s.state[@extschema@._personality_state_slot('practical'::pg_catalog.text)]::pg_catalog.numeric, 2) AS practical,
       pg_catalog.round(s.state[@extschema@._personality_state_slot('creative'::pg_catalog.text)]::pg_catalog.numeric, 2) AS creative,
       pg_catalog.round(s.state[@extschema@._personality_state_slot('social'::pg_catalog.text)]::pg_catalog.numeric, 2) AS social,
       s.state[@extschema@._personality_state_slot('evidence'::pg_catalog.text)]::pg_catalog.int8 AS swipes,
       s.state[@extschema@._personality_state_slot('informative'::pg_catalog.text)]::pg_catalog.int8 AS informative_swipes,
       pg_catalog.round(s.state[@extschema@._personality_state_slot('consistency'::pg_catalog.text)]::pg_catalog.numeric, 4) AS behavioral_consistency,
       pg_catalog.round(s.state[@extschema@._personality_state_slot('confidence'::pg_catalog.text)]::pg_catalog.numeric, 4) AS confidence,
       (s.state[@extschema@._personality_state_slot('evidence'::pg_catalog.text)]
        OPERATOR(pg_catalog.-) COALESCE(NULLIF(s.state[@extschema@._personality_state_slot('synced_evidence'::pg_catalog.text)], 'NaN'::pg_catalog.float8),
                                        0::pg_catalog.float8))::pg_catalog.int8 AS swipes_not_in_profile,
       s.learned_at,
       (SELECT pg_catalog.count(*) FROM @extschema@.personality_learning_queue q
         WHERE q.user_id OPERATOR(pg_catalog.=) s.user_id) AS queued_swipes
  FROM @extschema@.personality_learning_state s;
COMMENT ON VIEW personality_learning IS
  'What swipes taught each user, up to the last committed swipe: trait scores, swipe counts, consistency, confidence, and how many swipes personality_profiles does not show yet (SELECT personality_sync_profile(user_id) writes them), and queued_swipes: swipes not learnt yet (applied at the next swipe or sync). Row-level security of personality_learning_state applies (security_invoker).';

CREATE FUNCTION personality_sync_profile(p_user_id uuid DEFAULT NULL) RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
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

COMMENT ON FUNCTION _personality_sync_profiles(uuid) IS
  'Internal: applies queued swipes and writes pending learning state into personality_profiles (NULL = every user). Use personality_sync_profile().';
COMMENT ON FUNCTION _personality_state_slot(text) IS
  'Internal: the 1-based index of a named slot of personality_learning_state.state (adventurous .. social, evidence, informative, consistency, confidence, synced_scores, synced_confidence, synced_evidence, synced_primary, synced_secondary, outcome, previous_primary; layout: personality_core::learning_state). Immutable: folded into a plan once. 22023 for an unknown name.';
COMMENT ON FUNCTION _personality_learn_step(float8[], float8[], boolean, text, float8, float8, bigint) IS
  'Internal: one swipe''s learning step on a personality_learning_state array (state, product affinities, look up missing affinities, direction, learning rate, sync points, sync swipes). Pure.';

DO $$
DECLARE
    v_search_path text := pg_catalog.current_setting('search_path'::pg_catalog.text);
BEGIN
    -- Install-time code runs as a superuser with public on the search path: pin it
    -- to pg_catalog so that no overload planted in public can run here (issue 20).
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, 'pg_catalog, pg_temp'::pg_catalog.text, true);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'authenticated') THEN
        GRANT SELECT ON @extschema@.personality_learning TO authenticated;
        GRANT SELECT, DELETE ON @extschema@.personality_learning_state, @extschema@.personality_learning_queue,
            @extschema@.personality_recommendation_swipes TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, DELETE ON @extschema@.personality_learning_state TO service_role;
        GRANT SELECT, DELETE ON @extschema@.personality_learning_queue, @extschema@.personality_recommendation_swipes TO service_role;
        GRANT SELECT ON @extschema@.personality_learning TO service_role;
    END IF;
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, v_search_path, true);
END;
$$;
