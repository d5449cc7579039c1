-- personality_ext 0.3.0 -> 0.4.0 (ALTER EXTENSION personality_ext UPDATE).
-- Frozen once released: later changes go into the next upgrade script.
--
-- 0.4.0 closes the second security round (SECURITY.md, CHANGELOG): stored expressions
-- bind only to pg_catalog and the extension's objects, host row-level security on
-- products is honoured, aggregates count people, no row stops the model, the refresh
-- cannot be stalled by others, erasure is complete. Each section below is the change
-- of one area, in the order of a fresh installation's files.
\echo Use "ALTER EXTENSION personality_ext UPDATE TO '0.4.0'" to load this file. \quit

-- Stored expressions bind only to pg_catalog and the extension (issue 20 point 1).
-- An installed 0.3.0 may have bound its views to overloads planted in public before
-- CREATE EXTENSION (public.convert_from(bytea, text), public.*(numeric, integer), ...):
-- every view, policy and CHECK with an expression is defined again, each function and
-- operator named by schema, so that nothing stays bound to a planted object. The views
-- are dropped and created (a rebound column may change its collation), then granted
-- as a fresh installation grants them.
DROP VIEW personality_table_stats, personality_connection_usage, personality_swipe_tables, personality_learning;
CREATE VIEW personality_swipe_tables AS
SELECT t.tgrelid::pg_catalog.regclass AS swipe_table,
       pg_catalog.convert_from(
           pg_catalog.substring(t.tgargs, 1,
                                GREATEST(pg_catalog.length(t.tgargs) OPERATOR(pg_catalog.-) 1, 0)),
           pg_catalog.getdatabaseencoding())::pg_catalog.name AS direction_column,
       t.tgenabled OPERATOR(pg_catalog.<>) 'D'::pg_catalog."char" AS enabled,
       CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 1) OPERATOR(pg_catalog.=) 1
            THEN 'row'::pg_catalog.text ELSE 'statement'::pg_catalog.text END AS for_each
  FROM pg_catalog.pg_trigger t
 WHERE t.tgname OPERATOR(pg_catalog.=) 'update_personality_from_swipes'::pg_catalog.name
   AND t.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.update_personality_from_behavior()'::pg_catalog.regprocedure,
                                                  '@extschema@.update_personality_from_behavior_bulk()'::pg_catalog.regprocedure]::pg_catalog.oid[]);
COMMENT ON VIEW personality_swipe_tables IS
  'The swipe tables behaviour learning is attached to, with their direction column and trigger level (row, or statement for bulk loads).';

CREATE VIEW personality_table_stats AS
SELECT s.schemaname::pg_catalog.text AS schemaname,
       s.relname::pg_catalog.text AS tablename,
       s.n_tup_ins AS inserts,
       s.n_tup_upd AS updates,
       s.n_tup_del AS deletes,
       s.n_live_tup AS live_rows,
       s.n_dead_tup AS dead_rows,
       pg_catalog.round(s.n_dead_tup::pg_catalog.numeric
                        OPERATOR(pg_catalog./) NULLIF((s.n_live_tup OPERATOR(pg_catalog.+) s.n_dead_tup)::pg_catalog.numeric,
                                                      0::pg_catalog.numeric),
                        4) AS dead_ratio,
       s.last_autovacuum,
       s.last_autoanalyze,
       (c.relname OPERATOR(pg_catalog.~~) 'personality\_%'::pg_catalog.text) AS is_extension_table
  FROM pg_catalog.pg_stat_user_tables s
  JOIN pg_catalog.pg_class c ON c.oid OPERATOR(pg_catalog.=) s.relid
 WHERE c.relname OPERATOR(pg_catalog.~~) 'personality\_%'::pg_catalog.text
    OR c.oid OPERATOR(pg_catalog.=) ANY (ARRAY[@extschema@._personality_host_table('profiles'::pg_catalog.text),
                                               @extschema@._personality_host_table('products'::pg_catalog.text),
                                               @extschema@._personality_host_table('categories'::pg_catalog.text)]::pg_catalog.oid[])
    OR c.oid OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT w.swipe_table::pg_catalog.oid FROM @extschema@.personality_swipe_tables w))
 ORDER BY s.n_live_tup DESC, s.relname;
