-- personality_ext 0.3.0 -> 0.4.0 (ALTER EXTENSION personality_ext UPDATE).
-- Frozen once released: later changes go into the next upgrade script.
--
-- 0.4.0 closes the second security round (SECURITY.md, CHANGELOG): stored expressions
-- bind only to pg_catalog and the extension's objects, host row-level security on
-- products is honoured, aggregates count people, no row stops the model, the refresh
-- cannot be stalled by others, erasure is complete. Each section below is the change
-- of one area, in the order of a fresh installation's files.
\echo Use "ALTER EXTENSION personality_ext UPDATE TO '0.4.0'" to load this file. \quit


-- Erasure, KPIs (issue 20 points 6, 9). A deleted profile takes its
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
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_erase_profile() IS
  'Internal trigger function (personality_profiles_erase): deletes the queued swipes, the learning state, the recommendations and the recorded swipes of recommendations of a deleted profile.';
CREATE TRIGGER personality_profiles_erase AFTER DELETE ON personality_profiles
    FOR EACH ROW EXECUTE FUNCTION _personality_erase_profile();
COMMENT ON TRIGGER personality_profiles_erase ON personality_profiles IS
  'Right to erasure: a deleted profile takes its queued swipes, learning state, recommendations and recorded swipes with it (assessment history references the account, as in the seed, and goes with the account).';
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
            @extschema@.personality_learning_queue,
            @extschema@.personality_recommendation_swipes TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT, DELETE ON @extschema@.personality_learning_queue,
            @extschema@.personality_recommendation_swipes TO service_role;
    END IF;
END;
$$;


-- KPIs (issue 20 point 9): verified columns count only what the extension wrote;
-- the interaction columns users may set are reported_*. Swipes recorded from 0.4.0 on.
DROP VIEW personality_kpis;
CREATE VIEW personality_kpis AS
-- every operator and function with an exact match in pg_catalog (a planted public
-- operator for varchar or numeric/bigint must not bind here during an upgrade).
-- Verified columns count only what the extension wrote: rows it generated (day,
-- context and engine are columns users cannot update) and swipes the swipe trigger
-- recorded (personality_recommendation_swipes) since the row was last generated.
-- The reported_* columns count the seed's interaction columns, which each user may
-- set on their own rows.
SELECT (r.generated_at AT TIME ZONE 'UTC'::pg_catalog.text)::pg_catalog.date AS day,
       r.recommendation_context::pg_catalog.text AS context,
       r.algorithm_version::pg_catalog.text AS engine,
       pg_catalog.count(*) AS recommended,
       pg_catalog.count(w.user_id) AS swiped,
       pg_catalog.count(w.user_id) FILTER (
           WHERE w.direction OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[])) AS right_swiped,
       pg_catalog.round(
           pg_catalog.count(w.user_id) FILTER (
               WHERE w.direction OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[]))::pg_catalog.numeric
           OPERATOR(pg_catalog./) nullif(pg_catalog.count(w.user_id)::pg_catalog.numeric, 0::pg_catalog.numeric),
           4::pg_catalog.int4) AS right_swipe_rate,
       pg_catalog.count(*) FILTER (WHERE r.is_shown) AS reported_shown,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_swiped) AS reported_swiped,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_swiped
           AND r.swipe_direction::pg_catalog.text OPERATOR(pg_catalog.=) ANY (ARRAY['right', 'up']::pg_catalog.text[])) AS reported_right_swiped,
       pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_purchased) AS reported_purchased,
       pg_catalog.round(
           pg_catalog.count(*) FILTER (WHERE r.is_shown AND r.is_purchased)::pg_catalog.numeric
           OPERATOR(pg_catalog./) nullif(pg_catalog.count(*) FILTER (WHERE r.is_shown)::pg_catalog.numeric, 0::pg_catalog.numeric),
           4::pg_catalog.int4) AS reported_purchase_rate
  FROM @extschema@.personality_recommendations r
  LEFT JOIN @extschema@.personality_recommendation_swipes w
         ON w.user_id OPERATOR(pg_catalog.=) r.user_id
        AND w.product_id OPERATOR(pg_catalog.=) r.product_id
        AND w.swiped_at OPERATOR(pg_catalog.>=) r.generated_at
 GROUP BY 1, 2, 3;
COMMENT ON VIEW personality_kpis IS
  'Recommendation KPIs per day (UTC, of generated_at), context and engine (algorithm_version). Verified, from what only the extension writes: recommended (rows generated), swiped (recommendations whose swipe the swipe trigger recorded in an attached swipe table since the row was generated, personality_recommendation_swipes), right_swiped (right or up) and right_swipe_rate (of swiped; the seed''s KPI: > 75 %). Self-reported, from the interaction columns each user may update on their own rows (not evidence of anything): reported_shown, reported_swiped and reported_right_swiped (shown, then swiped), reported_purchased and reported_purchase_rate (of shown). Reads personality_recommendations with the owner''s rights: for service_role only. A recommendation row is rewritten when it is recommended again, so a day counts the latest state of each (user, product).';
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON @extschema@.personality_kpis TO service_role;
    END IF;
END;
$$;
