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
-- (the views are created again after the functions: sql/upgrade/0.3.0--0.4.0.tail.sql)
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

-- Model (issue 20 points 3-5, issue 21): any attached swipe table feeds the model (its
-- time column detected or named: personality_attach_behavior(table, direction, level,
-- time column), personality_swipe_tables.time_column; a table without one is read
-- whole); what the model cannot read is said at attach, at refresh and in
-- personality_health(); aggregates count distinct people and are shown from
-- personality.min_people people up; no row stops the refresh; no advisory lock and no
-- idle transaction can stall it (sql/learning_triggers.sql, sql/model.sql,
-- sql/monitoring.sql).
CREATE FUNCTION "_personality_min_people"() RETURNS INT /* i32 */
STRICT STABLE PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_min_people_wrapper';
COMMENT ON FUNCTION _personality_min_people() IS
  'Internal: personality.min_people (superuser only, default 3), read through the library: the distinct people an aggregate about others needs before the refresh, personality_recommend or personality_similar_products show or use it.';

ALTER TABLE personality_model_state
    ADD COLUMN rows_skipped bigint NOT NULL DEFAULT 0,
    ADD COLUMN tables_unread integer NOT NULL DEFAULT 0;
COMMENT ON TABLE personality_item_stats IS
  'Derived: per product, the people who like it (right/up), dislike it (left) or are neutral, by their latest swipe of it (a person''s repeated swipes count once), the 90-day half-life decayed mass of those likes as of "at", and the likers on the high side (>= 60) of each trait; recomputed by personality_refresh_model() for the products with new swipes. Read by personality_recommend, which uses a count only from personality.min_people people up.';
COMMENT ON TABLE personality_model_state IS
  'Derived: one row, the state of personality_refresh_model(): when it last ran, how long it took, what it read, skipped (rows_skipped) and could not read (tables_unread), and the catalog-level numbers and popular products (liked by personality.min_people people at least) personality_recommend reads. The refresh locks this row FOR UPDATE: one refresh at a time.';


-- A new return type (the model's columns): dropped here, created with the functions below.
DROP FUNCTION personality_health();

-- The model's constants and decay, defined by personality_core (issue 21).
CREATE FUNCTION "_personality_model_constant"(
	"name" TEXT /* & str */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_model_constant_wrapper';
CREATE FUNCTION "_personality_decay"(
	"at" timestamp with time zone /* pgrx::datum::datetime::time_stamp_with_timezone::TimestampWithTimeZone */,
	"now" timestamp with time zone /* pgrx::datum::datetime::time_stamp_with_timezone::TimestampWithTimeZone */,
	"half_life_seconds" double precision /* f64 */
) RETURNS double precision /* f64 */
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_decay_wrapper';

-- The refresh, native (issue 21): 0.3.0's PL/pgSQL function goes, the Rust one takes
-- its name (personality_refresh_model calls it by name). It starts from the people's
-- opinions (personality_model_people); the first refresh after the upgrade is full.
DROP FUNCTION _personality_refresh_model(boolean);
CREATE FUNCTION "_personality_refresh_model"(
	"p_full" bool /* bool */
) RETURNS jsonb /* pgrx::datum::json::JsonB */
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_refresh_model_wrapper';
CREATE TABLE personality_model_people (
    user_id uuid PRIMARY KEY,
    -- their current opinion of each product they swiped (their latest swipe of it):
    -- product id, direction, time, row; encoded by personality_core (opinions.rs)
    opinions bytea NOT NULL
);
COMMENT ON TABLE personality_model_people IS
  'Derived: per person who swiped, their current opinion of each product they swiped (their latest swipe of it), as the last personality_refresh_model() left them, so that the next refresh reads only the swipes since. Internal encoding; erased with the person''s profile (personality_profiles_erase), rebuilt from the swipe tables by a full refresh.';
ALTER TABLE personality_model_people ENABLE ROW LEVEL SECURITY;
ALTER TABLE personality_model_people ALTER COLUMN opinions SET STORAGE EXTERNAL;
ALTER TABLE personality_model_state ADD COLUMN people_until timestamptz;
-- the refresh finds the rows to rewrite itself: the GIN index only cost writes
DROP INDEX personality_item_neighbours_members;
ALTER TABLE personality_item_neighbours SET (toast_tuple_target = 8160);
COMMENT ON TABLE personality_item_neighbours IS
  'Derived: per product, its top-K most similar products by co-likes (cosine, each person weighted 1/their likes, their 500 most recent likes), best first; rewritten by personality_refresh_model() where they changed. Read by personality_recommend and personality_similar_products.';

-- 0.3.0's item stats and popular products counted swipe rows, not people: gone, and
-- the next refresh rebuilds the model in full (its neighbours already counted people).
DELETE FROM personality_item_stats;
UPDATE personality_model_state SET refreshed_at = NULL, popular_ids = '{}';

-- The statement trigger that loads the library before a bulk INSERT's row triggers
-- (issue 20 point 8); attached to the swipe tables in the tail.
CREATE FUNCTION "_personality_swipes_batch"()
	RETURNS TRIGGER
	LANGUAGE c
	AS 'MODULE_PATHNAME', '_personality_swipes_batch_wrapper';

-- The learnt ranker (issue 23): its defaults and its training, in Rust (src/ranker.rs).
CREATE FUNCTION "_personality_ranker_defaults"() RETURNS TABLE (
	"ord" INT,  /* i32 */
	"feature" TEXT,  /* alloc::string::String */
	"default_weight" double precision  /* f64 */
)
IMMUTABLE STRICT PARALLEL SAFE
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_ranker_defaults_wrapper';
CREATE FUNCTION "_personality_learn_ranker"() RETURNS jsonb /* pgrx::datum::json::JsonB */
STRICT VOLATILE PARALLEL UNSAFE
SET search_path TO pg_catalog, pg_temp
LANGUAGE c /* Rust */
AS 'MODULE_PATHNAME', '_personality_learn_ranker_wrapper';