COMMENT ON VIEW personality_table_stats IS
  'The seed''s pg_stat_user_tables query for the extension''s tables and the host''s profiles, products, categories and swipe tables: inserts, updates, deletes, live and dead rows, dead-row ratio.';

CREATE VIEW personality_connection_usage AS
SELECT a.active_connections,
       m.max_connections,
       m.max_connections OPERATOR(pg_catalog.-) a.active_connections AS available_connections,
       pg_catalog.round(100.0::pg_catalog.numeric OPERATOR(pg_catalog.*) a.active_connections::pg_catalog.numeric
                        OPERATOR(pg_catalog./) m.max_connections::pg_catalog.numeric, 1) AS usage_pct,
       CASE WHEN 100.0::pg_catalog.numeric OPERATOR(pg_catalog.*) a.active_connections::pg_catalog.numeric
                 OPERATOR(pg_catalog./) m.max_connections::pg_catalog.numeric OPERATOR(pg_catalog.>) 80::pg_catalog.numeric
            THEN 'critical'::pg_catalog.text
            WHEN 100.0::pg_catalog.numeric OPERATOR(pg_catalog.*) a.active_connections::pg_catalog.numeric
                 OPERATOR(pg_catalog./) m.max_connections::pg_catalog.numeric OPERATOR(pg_catalog.>) 60::pg_catalog.numeric
            THEN 'warning'::pg_catalog.text
            ELSE 'ok'::pg_catalog.text END AS alert_level
  FROM (SELECT pg_catalog.count(*)::pg_catalog.int4 AS active_connections FROM pg_catalog.pg_stat_activity x
         WHERE x.backend_type OPERATOR(pg_catalog.=) 'client backend'::pg_catalog.text) a,
       (SELECT x.setting::pg_catalog.int4 AS max_connections FROM pg_catalog.pg_settings x
         WHERE x.name OPERATOR(pg_catalog.=) 'max_connections'::pg_catalog.text) m;
COMMENT ON VIEW personality_connection_usage IS
  'Client connections against max_connections, with the seed''s alert levels: warning above 60 %, critical above 80 %.';

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

DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'authenticated') THEN
        GRANT SELECT ON @extschema@.personality_learning TO authenticated;
    END IF;
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname OPERATOR(pg_catalog.=) 'service_role') THEN
        GRANT SELECT ON @extschema@.personality_learning, @extschema@.personality_table_stats,
                        @extschema@.personality_connection_usage TO service_role;
    END IF;
END;
$$;
ALTER POLICY personality_learning_state_select_own ON personality_learning_state USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER POLICY personality_learning_queue_select_own ON personality_learning_queue USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER POLICY personality_profiles_select_own ON personality_profiles USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER POLICY personality_profiles_delete_own ON personality_profiles USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER POLICY personality_assessment_history_select_own ON personality_assessment_history USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER POLICY personality_assessment_history_delete_own ON personality_assessment_history USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER POLICY personality_recommendations_select_own ON personality_recommendations USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER POLICY personality_recommendations_update_own ON personality_recommendations
    USING (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()))
    WITH CHECK (user_id OPERATOR(pg_catalog.=) (SELECT @extschema@._personality_current_user_id()));
ALTER TABLE personality_quiz_questions DROP CONSTRAINT valid_quiz_options,
    ADD CONSTRAINT valid_quiz_options CHECK (pg_catalog.jsonb_typeof(options) OPERATOR(pg_catalog.=) 'array'::pg_catalog.text
                                             AND options OPERATOR(pg_catalog.<>) '[]'::pg_catalog.jsonb);

-- Host row-level security on products (issue 20 point 2): personality_recommend and
-- personality_similar_products return, store and name only products the caller may
-- SELECT (src/visibility.rs).
CREATE FUNCTION "_personality_visible_products"(
	"ids" uuid[]
) RETURNS uuid[]
STRICT STABLE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c
AS 'MODULE_PATHNAME', '_personality_visible_products_wrapper';

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
