-- personality_ext 0.3.0 -> 0.4.0 (ALTER EXTENSION personality_ext UPDATE).
-- Frozen once released: later changes go into the next upgrade script.
--
-- 0.4.0 closes the second security round (SECURITY.md, CHANGELOG): stored expressions
-- bind only to pg_catalog and the extension's objects, host row-level security on
-- products is honoured, aggregates count people, no row stops the model, the refresh
-- cannot be stalled by others, erasure is complete. Each section below is the change
-- of one area, in the order of a fresh installation's files.
\echo Use "ALTER EXTENSION personality_ext UPDATE TO '0.4.0'" to load this file. \quit


-- Erasure, KPIs (issue 20 points 6, 9): erasure. A deleted profile takes its
-- queued swipes, learning state and recommendations with it (trigger
-- personality_profiles_erase; so does the account, whose deletion cascades to the
-- profile), queued swipes carry the profile they were made under (never learnt into a
-- new profile), and a user may delete their own learning state and queue, as
-- SECURITY.md says.
ALTER TABLE personality_learning_queue ADD COLUMN personality_profile_id uuid;
COMMENT ON COLUMN personality_learning_queue.personality_profile_id IS
  'The personality_profiles.id the swipe was queued under (NULL: the user had no profile then). A swipe queued under a profile deleted since is dropped, not learnt into the user''s new profile.';
COMMENT ON TABLE personality_learning_queue IS
  'Swipes not learnt yet because the user''s learning state was locked by another transaction (or learning failed); applied in order by the user''s next swipe, personality_sync_profile(), personality_recommend() and personality_assess(). Erased with the user''s profile, and so with their account (trigger personality_profiles_erase).';
COMMENT ON POLICY personality_learning_state_select_own ON personality_learning_state IS
  'A user reads only their own learning state. Only the swipe trigger and the extension''s functions (as the owner) write it; the user may delete it (personality_learning_state_delete_own).';
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
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_erase_profile() IS
  'Internal trigger function (personality_profiles_erase): deletes the queued swipes, the learning state, and the recommendations of a deleted profile.';
CREATE TRIGGER personality_profiles_erase AFTER DELETE ON personality_profiles
    FOR EACH ROW EXECUTE FUNCTION _personality_erase_profile();
COMMENT ON TRIGGER personality_profiles_erase ON personality_profiles IS
  'Right to erasure: a deleted profile takes its queued swipes, learning state and recommendations with it (assessment history references the account, as in the seed, and goes with the account).';
REVOKE ALL ON FUNCTION _personality_erase_profile() FROM PUBLIC;

-- Queued swipes of profiles (or accounts) deleted before 0.4.0 are erased now.
DELETE FROM personality_learning_queue q
 WHERE NOT EXISTS (SELECT 1 FROM personality_profiles pp
                    WHERE pp.user_id OPERATOR(pg_catalog.=) q.user_id);
UPDATE personality_learning_queue q SET personality_profile_id = pp.id
  FROM personality_profiles pp WHERE pp.user_id OPERATOR(pg_catalog.=) q.user_id;

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'authenticated') THEN
        GRANT SELECT, DELETE ON @extschema@.personality_learning_state,
            @extschema@.personality_learning_queue TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, DELETE ON @extschema@.personality_learning_queue TO service_role;
    END IF;
END;
$$;

