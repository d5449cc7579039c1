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

-- ===== Generated by scripts/upgrade_script.py from sql/*.sql: do not edit below
-- ===== (edit the install files, or sql/upgrade/0.3.0--0.4.0.head.sql / .tail.sql).

SET LOCAL check_function_bodies = false;

-- sql/host_link.sql
COMMENT ON FUNCTION _personality_setting(text) IS
  'Internal: the value of a superuser-only setting of the extension (personality.host_schema, personality.trusted_roles), read through the library so that it is always defined.';
CREATE OR REPLACE FUNCTION _personality_host_table(p_name text) RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_schema text;
    v_rel regclass;
BEGIN
    FOREACH v_schema IN ARRAY ARRAY[
        @extschema@._personality_setting('personality.host_schema'),
        '@extschema@',
        'public']
    LOOP
        CONTINUE WHEN v_schema IS NULL;
        v_rel := to_regclass(quote_ident(v_schema) || '.' || quote_ident(p_name));
        -- only a permanent table: a view would run its functions inside owner code
        IF v_rel IS NOT NULL AND EXISTS (SELECT 1 FROM pg_class c WHERE c.oid = v_rel
                                           AND c.relkind IN ('r', 'p') AND c.relpersistence <> 't') THEN
            RETURN v_rel;
        END IF;
    END LOOP;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_host_table(text) IS
  'Internal: the host table (a permanent table, not a view) of that name in personality.host_schema, the extension schema or public (first found), or NULL.';
CREATE OR REPLACE FUNCTION personality_host_status()
RETURNS TABLE(constraint_name name, table_name regclass, column_name name,
              host_table text, host_table_found regclass, status text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    v_host regclass;
    v_type regtype;
BEGIN
    FOR r IN
        SELECT * FROM (VALUES
            ('personality_profiles_user_id_fkey'::name, '@extschema@.personality_profiles'::regclass, 'user_id'::name, 'profiles'),
            ('personality_assessment_history_user_id_fkey', '@extschema@.personality_assessment_history'::regclass, 'user_id', 'profiles'),
            ('personality_recommendations_user_id_fkey', '@extschema@.personality_recommendations'::regclass, 'user_id', 'profiles'),
            ('personality_recommendations_product_id_fkey', '@extschema@.personality_recommendations'::regclass, 'product_id', 'products'),
            -- between the extension's own tables: added with the host links, so that
            -- pg_restore -j can load the data of these tables in any order
            ('personality_recommendations_personality_profile_id_fkey', '@extschema@.personality_recommendations'::regclass, 'personality_profile_id', 'personality_profiles(id)'),
            ('personality_learning_state_user_id_fkey', '@extschema@.personality_learning_state'::regclass, 'user_id', 'personality_profiles(user_id)')
        ) AS v(c, t, col, host)
    LOOP
        constraint_name := r.c;
        table_name := r.t;
        column_name := r.col;
        host_table := r.host;
        IF r.host LIKE 'personality\_profiles(%' THEN
            host_table_found := '@extschema@.personality_profiles'::regclass;
            IF EXISTS (SELECT 1 FROM pg_constraint
                       WHERE conrelid = r.t AND conname = r.c AND contype = 'f') THEN
                status := 'linked';
            ELSIF NOT EXISTS (
                -- the host's profiles with its unique id: during a restore, only after
                -- every row is loaded (pg_restore creates primary keys post-data)
                SELECT 1 FROM pg_index i
                 WHERE i.indrelid = @extschema@._personality_host_table('profiles')
                   AND i.indisunique AND i.indisvalid AND i.indpred IS NULL AND i.indexprs IS NULL
                   AND i.indnkeyatts = 1
                   AND i.indkey[0] = (SELECT a.attnum FROM pg_attribute a
                                       WHERE a.attrelid = i.indrelid AND a.attname = 'id')) THEN
                status := 'waiting for profiles';
            ELSE
                status := 'ready';
            END IF;
            RETURN NEXT;
            CONTINUE;
        END IF;
        v_host := @extschema@._personality_host_table(r.host);
        host_table_found := v_host;
        IF EXISTS (SELECT 1 FROM pg_constraint
                   WHERE conrelid = r.t AND conname = r.c AND contype = 'f') THEN
            status := 'linked';
        ELSIF v_host IS NULL THEN
            status := 'missing table';
        ELSE
            SELECT a.atttypid::regtype INTO v_type
              FROM pg_attribute a
             WHERE a.attrelid = v_host AND a.attname = 'id' AND NOT a.attisdropped;
            IF v_type IS NULL THEN
                status := 'no id column';
            ELSIF v_type <> 'uuid'::regtype THEN
                status := format('id is %s, not uuid', v_type);
            ELSIF NOT EXISTS (
                SELECT 1 FROM pg_index i
                 WHERE i.indrelid = v_host AND i.indisunique AND i.indisvalid
                   AND i.indpred IS NULL AND i.indexprs IS NULL
                   AND i.indnkeyatts = 1
                   AND i.indkey[0] = (SELECT attnum FROM pg_attribute
                                       WHERE attrelid = v_host AND attname = 'id')) THEN
                status := 'no unique index on id';
            ELSE
                status := 'ready';
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION personality_host_status() IS
  'One row per foreign key from the personality tables to the host tables profiles(id) / products(id), and between the personality tables (added together with the host links): linked, ready (will be linked), or why not (missing table, no id column, id not uuid, no unique index on id, waiting for profiles).';
CREATE OR REPLACE FUNCTION _personality_link_host(p_strict boolean DEFAULT false)
RETURNS name[]
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER  -- also called from the event trigger, by whoever runs the DDL
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    v_added name[] := '{}';
BEGIN
    PERFORM set_config('personality.linking', 'on', true);
    FOR r IN SELECT * FROM @extschema@.personality_host_status() LOOP
        IF r.status = 'ready' THEN
            EXECUTE format(
                'ALTER TABLE %s ADD CONSTRAINT %I FOREIGN KEY (%I) REFERENCES %s(%I) ON DELETE CASCADE',
                r.table_name, r.constraint_name, r.column_name, r.host_table_found,
                CASE WHEN r.host_table = 'personality_profiles(user_id)' THEN 'user_id' ELSE 'id' END);
            v_added := v_added || r.constraint_name;
        ELSIF p_strict AND r.status NOT IN ('linked', 'missing table', 'no unique index on id', 'waiting for profiles') THEN
            RAISE EXCEPTION 'personality_ext: host table % is not usable: %', r.host_table_found, r.status
                USING ERRCODE = 'invalid_table_definition',
                      DETAIL = format('%s.%s must reference %s(id uuid) with a primary key or unique index on id.',
                                      r.table_name, r.column_name, r.host_table),
                      HINT = format('Fix %s so that id is a uuid primary key, then CREATE EXTENSION personality_ext again.', r.host_table_found);
        END IF;
    END LOOP;
    -- The products adapter view, once there are products.
    PERFORM @extschema@._personality_create_product_features();
    -- Products linked after the install (a restore: their rows are loaded now, and the
    -- product vectors are derived, not dumped): compute every vector.
    IF NOT p_strict AND 'personality_recommendations_product_id_fkey' = ANY (v_added) THEN
        PERFORM @extschema@._personality_refresh_vectors(NULL);
    END IF;
    PERFORM set_config('personality.linking', '', true);
    RETURN v_added;
END;
$$;
COMMENT ON FUNCTION _personality_link_host(boolean) IS
  'Internal: adds the foreign keys from the personality tables to profiles(id) / products(id) that are missing and whose host table is ready; returns their names.';
CREATE OR REPLACE FUNCTION personality_link_host() RETURNS TABLE(constraint_name name, status text)
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._personality_require_trusted('link the host tables');
    PERFORM @extschema@._personality_link_host(true);
    RETURN QUERY SELECT s.constraint_name, s.status FROM @extschema@.personality_host_status() s;
END;
$$;
COMMENT ON FUNCTION personality_link_host() IS
  'Adds any missing foreign keys to the host tables profiles(id) / products(id) now and reports the state of each. Normally not needed: the event trigger personality_link_host_on_ddl does this when the host tables appear.';
CREATE OR REPLACE FUNCTION _personality_adopt_triggers() RETURNS integer
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    WITH fixed AS (
        UPDATE pg_depend d SET deptype = 'a'
          FROM pg_trigger t
         WHERE d.classid = 'pg_trigger'::regclass AND d.objid = t.oid
           AND d.refclassid = 'pg_proc'::regclass AND d.refobjid = t.tgfoid
           AND d.deptype = 'n'
           AND t.tgfoid IN (SELECT objid FROM pg_depend e
                             WHERE e.classid = 'pg_proc'::regclass AND e.deptype = 'e'
                               AND e.refclassid = 'pg_extension'::regclass
                               AND e.refobjid = (SELECT oid FROM pg_extension WHERE extname = 'personality_ext'))
        RETURNING 1)
    SELECT count(*)::int FROM fixed
$$;
COMMENT ON FUNCTION _personality_adopt_triggers() IS
  'Internal: makes the dependency of host-table triggers on the extension''s trigger functions automatic, so DROP EXTENSION removes those triggers (and nothing else).';
CREATE OR REPLACE FUNCTION _personality_link_host_on_ddl() RETURNS event_trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- runs for anyone's DDL; the internals it calls are not granted to PUBLIC
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_added name[];
    v_swipes regclass;
BEGIN
    -- Nothing to do (the common case: one catalog probe), or we are the DDL ourselves.
    IF current_setting('personality.linking', true) = 'on'
       OR current_setting('personality.installing', true) = 'on' THEN
        RETURN;  -- our own DDL (CREATE EXTENSION links once, at its end)
    END IF;
    IF tg_tag = 'CREATE TRIGGER' THEN
        -- e.g. pg_restore re-creating update_personality_from_swipes on the host's table
        PERFORM @extschema@._personality_adopt_triggers();
    END IF;
    -- A swipes table created after the extension learns, like the foreign keys link.
    -- Not while a dump is restored (pg_dump's scripts turn check_function_bodies off):
    -- the dump re-creates the trigger itself, after the swipes it already learnt.
    IF tg_tag = 'CREATE TABLE' AND current_setting('check_function_bodies') = 'on' THEN
        v_swipes := @extschema@._personality_host_table('swipes');
        IF v_swipes IS NOT NULL
           AND v_swipes IN (SELECT c.objid FROM pg_event_trigger_ddl_commands() c)
           AND NOT EXISTS (SELECT 1 FROM pg_trigger t WHERE t.tgrelid = v_swipes
                             AND t.tgname = 'update_personality_from_swipes') THEN
            BEGIN
                RAISE NOTICE 'personality_ext: %', @extschema@._personality_attach(v_swipes, NULL, 'row');
            EXCEPTION WHEN OTHERS THEN
                RAISE WARNING 'personality_ext: not learning from new table %: %', v_swipes, SQLERRM
                    USING HINT = 'SELECT personality_attach_behavior(''swipes'', ''<direction column>'');';
            END;
        END IF;
    END IF;
    IF (SELECT count(*) FROM pg_constraint
         WHERE contype = 'f'
           AND conrelid IN ('@extschema@.personality_profiles'::regclass,
                            '@extschema@.personality_assessment_history'::regclass,
                            '@extschema@.personality_recommendations'::regclass,
                            '@extschema@.personality_learning_state'::regclass)
           AND conname IN ('personality_profiles_user_id_fkey',
                           'personality_assessment_history_user_id_fkey',
                           'personality_recommendations_user_id_fkey',
                           'personality_recommendations_product_id_fkey',
                           'personality_recommendations_personality_profile_id_fkey',
                           'personality_learning_state_user_id_fkey')) = 6 THEN
        RETURN;
    END IF;
    BEGIN
        v_added := @extschema@._personality_link_host(false);
        IF cardinality(v_added) > 0 THEN
            RAISE NOTICE 'personality_ext: linked to host tables: %', array_to_string(v_added, ', ');
        END IF;
    EXCEPTION WHEN OTHERS THEN
        -- Never fail the host's DDL (or a restore) because of us.
        PERFORM set_config('personality.linking', '', true);
        RAISE WARNING 'personality_ext: could not link to host tables yet: %', SQLERRM
            USING HINT = 'SELECT * FROM personality_host_status(); then SELECT * FROM personality_link_host();';
    END;
END;
$$;
COMMENT ON FUNCTION _personality_link_host_on_ddl() IS
  'Internal event trigger function: adds the foreign keys to profiles(id) / products(id) once those host tables exist with a unique id (after a restore, when their primary keys are created).';

-- sql/security.sql
COMMENT ON FUNCTION _personality_trusted_owner(oid) IS
  'Internal: true when objects owned by this role may run inside the extension''s privileged code (a superuser, or a role in personality.trusted_roles).';
CREATE OR REPLACE FUNCTION _personality_current_user_id() RETURNS uuid
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

-- sql/seed_defaults.sql
CREATE OR REPLACE FUNCTION _personality_seed_restore() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- writers of defaults (service_role) need not write the bookkeeping table
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID = '@extschema@.personality_gift_mappings'::regclass THEN
        IF NEW.id IS NULL OR NOT @extschema@._personality_is_seed_mapping(NEW.id) THEN
            RETURN NEW;
        END IF;
        DELETE FROM @extschema@.personality_seed_deletions
         WHERE table_name = 'personality_gift_mappings' AND row_id = NEW.id::text;
        UPDATE @extschema@.personality_gift_mappings m SET
            personality_type = NEW.personality_type,
            recommended_categories = NEW.recommended_categories,
            avoided_categories = NEW.avoided_categories,
            product_tags = NEW.product_tags,
            recommendation_weight = NEW.recommendation_weight,
            confidence_score = NEW.confidence_score,
            evidence_strength = NEW.evidence_strength,
            occasion_relevance = NEW.occasion_relevance,
            price_range_modifier = NEW.price_range_modifier,
            demographic_filters = NEW.demographic_filters,
            algorithm_version = NEW.algorithm_version,
            created_at = NEW.created_at,
            updated_at = NEW.updated_at
         WHERE m.id = NEW.id;
    ELSIF TG_RELID = '@extschema@.personality_quiz_questions'::regclass THEN
        IF NEW.question_id IS NULL OR NOT @extschema@._personality_is_seed_question(NEW.question_id) THEN
            RETURN NEW;
        END IF;
        DELETE FROM @extschema@.personality_seed_deletions
         WHERE table_name = 'personality_quiz_questions' AND row_id = NEW.question_id;
        UPDATE @extschema@.personality_quiz_questions q SET
            prompt = NEW.prompt,
            options = NEW.options,
            sort_order = NEW.sort_order,
            is_active = NEW.is_active
         WHERE q.question_id = NEW.question_id;
    ELSE
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings and personality_quiz_questions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF FOUND THEN
        RETURN NULL;  -- the default row now carries the restored values
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_seed_restore() IS
  'Internal trigger function: an insert of a default row''s id into personality_gift_mappings or personality_quiz_questions (as pg_restore does) updates the default row instead of failing on the duplicate key.';
CREATE OR REPLACE FUNCTION _personality_seed_forget() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER  -- writers of defaults (service_role) need not write the bookkeeping table
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID = '@extschema@.personality_gift_mappings'::regclass THEN
        IF @extschema@._personality_is_seed_mapping(OLD.id) THEN
            INSERT INTO @extschema@.personality_seed_deletions (table_name, row_id)
            VALUES ('personality_gift_mappings', OLD.id::text)
            ON CONFLICT DO NOTHING;
        END IF;
    ELSIF TG_RELID = '@extschema@.personality_quiz_questions'::regclass THEN
        IF @extschema@._personality_is_seed_question(OLD.question_id) THEN
            INSERT INTO @extschema@.personality_seed_deletions (table_name, row_id)
            VALUES ('personality_quiz_questions', OLD.question_id)
            ON CONFLICT DO NOTHING;
        END IF;
    ELSE
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings and personality_quiz_questions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    RETURN OLD;
END;
$$;
COMMENT ON FUNCTION _personality_seed_forget() IS
  'Internal trigger function: remembers that a default gift mapping or quiz question was deleted, so a restore does not bring it back.';
CREATE OR REPLACE FUNCTION _personality_seed_deletions_apply() RETURNS trigger
LANGUAGE plpgsql
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_seed_deletions'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_seed_deletions', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF NEW.table_name = 'personality_gift_mappings' THEN
        DELETE FROM @extschema@.personality_gift_mappings WHERE id::text = NEW.row_id;
    ELSIF NEW.table_name = 'personality_quiz_questions'
          AND @extschema@._personality_is_seed_question(NEW.row_id) THEN
        DELETE FROM @extschema@.personality_quiz_questions WHERE question_id = NEW.row_id;
    END IF;
    RETURN NEW;
END;
$$;
COMMENT ON FUNCTION _personality_seed_deletions_apply() IS
  'Internal trigger function: a restored deletion record deletes the default gift mapping or quiz question that CREATE EXTENSION re-created.';

-- sql/gift_mappings.sql
CREATE OR REPLACE FUNCTION _personality_is_seed_mapping(p_id uuid) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p_id::text LIKE '00000000-0000-4000-a000-0000000000__' $$;
COMMENT ON FUNCTION _personality_is_seed_mapping(uuid) IS
  'Internal: true for the ids of the default gift mappings shipped with the extension.';

-- sql/scoring.sql
CREATE OR REPLACE FUNCTION calculate_personality_product_match(
    p_personality_scores jsonb,
    p_product_tags jsonb,
    p_category_mappings jsonb
) RETURNS numeric
LANGUAGE c IMMUTABLE PARALLEL SAFE
AS 'MODULE_PATHNAME', 'personality_match_v1';
COMMENT ON FUNCTION calculate_personality_product_match(jsonb, jsonb, jsonb) IS
  'Personality-product match in [0, 1], 4 decimals (seed contract). Without product affinities (p_product_tags NULL, [] or {}) exactly the seed''s weighted score, clamped instead of overflowing; with affinities 0.75 x fit + 0.25 x the seed''s score; plus 0.2 x alignment_score. Errors: 22023 for non-numeric JSON types, 22P02 for non-numeric strings. Rules: README "Match scoring".';
COMMENT ON FUNCTION personality_product_traits(text, text[]) IS
  'A product''s trait affinities (0..1 per trait) from its category slug and tags, using personality_gift_mappings: weight x (0.65 x category part + 0.35 x tag part), 0 for an avoided category. Feed it to calculate_personality_product_match as p_product_tags.';

-- sql/quiz.sql
CREATE OR REPLACE FUNCTION _personality_is_seed_question(p_question_id text) RETURNS boolean
LANGUAGE sql IMMUTABLE PARALLEL SAFE
SET search_path = pg_catalog, pg_temp
AS $$ SELECT p_question_id ~ '^q(0[1-9]|1[0-9]|2[0-4])$' $$;
COMMENT ON FUNCTION _personality_is_seed_question(text) IS
  'Internal: true for the ids of the default quiz questions shipped with the extension (q01..q24).';

-- sql/learning.sql
CREATE OR REPLACE FUNCTION _personality_erase_profile() RETURNS trigger
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
CREATE OR REPLACE FUNCTION personality_sync_profile(p_user_id uuid DEFAULT NULL) RETURNS bigint
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

-- sql/assess.sql
CREATE OR REPLACE FUNCTION personality_score_quiz(p_responses jsonb, p_completion_time_seconds integer DEFAULT NULL)
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
CREATE OR REPLACE FUNCTION _personality_calling_role() RETURNS name
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
CREATE OR REPLACE FUNCTION _personality_caller_is_trusted() RETURNS boolean
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
CREATE OR REPLACE FUNCTION _personality_require_trusted(p_action text) RETURNS void
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
CREATE OR REPLACE FUNCTION _personality_authorize(p_user_id uuid, p_action text) RETURNS void
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
CREATE OR REPLACE FUNCTION personality_assess(
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

-- sql/product_features.sql
CREATE OR REPLACE FUNCTION _personality_column_type(p_table regclass, p_column name) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_type pg_catalog.oid;
    v_t record;
BEGIN
    -- (PL/pgSQL: it keeps its plans for the session; a SQL function with SET is
    -- planned again on every call, and this one runs on every recommendation. Two
    -- index lookups per step, not a recursive query: that one joined pg_type whole,
    -- 8x the time.)
    SELECT a.atttypid INTO v_type FROM pg_catalog.pg_attribute a
     WHERE a.attrelid OPERATOR(pg_catalog.=) p_table AND a.attname OPERATOR(pg_catalog.=) p_column
       AND a.attnum OPERATOR(pg_catalog.>) 0 AND NOT a.attisdropped;
    -- a domain's base type, then its base type ...: at most 16 domains deep
    FOR i IN 0..16 LOOP
        SELECT t.typtype, t.typbasetype, t.typnamespace, t.typname INTO v_t
          FROM pg_catalog.pg_type t WHERE t.oid OPERATOR(pg_catalog.=) v_type;
        IF NOT FOUND THEN
            RETURN NULL;
        END IF;
        IF v_t.typtype OPERATOR(pg_catalog.<>) 'd' THEN
            RETURN CASE WHEN v_t.typtype OPERATOR(pg_catalog.=) 'e' THEN 'enum'
                        WHEN v_t.typnamespace OPERATOR(pg_catalog.=) 'pg_catalog'::pg_catalog.regnamespace
                        THEN v_t.typname::pg_catalog.text END;
        END IF;
        v_type := v_t.typbasetype;
    END LOOP;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_column_type(regclass, name) IS
  'Internal: the pg_catalog type name of a column (a domain''s base type; ''enum'' for enums), or NULL when missing or of another type.';
CREATE OR REPLACE FUNCTION _personality_product_features_sql(p_products regclass) RETURNS text
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_cols text[];
    v_categories regclass := @extschema@._personality_host_table('categories');
    v_category text := 'NULL::pg_catalog.text';
    v_tags text := '''{}''::pg_catalog.text[]';
    v_price text := 'NULL::pg_catalog.numeric';
    v_active text := 'true';
    v_tags_type regtype;
    v_price_col text;
BEGIN
    -- Only columns of built-in types are read: the view runs inside owner-privileged
    -- code (refreshing vectors), and a cast of a caller's type could run the caller's
    -- function there. Other shapes are left out with a WARNING (the install goes on).
    SELECT array_agg(attname::text) INTO v_cols
      FROM pg_attribute WHERE attrelid = p_products AND attnum > 0 AND NOT attisdropped;
    IF 'category_id' = ANY (v_cols) AND v_categories IS NOT NULL
       AND @extschema@._personality_column_type(p_products, 'category_id') = 'uuid'
       AND @extschema@._personality_column_type(v_categories, 'id') = 'uuid'
       AND @extschema@._personality_column_type(v_categories, 'slug') IN ('text', 'varchar', 'bpchar', 'name') THEN
        v_category := format('(SELECT c.slug::pg_catalog.text FROM %s c WHERE c.id OPERATOR(pg_catalog.=) p.category_id)', v_categories);
    ELSIF 'category' = ANY (v_cols) THEN
        IF @extschema@._personality_column_type(p_products, 'category') IN ('text', 'varchar', 'bpchar', 'name') THEN
            v_category := 'p.category::pg_catalog.text';
        ELSE
            RAISE WARNING 'personality_ext: products.category is of type %, not text: products get no category',
                @extschema@._personality_column_type(p_products, 'category')
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    IF 'tags' = ANY (v_cols) THEN
        v_tags_type := (SELECT atttypid::regtype FROM pg_attribute WHERE attrelid = p_products AND attname = 'tags');
        IF v_tags_type = 'pg_catalog.jsonb'::regtype THEN
            v_tags := 'ARRAY(SELECT pg_catalog.jsonb_array_elements_text(CASE WHEN pg_catalog.jsonb_typeof(p.tags) OPERATOR(pg_catalog.=) ''array'' THEN p.tags ELSE ''[]''::pg_catalog.jsonb END))';
        ELSIF v_tags_type IN ('pg_catalog.text[]'::regtype, 'pg_catalog.varchar[]'::regtype) THEN
            v_tags := 'coalesce(p.tags::pg_catalog.text[], ''{}''::pg_catalog.text[])';
        ELSE
            RAISE WARNING 'personality_ext: products.tags is of type %, not text[] or jsonb: products get no tags', v_tags_type
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    IF 'price' = ANY (v_cols) OR 'price_min' = ANY (v_cols) THEN
        v_price_col := CASE WHEN 'price' = ANY (v_cols) THEN 'price' ELSE 'price_min' END;
        IF @extschema@._personality_column_type(p_products, v_price_col) IN ('numeric', 'int2', 'int4', 'int8', 'float4', 'float8') THEN
            v_price := format('p.%I::pg_catalog.numeric', v_price_col);
        ELSE
            RAISE WARNING 'personality_ext: products.% is of type %, not a number: products get no price',
                v_price_col, @extschema@._personality_column_type(p_products, v_price_col)
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    IF 'is_active' = ANY (v_cols) THEN
        IF @extschema@._personality_column_type(p_products, 'is_active') = 'bool' THEN
            v_active := 'coalesce(p.is_active, true)';
        ELSE
            RAISE WARNING 'personality_ext: products.is_active is of type %, not boolean: every product counts as active',
                @extschema@._personality_column_type(p_products, 'is_active')
                USING HINT = 'Replace the view personality_product_features with your own definition.';
        END IF;
    END IF;
    RETURN format(
        'SELECT p.id AS product_id, %s AS category, %s AS tags, %s AS price, %s AS is_active FROM %s p',
        v_category, v_tags, v_price, v_active, p_products);
END;
$$;
COMMENT ON FUNCTION _personality_product_features_sql(regclass) IS
  'Internal: the SELECT behind personality_product_features for the host''s products shape (category via categories.slug or products.category, tags, price or price_min, is_active).';
CREATE OR REPLACE FUNCTION _personality_features_view() RETURNS regclass
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_view regclass := to_regclass('@extschema@.personality_product_features');
    v_owner oid;
    v_ext pg_extension;
BEGIN
    IF v_view IS NULL THEN
        RETURN NULL;
    END IF;
    SELECT * INTO v_ext FROM pg_extension WHERE extname = 'personality_ext';
    IF EXISTS (SELECT 1 FROM pg_depend d
                WHERE d.classid = 'pg_class'::regclass AND d.objid = v_view AND d.deptype = 'e'
                  AND d.refclassid = 'pg_extension'::regclass AND d.refobjid = v_ext.oid) THEN
        RETURN v_view;
    END IF;
    SELECT c.relowner INTO v_owner FROM pg_class c WHERE c.oid = v_view;
    IF @extschema@._personality_trusted_owner(v_owner) OR pg_has_role(v_owner, v_ext.extowner, 'USAGE') THEN
        RETURN v_view;
    END IF;
    RAISE WARNING 'personality_ext: ignoring % owned by %: not created by the extension or a trusted role', v_view, v_owner::regrole
        USING HINT = 'Drop it; the extension re-creates the adapter (or a superuser creates it).';
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_features_view() IS
  'Internal: the products adapter view personality_product_features when it belongs to the extension or a trusted role owns it; NULL (with a WARNING) otherwise.';
CREATE OR REPLACE FUNCTION _personality_create_product_features() RETURNS boolean
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_products regclass := @extschema@._personality_host_table('products');
BEGIN
    IF v_products IS NULL OR to_regclass('@extschema@.personality_product_features') IS NOT NULL THEN
        PERFORM @extschema@._personality_features_view();  -- warns about a planted one
        RETURN false;
    END IF;
    BEGIN
        EXECUTE format('CREATE VIEW @extschema@.personality_product_features AS %s',
                       @extschema@._personality_product_features_sql(v_products));
    EXCEPTION WHEN OTHERS THEN
        RAISE WARNING 'personality_ext: cannot build the products adapter for %: %', v_products, SQLERRM
            USING HINT = 'CREATE VIEW personality_product_features AS SELECT ... (product_id, category, tags, price, is_active); then SELECT personality_attach_catalog();';
        RETURN false;
    END;
    COMMENT ON VIEW @extschema@.personality_product_features IS
      'Products adapter: product_id, category (slug), tags, price, is_active, from the host''s catalog. The one place to adapt personality_ext to another catalog shape: CREATE OR REPLACE VIEW with the same columns.';
    -- Outside CREATE EXTENSION the view is not a member yet; make it one so that
    -- DROP EXTENSION removes it.
    IF NOT EXISTS (SELECT 1 FROM pg_depend
                    WHERE classid = 'pg_class'::regclass
                      AND objid = '@extschema@.personality_product_features'::regclass
                      AND deptype = 'e') THEN
        ALTER EXTENSION personality_ext ADD VIEW @extschema@.personality_product_features;
    END IF;
    RETURN true;
END;
$$;
COMMENT ON FUNCTION _personality_create_product_features() IS
  'Internal: creates the personality_product_features view from the host''s products table when it exists and the view does not.';

-- sql/learning_triggers.sql
CREATE OR REPLACE FUNCTION _personality_trigger_arg(p_args bytea, p_n int) RETURNS name
LANGUAGE plpgsql IMMUTABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_rest pg_catalog.bytea := p_args;
    v_pos pg_catalog.int4;
BEGIN
    IF p_args IS NULL OR p_n IS NULL OR p_n OPERATOR(pg_catalog.<) 1 OR p_n OPERATOR(pg_catalog.>) 100 THEN
        RETURN NULL;
    END IF;
    FOR i IN 1..p_n LOOP
        v_pos := pg_catalog.position(v_rest, '\x00'::pg_catalog.bytea);
        IF v_pos OPERATOR(pg_catalog.=) 0 THEN
            RETURN NULL;
        END IF;
        IF i OPERATOR(pg_catalog.=) p_n THEN
            RETURN pg_catalog.convert_from(pg_catalog.substr(v_rest, 1, v_pos OPERATOR(pg_catalog.-) 1),
                                           pg_catalog.getdatabaseencoding()::pg_catalog.name)::pg_catalog.name;
        END IF;
        v_rest := pg_catalog.substr(v_rest, v_pos OPERATOR(pg_catalog.+) 1);
    END LOOP;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_trigger_arg(bytea, int) IS
  'Internal: the n-th argument of a trigger from pg_trigger.tgargs (NULL when it has fewer); personality_swipe_tables reads the direction column (1) and the time column named at attach (2).';
CREATE OR REPLACE FUNCTION _personality_time_column(p_table regclass, p_named name) RETURNS name
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_col pg_catalog.name;
BEGIN
    -- One catalog query (personality_swipe_tables calls it on every recommendation),
    -- no other function of the extension (the view runs it with the rights of whoever
    -- reads it). A domain counts as its base type (one level).
    SELECT x.attname INTO v_col
      FROM (SELECT a.attname, y.t, pg_catalog.count(*) OVER (PARTITION BY y.t) AS n
              FROM pg_catalog.pg_attribute a
              JOIN pg_catalog.pg_type ty ON ty.oid OPERATOR(pg_catalog.=) a.atttypid
             CROSS JOIN LATERAL (SELECT CASE WHEN ty.typtype OPERATOR(pg_catalog.=) 'd'::pg_catalog."char"
                                             THEN ty.typbasetype ELSE a.atttypid END AS t) y
             WHERE a.attrelid OPERATOR(pg_catalog.=) p_table AND a.attnum OPERATOR(pg_catalog.>) 0
               AND NOT a.attisdropped) x
     WHERE x.t OPERATOR(pg_catalog.=) ANY (ARRAY['pg_catalog.timestamptz'::pg_catalog.regtype,
                                                  'pg_catalog.timestamp'::pg_catalog.regtype,
                                                  'pg_catalog.date'::pg_catalog.regtype]::pg_catalog.oid[])
       AND (p_named IS NULL OR x.attname OPERATOR(pg_catalog.=) p_named)
       AND (p_named IS NOT NULL
            OR x.attname OPERATOR(pg_catalog.=) ANY ('{created_at,swipe_timestamp}'::pg_catalog.name[])
            OR (x.n OPERATOR(pg_catalog.=) 1 AND x.t OPERATOR(pg_catalog.<>) 'pg_catalog.date'::pg_catalog.regtype::pg_catalog.oid))
     ORDER BY CASE WHEN x.attname OPERATOR(pg_catalog.=) 'created_at'::pg_catalog.name THEN 0
                   WHEN x.attname OPERATOR(pg_catalog.=) 'swipe_timestamp'::pg_catalog.name THEN 1
                   WHEN x.t OPERATOR(pg_catalog.=) 'pg_catalog.timestamptz'::pg_catalog.regtype::pg_catalog.oid THEN 2
                   ELSE 3 END
     LIMIT 1;
    RETURN v_col;
END;
$$;
COMMENT ON FUNCTION _personality_time_column(regclass, name) IS
  'Internal: the column dating the swipes of a swipe table for personality_refresh_model: p_named when given (NULL if it is not a timestamptz, timestamp or date column), else created_at, else swipe_timestamp, else the only timestamptz column, else the only timestamp column; NULL when there is none.';
CREATE OR REPLACE FUNCTION _personality_attach(p_table regclass, p_direction_column name, p_for_each text,
                                    p_time_column name)
RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning  -- no "trigger does not exist, skipping"
AS $$
DECLARE
    v_col name := p_direction_column;
    v_time name;
    v_missing text[];
    v_rel record;
    v_why text;
BEGIN
    SELECT c.relkind, c.relpersistence INTO v_rel FROM pg_class c WHERE c.oid = p_table;
    IF v_rel.relpersistence = 't' THEN
        RAISE EXCEPTION 'cannot attach personality learning to temporary table %', p_table
            USING ERRCODE = 'wrong_object_type',
                  DETAIL = 'Learning is shared by every session; a temporary table lives in one.';
    ELSIF v_rel.relkind NOT IN ('r', 'p') THEN
        RAISE EXCEPTION 'cannot attach personality learning to %: not a table', p_table
            USING ERRCODE = 'wrong_object_type',
                  HINT = 'Attach it to the table the swipes are inserted into.';
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
    -- Built-in types only: the trigger reads these columns with the owner's rights, and
    -- a cast of a caller's type would run the caller's function.
    IF @extschema@._personality_column_type(p_table, 'user_id') IS DISTINCT FROM 'uuid'
       OR @extschema@._personality_column_type(p_table, 'product_id') IS DISTINCT FROM 'uuid' THEN
        RAISE EXCEPTION 'table %: user_id and product_id must be of type uuid', p_table
            USING ERRCODE = 'datatype_mismatch';
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
    IF coalesce(@extschema@._personality_column_type(p_table, v_col), '') NOT IN ('text', 'varchar', 'bpchar', 'name', 'enum') THEN
        RAISE EXCEPTION 'table %: direction column % must be text, varchar, char or an enum', p_table, v_col
            USING ERRCODE = 'datatype_mismatch';
    END IF;
    -- The column dating the swipes (the model's refresh reads it): named, or detected.
    IF p_time_column IS NOT NULL THEN
        IF NOT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = p_table AND attname = p_time_column
                          AND NOT attisdropped AND attnum > 0) THEN
            RAISE EXCEPTION 'table % has no column %', p_table, p_time_column USING ERRCODE = 'undefined_column';
        ELSIF @extschema@._personality_time_column(p_table, p_time_column) IS NULL THEN
            RAISE EXCEPTION 'table %: time column % must be timestamptz, timestamp or date', p_table, p_time_column
                USING ERRCODE = 'datatype_mismatch';
        END IF;
    END IF;
    v_time := @extschema@._personality_time_column(p_table, p_time_column);
    IF p_for_each IS NULL OR p_for_each NOT IN ('row', 'statement') THEN
        RAISE EXCEPTION 'invalid trigger level: %', coalesce(quote_literal(p_for_each), 'NULL')
            USING ERRCODE = 'invalid_parameter_value',
                  HINT = 'Use ''row'' (every swipe on its own: the default) or ''statement'' (set-based, for bulk loads).';
    END IF;
    EXECUTE format('DROP TRIGGER IF EXISTS update_personality_from_swipes ON %s', p_table);
    EXECUTE format('DROP TRIGGER IF EXISTS personality_swipes_batch ON %s', p_table);
    -- the time column, when named, is the trigger's second argument (personality_swipe_tables)
    IF p_for_each = 'row' THEN
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'FOR EACH ROW EXECUTE FUNCTION @extschema@.update_personality_from_behavior(%L%s)',
                       p_table, v_col, CASE WHEN p_time_column IS NOT NULL THEN format(', %L', p_time_column) ELSE '' END);
        -- loads the library before the row triggers fire (src/learning/batch.rs)
        EXECUTE format('CREATE TRIGGER personality_swipes_batch BEFORE INSERT ON %s '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_swipes_batch()', p_table);
        EXECUTE format('COMMENT ON TRIGGER personality_swipes_batch ON %s IS %L', p_table,
                       'personality_ext: loads the learning library before a statement''s swipes are learnt, so that a bulk INSERT is learnt in one batch.');
    ELSE
        EXECUTE format('CREATE TRIGGER update_personality_from_swipes AFTER INSERT ON %s '
                       'REFERENCING NEW TABLE AS personality_new_swipes '
                       'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@.update_personality_from_behavior_bulk(%L%s)',
                       p_table, v_col, CASE WHEN p_time_column IS NOT NULL THEN format(', %L', p_time_column) ELSE '' END);
    END IF;
    EXECUTE format('COMMENT ON TRIGGER update_personality_from_swipes ON %s IS %L', p_table,
                   'personality_ext: every inserted swipe teaches the user''s personality profile (direction column '
                   || v_col || CASE WHEN p_for_each = 'statement' THEN ', learnt per statement' ELSE '' END || ').');
    -- The trigger belongs to the host's table but dies with the extension.
    PERFORM @extschema@._personality_adopt_triggers();
    -- What the collaborative model will not read, or not fully, said now (issue 21).
    IF v_time IS NULL THEN
        RAISE WARNING 'personality_ext: table % has no time column: the model reads it whole on every refresh and counts every swipe as made at the refresh (no popularity decay; a change in its number of swipes rebuilds the model in full)', p_table
            USING HINT = format('Name its time column: SELECT personality_attach_behavior(%L, %L, %L, ''<column>'');',
                                p_table::text, v_col, p_for_each);
    END IF;
    FOR v_why IN SELECT i.warning FROM @extschema@._personality_model_inputs() i
                  WHERE i.swipe_table = p_table::oid AND i.warning IS NOT NULL LOOP
        RAISE WARNING 'personality_ext: %', v_why;
    END LOOP;
    RETURN format('attached to %s (direction column %s%s%s)', p_table, v_col,
                  CASE WHEN v_time IS NOT NULL THEN format(', time column %s', v_time) ELSE ', no time column' END,
                  CASE WHEN p_for_each = 'statement' THEN ', per statement' ELSE '' END);
END;
$$;
COMMENT ON FUNCTION _personality_attach(regclass, name, text, name) IS
  'Internal: attaches the learning trigger to a permanent table with uuid user_id and product_id and a text or enum direction column, without checking the caller; p_time_column names the column dating the swipes (NULL: detected, personality_swipe_tables.time_column). WARNING when the model will not read the table, or not fully. Use personality_attach_behavior().';
CREATE OR REPLACE FUNCTION _personality_attach(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE sql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT @extschema@._personality_attach(p_table, p_direction_column, p_for_each, NULL::pg_catalog.name)
$$;
COMMENT ON FUNCTION _personality_attach(regclass, name, text) IS
  'Internal: _personality_attach with the time column detected. Use personality_attach_behavior().';
CREATE OR REPLACE FUNCTION _personality_may_attach(p_table regclass) RETURNS boolean
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    RETURN @extschema@._personality_caller_is_trusted()
       AND coalesce(pg_has_role(@extschema@._personality_calling_role(),
                                (SELECT c.relowner FROM pg_class c WHERE c.oid = p_table), 'USAGE'), false);
END;
$$;
COMMENT ON FUNCTION _personality_may_attach(regclass) IS
  'Internal: true when the calling role is trusted (superuser, service_role, owner of the personality tables) and owns the table.';
CREATE OR REPLACE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name, p_for_each text)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_may_attach(p_table) THEN
        RAISE EXCEPTION 'permission denied to attach personality learning to %', p_table
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The owner of the table attaches it, and only when it is also trusted (superuser, service_role, the owner of the personality tables): learning is written for every user id the table holds.';
    END IF;
    RETURN @extschema@._personality_attach(p_table, p_direction_column, p_for_each);
END;
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name, text) IS
  'Attaches behaviour learning to a swipe table as trigger update_personality_from_swipes AFTER INSERT, FOR EACH ROW (p_for_each ''row'') or FOR EACH STATEMENT with a transition table (''statement'': the same learning, set-based, faster for bulk loads, slower for single-row inserts). For trusted roles that own the table (42501 otherwise); permanent tables only (42809); user_id and product_id uuid, direction text, varchar, char or enum (42804); 42703 names a missing column; 22023 for another level. Example: SELECT personality_attach_behavior(''swipes'', ''direction'', ''statement'');';
CREATE OR REPLACE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name, p_for_each text,
                                            p_time_column name)
RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_may_attach(p_table) THEN
        RAISE EXCEPTION 'permission denied to attach personality learning to %', p_table
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The owner of the table attaches it, and only when it is also trusted (superuser, service_role, the owner of the personality tables): learning is written for every user id the table holds.';
    END IF;
    RETURN @extschema@._personality_attach(p_table, p_direction_column, p_for_each, p_time_column);
END;
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name, text, name) IS
  'personality_attach_behavior(table, direction column, ''row'' or ''statement'') naming the column that dates the swipes for the collaborative model (timestamptz, timestamp or date; 42703 when missing, 42804 for another type); NULL detects it: created_at, else swipe_timestamp, else the only timestamptz column. Example: SELECT personality_attach_behavior(''swipe_interactions'', ''swipe_direction'', ''row'', ''swiped_on'');';
CREATE OR REPLACE FUNCTION personality_attach_behavior(p_table regclass, p_direction_column name DEFAULT NULL)
RETURNS text
LANGUAGE sql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
    SELECT @extschema@.personality_attach_behavior(p_table, p_direction_column, 'row'::pg_catalog.text)
$$;
COMMENT ON FUNCTION personality_attach_behavior(regclass, name) IS
  'Attaches behaviour learning (trigger update_personality_from_swipes AFTER INSERT FOR EACH ROW) to a swipe table with user_id, product_id and a direction column (direction or swipe_direction unless named). 42703 names a missing column. Example: SELECT personality_attach_behavior(''swipe_interactions''); For bulk loads see personality_attach_behavior(table, column, ''statement'').';
CREATE OR REPLACE FUNCTION personality_detach_behavior(p_table regclass) RETURNS boolean
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_may_attach(p_table) THEN
        RAISE EXCEPTION 'permission denied to detach personality learning from %', p_table
            USING ERRCODE = 'insufficient_privilege';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = p_table AND tgname = 'update_personality_from_swipes'
                     AND tgfoid IN ('@extschema@.update_personality_from_behavior()'::regprocedure,
                                    '@extschema@.update_personality_from_behavior_bulk()'::regprocedure)) THEN
        RETURN false;
    END IF;
    EXECUTE format('DROP TRIGGER update_personality_from_swipes ON %s', p_table);
    EXECUTE format('DROP TRIGGER IF EXISTS personality_swipes_batch ON %s', p_table);
    RETURN true;
END;
$$;
COMMENT ON FUNCTION personality_detach_behavior(regclass) IS
  'Removes behaviour learning from a swipe table; returns false when it was not attached. For trusted roles that own the table (42501 otherwise).';
CREATE OR REPLACE FUNCTION _personality_model_inputs()
RETURNS TABLE (swipe_table oid, tab text, dir text, ts text, time_column name, readable boolean, warning text)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    r record;
    v_dt text;
    v_tt text;
BEGIN
    FOR r IN
        SELECT t.swipe_table AS rel, t.direction_column AS dcol, t.time_column AS tcol,
               @extschema@._personality_trigger_arg(g.tgargs, 2) AS named,
               c.relpersistence, c.relrowsecurity, c.relforcerowsecurity, c.relowner,
               pg_catalog.quote_ident(n.nspname::text) || '.' || pg_catalog.quote_ident(c.relname::text) AS qname
          FROM @extschema@.personality_swipe_tables t
          JOIN pg_catalog.pg_class c ON c.oid = t.swipe_table::oid
          JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_catalog.pg_trigger g ON g.tgrelid = c.oid AND g.tgname = 'update_personality_from_swipes'
         ORDER BY c.oid
         LIMIT 10000
    LOOP
        swipe_table := r.rel::oid;
        tab := r.qname;
        time_column := r.tcol;
        readable := true;
        warning := NULL;
        ts := NULL;
        v_dt := @extschema@._personality_column_type(r.rel, r.dcol);
        dir := CASE v_dt
                   WHEN 'enum' THEN 'pg_catalog.textin(pg_catalog.enum_out(s.' || pg_catalog.quote_ident(r.dcol::text) || '))'
                   WHEN 'text' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
                   WHEN 'varchar' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
                   WHEN 'bpchar' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
                   WHEN 'name' THEN 's.' || pg_catalog.quote_ident(r.dcol::text) || '::pg_catalog.text'
               END;
        IF r.relpersistence = 't' THEN
            readable := false;
            warning := format('the model does not read swipe table %s: it is temporary', r.qname);
        ELSIF @extschema@._personality_column_type(r.rel, 'user_id') IS DISTINCT FROM 'uuid'
              OR @extschema@._personality_column_type(r.rel, 'product_id') IS DISTINCT FROM 'uuid' THEN
            readable := false;
            warning := format('the model does not read swipe table %s: user_id and product_id must be uuid columns', r.qname);
        ELSIF dir IS NULL THEN
            readable := false;
            warning := format('the model does not read swipe table %s: its direction column %s is missing or not text, varchar, char or an enum',
                              r.qname, coalesce(r.dcol::text, '(none)'));
        ELSIF NOT (pg_catalog.has_column_privilege(r.rel, 'user_id', 'SELECT')
                   AND pg_catalog.has_column_privilege(r.rel, 'product_id', 'SELECT')
                   AND pg_catalog.has_column_privilege(r.rel, r.dcol::text, 'SELECT')
                   AND (r.tcol IS NULL OR pg_catalog.has_column_privilege(r.rel, r.tcol::text, 'SELECT'))) THEN
            readable := false;
            warning := format('the model does not read swipe table %s: role %s may not SELECT its columns',
                              r.qname, current_user);
        ELSE
            IF r.tcol IS NOT NULL THEN
                v_tt := @extschema@._personality_column_type(r.rel, r.tcol);
                ts := 's.' || pg_catalog.quote_ident(r.tcol::text)
                      || CASE WHEN v_tt = 'timestamptz' THEN '' ELSE '::pg_catalog.timestamptz' END;
            ELSIF r.named IS NOT NULL THEN
                warning := format('swipe table %s: its time column %s, named when attaching, is gone or not timestamptz, timestamp or date: the model reads the table whole on every refresh',
                                  r.qname, r.named);
            END IF;
            IF r.relrowsecurity AND NOT coalesce((SELECT a.rolsuper OR a.rolbypassrls FROM pg_catalog.pg_roles a
                                                   WHERE a.rolname = current_user), false)
               AND (r.relforcerowsecurity OR NOT pg_catalog.pg_has_role(r.relowner, 'USAGE')) THEN
                warning := format('swipe table %s has row-level security and role %s does not bypass it: the model may see only some of its swipes',
                                  r.qname, current_user);
            END IF;
        END IF;
        RETURN NEXT;
    END LOOP;
END;
$$;
COMMENT ON FUNCTION _personality_model_inputs() IS
  'Internal: per attached swipe table, what personality_refresh_model reads (qualified name, direction and time expressions), whether it can read it at all (readable) and what to warn about; for the refresh, the attach functions and personality_health.';
ALTER FUNCTION update_personality_from_behavior() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION _personality_swipes_batch() SET search_path = pg_catalog, pg_temp;
COMMENT ON FUNCTION _personality_swipes_batch() IS
  'Internal trigger function (trigger personality_swipes_batch, BEFORE INSERT FOR EACH STATEMENT, beside the row-level learning trigger): does nothing but load the library, so that its end-of-statement hook batches a bulk INSERT''s swipes even on a connection''s first statement.';
ALTER FUNCTION update_personality_from_behavior_bulk() SECURITY DEFINER SET search_path = pg_catalog, pg_temp;
ALTER FUNCTION update_personality_from_behavior() SET enable_seqscan = off;
ALTER FUNCTION _personality_sync_profiles(uuid) SET enable_seqscan = off;
ALTER FUNCTION _personality_assessment(text, int, text, text) SET enable_seqscan = off;
COMMENT ON FUNCTION update_personality_from_behavior_bulk() IS
  'Statement-level trigger function: the learning of update_personality_from_behavior() for every row of an INSERT (transition table personality_new_swipes), computed with a few set-based statements: the same learning states, profiles, history rows and recommendation marks as row by row. Faster for bulk loads. Attach with personality_attach_behavior(table, column, ''statement'').';
COMMENT ON FUNCTION update_personality_from_behavior() IS
  'Trigger function (seed contract): learns from each inserted swipe (right like, up strong like, left dislike, down neutral) by moving the user''s trait scores toward or away from the product''s traits at personality.learning_rate; never fails the swipe. Attach with personality_attach_behavior().';

-- sql/recommend.sql
CREATE OR REPLACE FUNCTION _personality_vector_groups_sync() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_product_vectors'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_product_vectors', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    IF TG_OP = 'INSERT' THEN
        INSERT INTO @extschema@.personality_vector_groups AS g
        SELECT n.group_id, min(n.category), min(n.price_band), min(n.adventurous), min(n.intellectual),
               min(n.practical), min(n.creative), min(n.social), count(*)
          FROM new_rows n WHERE n.is_active GROUP BY n.group_id
        ON CONFLICT (group_id) DO UPDATE SET active_products = g.active_products + EXCLUDED.active_products;
    ELSIF TG_OP = 'UPDATE' THEN
        INSERT INTO @extschema@.personality_vector_groups AS g
        SELECT d.group_id, min(d.category), min(d.price_band), min(d.adventurous), min(d.intellectual),
               min(d.practical), min(d.creative), min(d.social), sum(d.n)
          FROM (SELECT n.group_id, n.category, n.price_band, n.adventurous, n.intellectual, n.practical,
                       n.creative, n.social, 1 AS n FROM new_rows n WHERE n.is_active
                UNION ALL
                SELECT o.group_id, o.category, o.price_band, o.adventurous, o.intellectual, o.practical,
                       o.creative, o.social, -1 FROM old_rows o WHERE o.is_active) d
         GROUP BY d.group_id
        ON CONFLICT (group_id) DO UPDATE SET active_products = g.active_products + EXCLUDED.active_products;
        DELETE FROM @extschema@.personality_vector_groups g
         WHERE g.active_products <= 0 AND g.group_id IN (SELECT o.group_id FROM old_rows o);
    ELSE
        UPDATE @extschema@.personality_vector_groups g SET active_products = g.active_products - d.n
          FROM (SELECT o.group_id, count(*) AS n FROM old_rows o WHERE o.is_active GROUP BY o.group_id) d
         WHERE g.group_id = d.group_id;
        DELETE FROM @extschema@.personality_vector_groups g
         WHERE g.active_products <= 0 AND g.group_id IN (SELECT o.group_id FROM old_rows o);
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_vector_groups_sync() IS
  'Internal trigger function: keeps personality_vector_groups counting the active products of each (category, price band, shares).';
CREATE OR REPLACE FUNCTION _personality_refresh_vectors(p_product_ids uuid[])
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_n bigint;
    v_seen text;
    v_round int := 0;
BEGIN
    IF @extschema@._personality_features_view() IS NULL THEN
        RETURN 0;
    END IF;
    IF p_product_ids IS NULL THEN
        DELETE FROM @extschema@.personality_product_vectors v
         WHERE NOT EXISTS (SELECT 1 FROM @extschema@.personality_product_features f
                            WHERE f.product_id OPERATOR(pg_catalog.=) v.product_id);
    ELSE
        DELETE FROM @extschema@.personality_product_vectors v
         WHERE v.product_id OPERATOR(pg_catalog.=) ANY (p_product_ids)
           AND NOT EXISTS (SELECT 1 FROM @extschema@.personality_product_features f
                            WHERE f.product_id OPERATOR(pg_catalog.=) v.product_id);
    END IF;
    -- The vectors are computed from the gift mappings this statement sees. A concurrent
    -- transaction may change the mappings, rebuild its vectors and commit while this
    -- statement waits for those rows (pg_restore -j: the mappings' COPY against the
    -- rebuild of the products link); the stale values would then win. So the statement
    -- also records which mapping row versions it saw, and runs again (at most 3 times)
    -- when the committed mappings differ afterwards. No lock: taking one here deadlocks
    -- against the products link, which holds ACCESS EXCLUSIVE on products.
    LOOP
        v_round := v_round OPERATOR(pg_catalog.+) 1;
        WITH seen AS MATERIALIZED (
            SELECT pg_catalog.string_agg(m.xmin::pg_catalog.text OPERATOR(pg_catalog.||) m.ctid::pg_catalog.text,
                                         ',' ORDER BY m.ctid) AS versions
              FROM @extschema@.personality_gift_mappings m
        ), written AS (
            INSERT INTO @extschema@.personality_product_vectors AS v
                (product_id, category, price, price_band, group_id, is_active, affinities, strength,
                 adventurous, intellectual, practical, creative, social, refreshed_at)
            SELECT f.product_id, coalesce(pg_catalog.lower(pg_catalog.btrim(f.category)), ''), f.price,
                   a.band,
                   pg_catalog.hashtextextended(pg_catalog.concat_ws('|', coalesce(pg_catalog.lower(pg_catalog.btrim(f.category)), ''),
                                                                    a.band, a.j::pg_catalog.text), 0),
                   coalesce(f.is_active, true), a.j, a.total,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'adventurous')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'intellectual')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'practical')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'creative')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   CASE WHEN a.total OPERATOR(pg_catalog.>) 0 THEN (a.j OPERATOR(pg_catalog.->>) 'social')::pg_catalog.float8 OPERATOR(pg_catalog./) a.total ELSE 0 END,
                   pg_catalog.now()
              FROM @extschema@.personality_product_features f
              CROSS JOIN LATERAL (SELECT t.j,
                                         (t.j OPERATOR(pg_catalog.->>) 'adventurous')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'intellectual')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'practical')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'creative')::pg_catalog.float8
                                         OPERATOR(pg_catalog.+) (t.j OPERATOR(pg_catalog.->>) 'social')::pg_catalog.float8 AS total,
                                         CASE WHEN f.price IS NULL THEN 3
                                              WHEN f.price OPERATOR(pg_catalog.<) 25::pg_catalog.numeric THEN 0
                                              WHEN f.price OPERATOR(pg_catalog.<=) 100::pg_catalog.numeric THEN 1 ELSE 2 END AS band
                                    -- OFFSET 0 keeps the planner from inlining the call once per ->> below
                                    FROM (SELECT @extschema@.personality_product_traits(f.category, f.tags) AS j OFFSET 0) t) a
             WHERE p_product_ids IS NULL OR f.product_id OPERATOR(pg_catalog.=) ANY (p_product_ids)
            ON CONFLICT (product_id) DO UPDATE SET
                category = EXCLUDED.category, price = EXCLUDED.price, price_band = EXCLUDED.price_band,
                group_id = EXCLUDED.group_id,
                is_active = EXCLUDED.is_active,
                affinities = EXCLUDED.affinities, strength = EXCLUDED.strength, adventurous = EXCLUDED.adventurous,
                intellectual = EXCLUDED.intellectual, practical = EXCLUDED.practical,
                creative = EXCLUDED.creative, social = EXCLUDED.social, refreshed_at = pg_catalog.now()
            RETURNING 1
        )
        SELECT (SELECT pg_catalog.count(*) FROM written), (SELECT s.versions FROM seen s)
          INTO v_n, v_seen;
        EXIT WHEN v_round OPERATOR(pg_catalog.>=) 3
               OR v_seen IS NOT DISTINCT FROM
                  (SELECT pg_catalog.string_agg(m.xmin::pg_catalog.text OPERATOR(pg_catalog.||) m.ctid::pg_catalog.text,
                                                ',' ORDER BY m.ctid)
                     FROM @extschema@.personality_gift_mappings m);
    END LOOP;
    IF p_product_ids IS NULL THEN
        -- fresh statistics, or the top-k queries start with bad plans
        ANALYZE @extschema@.personality_product_vectors;
        ANALYZE @extschema@.personality_vector_groups;
    END IF;
    RETURN v_n;
END;
$$;
COMMENT ON FUNCTION _personality_refresh_vectors(uuid[]) IS
  'Internal: personality_refresh_product_vectors without the caller check (for the extension''s triggers).';
CREATE OR REPLACE FUNCTION personality_refresh_product_vectors(p_product_ids uuid[] DEFAULT NULL)
RETURNS bigint
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._personality_require_trusted('refresh the product vectors');
    RETURN @extschema@._personality_refresh_vectors(p_product_ids);
END;
$$;
COMMENT ON FUNCTION personality_refresh_product_vectors(uuid[]) IS
  'Recomputes the precomputed product vectors from personality_product_features and the gift mappings: for the given product ids, or the whole catalog when NULL. Returns the number of vectors written. Run it after replacing the adapter view or bulk-loading products with triggers disabled. For service_role, the owner and superusers (42501 otherwise).';
CREATE OR REPLACE FUNCTION _personality_products_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    -- Whatever table fires it, it only brings vectors in line with the catalog view:
    -- a deleted product's vector goes only when the product is gone from the view.
    IF TG_OP = 'DELETE' THEN
        IF @extschema@._personality_features_view() IS NOT NULL THEN
            DELETE FROM @extschema@.personality_product_vectors v
             WHERE v.product_id IN (SELECT o.id FROM old_rows o)
               AND NOT EXISTS (SELECT 1 FROM @extschema@.personality_product_features f
                                WHERE f.product_id = v.product_id);
        END IF;
    ELSE
        PERFORM @extschema@._personality_refresh_vectors(ARRAY(SELECT n.id FROM new_rows n));
    END IF;
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_products_changed() IS
  'Internal trigger function: keeps personality_product_vectors current when the host''s products change (statement level, transition tables).';
CREATE OR REPLACE FUNCTION _personality_attach_catalog(p_table regclass) RETURNS text
LANGUAGE plpgsql VOLATILE
SET search_path = pg_catalog, pg_temp
SET client_min_messages = warning
AS $$
DECLARE
    v_table regclass := coalesce(p_table, @extschema@._personality_host_table('products'));
    v_n bigint;
BEGIN
    IF v_table IS NULL THEN
        RAISE EXCEPTION 'no products table found' USING ERRCODE = 'undefined_table',
            HINT = 'Create products(id uuid primary key, ...) or pass the table: SELECT personality_attach_catalog(''my_products'');';
    END IF;
    IF (SELECT c.relkind NOT IN ('r', 'p') OR c.relpersistence = 't' FROM pg_class c WHERE c.oid = v_table)
       OR @extschema@._personality_column_type(v_table, 'id') IS DISTINCT FROM 'uuid' THEN
        RAISE EXCEPTION 'cannot attach the catalog %: not a permanent table with id uuid', v_table
            USING ERRCODE = 'wrong_object_type';
    END IF;
    PERFORM @extschema@._personality_create_product_features();
    FOREACH v_n IN ARRAY ARRAY[1, 2, 3] LOOP
        EXECUTE format('DROP TRIGGER IF EXISTS %I ON %s',
                       (ARRAY['personality_products_vectors_ins', 'personality_products_vectors_upd', 'personality_products_vectors_del'])[v_n], v_table);
    END LOOP;
    EXECUTE format('CREATE TRIGGER personality_products_vectors_ins AFTER INSERT ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_products_changed()', v_table);
    EXECUTE format('CREATE TRIGGER personality_products_vectors_upd AFTER UPDATE ON %s '
                   'REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_products_changed()', v_table);
    EXECUTE format('CREATE TRIGGER personality_products_vectors_del AFTER DELETE ON %s '
                   'REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_products_changed()', v_table);
    EXECUTE format('COMMENT ON TRIGGER personality_products_vectors_ins ON %s IS %L', v_table, 'personality_ext: keeps personality_product_vectors current.');
    EXECUTE format('COMMENT ON TRIGGER personality_products_vectors_upd ON %s IS %L', v_table, 'personality_ext: keeps personality_product_vectors current.');
    EXECUTE format('COMMENT ON TRIGGER personality_products_vectors_del ON %s IS %L', v_table, 'personality_ext: keeps personality_product_vectors current.');
    PERFORM @extschema@._personality_adopt_triggers();
    v_n := @extschema@._personality_refresh_vectors(NULL);
    RETURN format('attached to %s; %s product vectors computed', v_table, v_n);
END;
$$;
COMMENT ON FUNCTION _personality_attach_catalog(regclass) IS
  'Internal: personality_attach_catalog without the caller check.';
CREATE OR REPLACE FUNCTION personality_attach_catalog(p_table regclass DEFAULT NULL) RETURNS text
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF NOT @extschema@._personality_may_attach(coalesce(p_table, @extschema@._personality_host_table('products'))) THEN
        RAISE EXCEPTION 'permission denied to attach the catalog %', coalesce(p_table::text, 'products')
            USING ERRCODE = 'insufficient_privilege',
                  HINT = 'The owner of the table attaches it, and only when it is also trusted (superuser, service_role, the owner of the personality tables).';
    END IF;
    RETURN @extschema@._personality_attach_catalog(p_table);
END;
$$;
COMMENT ON FUNCTION personality_attach_catalog(regclass) IS
  'Keeps personality_product_vectors current for the host''s products table (statement triggers personality_products_vectors_ins/upd/del) and computes every vector now. Done at install when products exists; call it yourself when products was created after the extension. For trusted roles that own the table (42501 otherwise).';
CREATE OR REPLACE FUNCTION _personality_mappings_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID <> '@extschema@.personality_gift_mappings'::regclass THEN
        RAISE EXCEPTION 'personality_ext: % fires only on personality_gift_mappings', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM @extschema@._personality_refresh_vectors(NULL);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_mappings_changed() IS
  'Internal trigger function: a change of the gift mappings changes every product''s affinities; rebuild the vectors.';

-- sql/recommend_api.sql
CREATE OR REPLACE FUNCTION personality_recommend(
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

-- sql/model.sql
CREATE OR REPLACE FUNCTION _personality_derived_changed() RETURNS trigger
LANGUAGE plpgsql
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    IF TG_RELID NOT IN ('@extschema@.personality_product_vectors'::regclass,
                        '@extschema@.personality_item_stats'::regclass,
                        '@extschema@.personality_item_neighbours'::regclass) THEN
        RAISE EXCEPTION 'personality_ext: % fires only on the tables personality_recommend copies', TG_NAME
            USING ERRCODE = 'object_not_in_prerequisite_state';
    END IF;
    PERFORM @extschema@._personality_invalidate_copies(TG_RELID);
    RETURN NULL;
END;
$$;
COMMENT ON FUNCTION _personality_derived_changed() IS
  'Internal trigger function: after a statement writes personality_product_vectors, personality_item_stats or personality_item_neighbours, ends every connection''s copies of them (at commit).';
COMMENT ON FUNCTION _personality_invalidate_copies(oid) IS
  'Internal: sends a relcache invalidation for one of the tables personality_recommend copies per connection (personality.cache_mb), so that every connection drops its copies when the transaction commits.';
COMMENT ON FUNCTION _personality_decay(timestamptz, timestamptz, float8) IS
  'Internal: 0.5^(age / half-life) of a time at another (personality_core''s decay of the item stats'' like mass, the exponent capped at 1000 half-lives), for the refresh''s catalog numbers.';
COMMENT ON FUNCTION _personality_model_constant(text) IS
  'Internal: a constant of the collaborative model as personality_core defines it (half_life_seconds, neighbours_per_product, likes_per_person, products_per_pass, rate_prior, side_score, min_people), for SQL that needs one; 22023 for another name.';
COMMENT ON FUNCTION _personality_min_people() IS
  'Internal: personality.min_people (superuser only, default 3), read through the library: the distinct people an aggregate about others needs before the refresh, personality_recommend or personality_similar_products show or use it.';
ALTER FUNCTION _personality_refresh_model(boolean) SET TimeZone = 'UTC';
COMMENT ON FUNCTION _personality_refresh_model(boolean) IS
  'Internal: personality_refresh_model without the caller check.';
CREATE OR REPLACE FUNCTION personality_refresh_model(p_full boolean DEFAULT false) RETURNS jsonb
LANGUAGE plpgsql VOLATILE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_out jsonb;
    v_ranker jsonb;
    v_why text;
BEGIN
    PERFORM @extschema@._personality_require_trusted('refresh the recommendation model');
    IF p_full IS NULL THEN
        RAISE EXCEPTION 'p_full must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    v_out := @extschema@._personality_refresh_model(p_full);
    -- the ranker's weights learnt from the same swipes (issue 23; src/ranker.rs): on a
    -- full refresh, and otherwise at most once an hour (the worker refreshes every
    -- 30 s; training costs about a full neighbour build over the past). A failure
    -- keeps the previous weights and never undoes the refresh (a cancel still
    -- cancels: OTHERS does not catch it).
    IF p_full OR NOT EXISTS (
           SELECT 1 FROM @extschema@.personality_ranker_state s
            WHERE s.id
              AND s.learnt_at OPERATOR(pg_catalog.>) (pg_catalog.now() OPERATOR(pg_catalog.-) '1 hour'::pg_catalog.interval)) THEN
        BEGIN
            v_ranker := @extschema@._personality_learn_ranker();
        EXCEPTION WHEN OTHERS THEN
            GET STACKED DIAGNOSTICS v_why = MESSAGE_TEXT;
            RAISE WARNING 'personality_ext: the ranker kept its previous weights: %', v_why;
            v_ranker := pg_catalog.jsonb_build_object('error', v_why);
        END;
    ELSE
        v_ranker := pg_catalog.jsonb_build_object('skipped', 'learnt less than an hour ago');
    END IF;
    RETURN v_out OPERATOR(pg_catalog.||) pg_catalog.jsonb_build_object('ranker', v_ranker);
END;
$$;
COMMENT ON FUNCTION personality_refresh_model(boolean) IS
  'Refreshes the collaborative model of personality_recommend from every attached swipe table, dated by its time column (personality_swipe_tables.time_column; a table without one is read whole when its row count changes, dated at the refresh), natively (personality_core): reads only the swipes since the last refresh and folds them into each person''s opinions (their latest swipe of each product, kept in personality_model_people), recomputes personality_item_stats (distinct people) for the products with new swipes and the top-100 neighbour lists (personality_item_neighbours) that can have changed, and writes those that did; p_full => true, a first refresh, or swipes added below the last mark or deleted recompute everything from the swipes (and still write only the rows that differ from the stored model). Swipes with no time, an infinite one or one more than a day ahead are skipped with a WARNING naming them; a table it cannot read gets a WARNING. Memory is bounded by personality.refresh_memory_mb (53200 past it; the previous model stays). One refresh at a time (a second waits); recommendations read the previous model until it commits. Returns what it did as jsonb (full, swipes_read, rows_refreshed, stats_refreshed, people_refreshed, products_with_neighbours, swipes_until, lag_ms, rows_skipped, tables_unread, tables_untimed, steps_ms, ms, and ranker: the training of the ranker''s weights on a full refresh or at most hourly, personality_ranker). Schedule it, e.g. every 10 minutes with pg_cron: SELECT cron.schedule(''personality-model'', ''*/10 * * * *'', ''SELECT personality_refresh_model()''), or let the background worker run it (personality.refresh_database). For service_role, the owner and superusers (42501 otherwise).';
CREATE OR REPLACE FUNCTION personality_similar_products(
    p_product_id uuid,
    p_limit int DEFAULT 10,
    p_max_price numeric DEFAULT NULL,
    p_occasion text DEFAULT NULL
) RETURNS TABLE (product_id uuid, similarity real, reasons jsonb)
LANGUAGE plpgsql STABLE
SECURITY DEFINER
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_category text;
    v_group bigint;
    v_band smallint;
    v_occasion text := pg_catalog.lower(pg_catalog.btrim(p_occasion));
    -- an aggregate about other people needs this many of them (issue 20 point 3)
    v_min real := @extschema@._personality_min_people()::pg_catalog.float4;
BEGIN
    -- every operator, function and type below is schema-qualified (issue 11)
    IF v_occasion OPERATOR(pg_catalog.=) '' THEN
        v_occasion := NULL;
    END IF;
    IF p_product_id IS NULL THEN
        RAISE EXCEPTION 'product id must not be NULL' USING ERRCODE = 'null_value_not_allowed';
    END IF;
    IF p_limit IS NULL OR p_limit OPERATOR(pg_catalog.<) 1 OR p_limit OPERATOR(pg_catalog.>) 1000 THEN
        RAISE EXCEPTION 'limit must be between 1 and 1000, got %', coalesce(p_limit::pg_catalog.text, 'NULL')
            USING ERRCODE = 'invalid_parameter_value';
    END IF;
    IF p_max_price IS NOT NULL
       AND (p_max_price OPERATOR(pg_catalog.=) ANY ('{NaN,Infinity,-Infinity}'::pg_catalog.numeric[])
            OR p_max_price OPERATOR(pg_catalog.<) 0) THEN
        RAISE EXCEPTION 'maximum price must be a finite number >= 0, got %', p_max_price
            USING ERRCODE = 'invalid_parameter_value', HINT = 'Pass NULL for no price limit.';
    END IF;
    SELECT v.category, v.group_id, v.price_band INTO v_category, v_group, v_band
      FROM @extschema@.personality_product_vectors v WHERE v.product_id OPERATOR(pg_catalog.=) p_product_id;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'product % is not in the catalog', p_product_id
            USING ERRCODE = 'no_data_found',
                  HINT = 'Products get a vector when the products table is attached: SELECT personality_attach_catalog();';
    END IF;
    RETURN QUERY
    WITH occ_rel AS (
        -- each mapping's relevance of the occasion (NULL: no occasion given)
        SELECT m.personality_type::pg_catalog.text AS t,
               CASE WHEN pg_catalog.jsonb_typeof(m.occasion_relevance OPERATOR(pg_catalog.->) v_occasion)
                         OPERATOR(pg_catalog.=) 'number'
                    THEN (m.occasion_relevance OPERATOR(pg_catalog.->>) v_occasion)::pg_catalog.float8 END AS rel
          FROM @extschema@.personality_gift_mappings m
         WHERE v_occasion IS NOT NULL
    ),
    occ AS (
        -- per trait, the best mapping's relevance
        SELECT pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'adventurous') AS a,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'intellectual') AS i,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'practical') AS p,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'creative') AS c,
               pg_catalog.max(r.rel) FILTER (WHERE r.t OPERATOR(pg_catalog.=) 'social') AS s
          FROM occ_rel r
    ),
    -- 1. neighbours by co-likes (best first), each pair liked by personality.min_people
    -- people at least: fewer would show one person's likes
    nb AS (
        SELECT u.id, u.sim, u.co, u.ord
          FROM @extschema@.personality_item_neighbours n
         CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(n.neighbour_ids), pg_catalog.unnest(n.sims),
                                       pg_catalog.unnest(n.cos)) WITH ORDINALITY AS u(id, sim, co, ord)
         WHERE n.product_id OPERATOR(pg_catalog.=) p_product_id
           AND u.co OPERATOR(pg_catalog.>=) v_min
    ),
    -- 2. content: the same trait profile (group), then the same category and price band
    content AS (
        (SELECT v.product_id AS id, 1 AS tier FROM @extschema@.personality_product_vectors v
          WHERE v.group_id OPERATOR(pg_catalog.=) v_group AND v.is_active
            AND v.product_id OPERATOR(pg_catalog.<>) p_product_id
          ORDER BY v.product_id LIMIT 500)
        UNION ALL
        (SELECT v.product_id, 2 FROM @extschema@.personality_product_vectors v
          WHERE v.category OPERATOR(pg_catalog.=) v_category AND v.price_band OPERATOR(pg_catalog.=) v_band
            AND v.is_active AND v.group_id OPERATOR(pg_catalog.<>) v_group
            AND v.product_id OPERATOR(pg_catalog.<>) p_product_id
          ORDER BY v.adventurous DESC, v.product_id LIMIT 500)
    ),
    cand AS (
        SELECT nb.id, nb.sim::pg_catalog.float8 AS score, nb.sim, nb.co, 0 AS tier FROM nb
        UNION ALL
        SELECT c.id, NULL, NULL, NULL, c.tier FROM content c
         WHERE NOT EXISTS (SELECT 1 FROM nb WHERE nb.id OPERATOR(pg_catalog.=) c.id)
    ),
    scored AS (
        SELECT c.id, c.sim, c.co, c.tier, v.category, v.price,
               CASE WHEN v_occasion IS NULL THEN 1.0
                    ELSE (v.adventurous OPERATOR(pg_catalog.*) coalesce(o.a, 0.5))
                         OPERATOR(pg_catalog.+) (v.intellectual OPERATOR(pg_catalog.*) coalesce(o.i, 0.5))
                         OPERATOR(pg_catalog.+) (v.practical OPERATOR(pg_catalog.*) coalesce(o.p, 0.5))
                         OPERATOR(pg_catalog.+) (v.creative OPERATOR(pg_catalog.*) coalesce(o.c, 0.5))
                         OPERATOR(pg_catalog.+) (v.social OPERATOR(pg_catalog.*) coalesce(o.s, 0.5)) END AS occ_fit,
               st.likes,
               (st.likes OPERATOR(pg_catalog.+) 1)
                 OPERATOR(pg_catalog./) (st.likes OPERATOR(pg_catalog.+) st.dislikes OPERATOR(pg_catalog.+) 2) AS rate
          FROM cand c
          JOIN @extschema@.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) c.id AND v.is_active
          -- people who like or dislike it, counted only from personality.min_people up
          LEFT JOIN LATERAL (
              SELECT CASE WHEN x.likes OPERATOR(pg_catalog.>=) v_min THEN x.likes ELSE 0 END AS likes,
                     CASE WHEN x.dislikes OPERATOR(pg_catalog.>=) v_min THEN x.dislikes ELSE 0 END AS dislikes
                FROM (SELECT coalesce(pg_catalog.max(s2.likes), 0::pg_catalog.float8) AS likes,
                             coalesce(pg_catalog.max(s2.dislikes), 0::pg_catalog.float8) AS dislikes
                        FROM @extschema@.personality_item_stats s2
                       WHERE s2.product_id OPERATOR(pg_catalog.=) c.id) x) st ON true
          LEFT JOIN occ o ON true
         WHERE (p_max_price IS NULL OR v.price OPERATOR(pg_catalog.<=) p_max_price)
    ),
    vis AS (
        -- the host's row-level security on products: only what the caller may SELECT
        -- (NULL: nothing is hidden from them)
        SELECT @extschema@._personality_visible_products(ARRAY(SELECT sc.id FROM scored sc)) AS ids
    )
    SELECT s.id,
           (CASE WHEN s.tier OPERATOR(pg_catalog.=) 0 THEN s.sim ELSE 0 END)::pg_catalog.float4,
           pg_catalog.to_jsonb(pg_catalog.array_remove(ARRAY[
               CASE WHEN s.tier OPERATOR(pg_catalog.=) 0 AND s.co OPERATOR(pg_catalog.>=) 3
                    THEN pg_catalog.format('liked by %s people who also liked this', s.co::pg_catalog.int4)
                    WHEN s.tier OPERATOR(pg_catalog.=) 0 THEN 'liked by people who also liked this' END,
               CASE WHEN s.tier OPERATOR(pg_catalog.=) 1 THEN 'same category, price band and personality profile'
                    WHEN s.tier OPERATOR(pg_catalog.=) 2 THEN 'same category and price band'
                    WHEN s.category OPERATOR(pg_catalog.=) v_category AND s.category OPERATOR(pg_catalog.<>) ''
                    THEN pg_catalog.format('also in %s', s.category) END,
               CASE WHEN v_occasion IS NOT NULL AND s.occ_fit OPERATOR(pg_catalog.>=) 0.7
                    THEN pg_catalog.format('a good fit for %s', pg_catalog.replace(v_occasion, '_', ' ')) END,
               CASE WHEN p_max_price IS NOT NULL AND s.price IS NOT NULL
                    THEN pg_catalog.format('within your budget (%s of %s)', pg_catalog.to_char(s.price, 'FM999999990.00'),
                                           pg_catalog.to_char(p_max_price, 'FM999999990.00')) END
           ]::pg_catalog.text[], NULL::pg_catalog.text))
      FROM scored s
     CROSS JOIN vis
     WHERE (v_occasion IS NULL OR s.occ_fit OPERATOR(pg_catalog.>) 0)
       AND (vis.ids IS NULL OR s.id OPERATOR(pg_catalog.=) ANY (vis.ids))
     ORDER BY s.tier,
              coalesce(s.sim, 0) OPERATOR(pg_catalog.*)
                (CASE WHEN v_occasion IS NULL THEN 1
                      ELSE 0.5 OPERATOR(pg_catalog.+) (0.5 OPERATOR(pg_catalog.*) s.occ_fit) END) DESC,
              s.rate DESC, s.likes DESC, s.id
     LIMIT p_limit;
END;
$$;
COMMENT ON FUNCTION personality_similar_products(uuid, int, numeric, text) IS
  'Products similar to p_product_id (the seed''s ''similar'' context): first its stored neighbours by co-likes (personality_refresh_model) liked together by at least personality.min_people people, best similarity first, then products with the same category, price band and personality profile, then the same category and price band; only active products, under p_max_price when given; with an occasion, products whose traits do not fit it are dropped and the rest ranked by fit too. Each row says why (reasons). When the host''s products table has row-level security, only products the caller may SELECT are returned. 22023 for a bad limit or price, P0002 for a product without a vector.';

-- sql/ranker.sql
COMMENT ON FUNCTION _personality_ranker_defaults() IS
  'Internal: the ranker''s features and default weights (personality_core::ranker), for the personality_ranker view.';
COMMENT ON FUNCTION _personality_learn_ranker() IS
  'Internal: learns the ranker''s weights from the swipes of the attached swipe tables (personality_core::ranker::learn: time-respecting, pairwise, seeded, at most 5,000 examples from the 200,000 most recent swipes) and stores them in personality_ranker_weights and personality_ranker_state; personality_refresh_model() calls it after the model is refreshed. Returns what it did as jsonb.';

-- sql/monitoring.sql
CREATE OR REPLACE FUNCTION personality_slow_queries(p_limit int DEFAULT 10)
RETURNS TABLE(query text, calls bigint, total_exec_ms double precision, mean_exec_ms double precision, rows bigint)
LANGUAGE plpgsql STABLE
SET search_path = pg_catalog, pg_temp
AS $$
DECLARE
    v_view regclass;
BEGIN
    SELECT format('%I.pg_stat_statements', n.nspname)::regclass INTO v_view
      FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
     WHERE e.extname = 'pg_stat_statements';
    IF v_view IS NULL THEN
        RAISE NOTICE 'pg_stat_statements is not installed, so there is nothing to report'
            USING HINT = 'Add pg_stat_statements to shared_preload_libraries, restart, then CREATE EXTENSION pg_stat_statements;';
        RETURN;
    END IF;
    RETURN QUERY EXECUTE format(
        'SELECT s.query, s.calls, s.total_exec_time, s.mean_exec_time, s.rows FROM %s s
          WHERE s.query NOT LIKE ''%%pg_stat_statements%%''
          ORDER BY s.total_exec_time DESC LIMIT $1', v_view)
        USING greatest(p_limit, 0);
END;
$$;
COMMENT ON FUNCTION personality_slow_queries(int) IS
  'The seed''s slowest-queries report from pg_stat_statements (by total execution time); empty, with a NOTICE saying how to enable it, when pg_stat_statements is not installed.';
CREATE OR REPLACE FUNCTION personality_health()
RETURNS TABLE(alert_level text, connection_usage_pct numeric, connection_alert text,
              dead_row_ratio numeric, dead_row_alert text,
              profiles bigint, assessments bigint, recommendations bigint, product_vectors bigint,
              swipe_tables integer, host_links_missing integer,
              last_assessment_at timestamptz, checked_at timestamptz,
              model_alert text, model_refreshed_at timestamptz, model_lag_seconds numeric,
              model_rows_skipped bigint, swipe_tables_unread integer, swipe_tables_untimed integer)
LANGUAGE plpgsql STABLE
SECURITY DEFINER  -- counts rows of every personality table, whatever the caller may read
SET search_path = pg_catalog, pg_temp
AS $$
BEGIN
    PERFORM @extschema@._personality_require_trusted('read the health report');
    SELECT c.usage_pct, c.alert_level INTO connection_usage_pct, connection_alert
      FROM @extschema@.personality_connection_usage c;
    SELECT round(sum(t.dead_rows)::numeric / nullif(sum(t.live_rows + t.dead_rows), 0), 4)
      INTO dead_row_ratio
      FROM @extschema@.personality_table_stats t WHERE t.is_extension_table;
    dead_row_alert := CASE WHEN coalesce(dead_row_ratio, 0) > 0.4 THEN 'critical'
                           WHEN coalesce(dead_row_ratio, 0) > 0.2 THEN 'warning' ELSE 'ok' END;
    SELECT count(*) INTO profiles FROM @extschema@.personality_profiles;
    SELECT count(*), max(h.assessment_timestamp) INTO assessments, last_assessment_at
      FROM @extschema@.personality_assessment_history h;
    SELECT count(*) INTO recommendations FROM @extschema@.personality_recommendations;
    SELECT count(*) INTO product_vectors FROM @extschema@.personality_product_vectors;
    SELECT count(*) INTO swipe_tables FROM @extschema@.personality_swipe_tables;
    SELECT count(*) INTO host_links_missing FROM @extschema@.personality_host_status() s WHERE s.status <> 'linked';
    -- The collaborative model (issues 20 and 21): swipe tables the refresh cannot read
    -- (now, with the owner's rights, as the refresh reads them) or reads without a time
    -- column; what the last refresh skipped; how far its high-water mark lagged.
    SELECT count(*) FILTER (WHERE NOT i.readable), count(*) FILTER (WHERE i.readable AND i.ts IS NULL)
      INTO swipe_tables_unread, swipe_tables_untimed
      FROM @extschema@._personality_model_inputs() i;
    SELECT m.refreshed_at, round(extract(epoch FROM m.refreshed_at - m.swipes_until)::numeric, 3), m.rows_skipped
      INTO model_refreshed_at, model_lag_seconds, model_rows_skipped
      FROM @extschema@.personality_model_state m;
    model_rows_skipped := coalesce(model_rows_skipped, 0);
    model_alert := CASE WHEN swipe_tables_unread > 0 OR model_rows_skipped > 0 OR coalesce(model_lag_seconds, 0) > 300
                        THEN 'warning' ELSE 'ok' END;
    alert_level := CASE WHEN 'critical' IN (connection_alert, dead_row_alert) THEN 'critical'
                        WHEN 'warning' IN (connection_alert, dead_row_alert, model_alert) OR host_links_missing > 0 THEN 'warning'
                        ELSE 'ok' END;
    checked_at := now();
    RETURN NEXT;
END;
$$;
COMMENT ON FUNCTION personality_health() IS
  'For service_role, the owner and superusers (42501 otherwise). One row: the overall alert level (worst of connections > 60/80 %, dead-row ratio of the extension''s tables > 0.2/0.4, missing host links, the model''s alert) and the metrics behind it: row counts, attached swipe tables, last assessment; the collaborative model''s alert (warning: a swipe table the refresh cannot read, swipes the last refresh skipped for a missing, infinite or far-future time, or a high-water mark more than 300 s behind), its last refresh, that lag in seconds, the skipped swipes, unreadable swipe tables and swipe tables without a time column (read whole).';

-- sql/finalize.sql
COMMENT ON FUNCTION _personality_recommend(uuid, integer, text, text, double precision) IS
  'Internal: the native top-k of personality_recommend (threshold algorithm over personality_product_vectors); upserts and returns the product ids, best first.';
-- who may run what (sql/finalize.sql)
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
COMMENT ON FUNCTION _personality_visible_products(uuid[]) IS
  'Internal: which of the given products the caller (the session''s role after SET ROLE) may SELECT in the host''s products table under its row-level security, checked with the caller''s identity; NULL when the table has no row-level security that applies to the caller. personality_recommend and personality_similar_products return and store only those.';

-- ===== sql/upgrade/0.3.0--0.4.0.tail.sql
-- The views dropped in the head, as a fresh installation defines them (every function
-- and operator by schema), with their grants.
CREATE VIEW personality_swipe_tables AS
SELECT t.tgrelid::pg_catalog.regclass AS swipe_table,
       pg_catalog.convert_from(pg_catalog.substr(t.tgargs, 1::pg_catalog.int4,
                                                 pg_catalog.position(t.tgargs, '\x00'::pg_catalog.bytea) OPERATOR(pg_catalog.-) 1::pg_catalog.int4),
                               pg_catalog.getdatabaseencoding()::pg_catalog.name)::pg_catalog.name AS direction_column,
       t.tgenabled OPERATOR(pg_catalog.<>) 'D'::pg_catalog."char" AS enabled,
       CASE WHEN (t.tgtype::pg_catalog.int4 OPERATOR(pg_catalog.&) 1::pg_catalog.int4) OPERATOR(pg_catalog.=) 1::pg_catalog.int4
            THEN 'row'::pg_catalog.text ELSE 'statement'::pg_catalog.text END AS for_each,
       @extschema@._personality_time_column(t.tgrelid::pg_catalog.regclass,
                                            CASE WHEN t.tgnargs OPERATOR(pg_catalog.>=) 2::pg_catalog.int2
                                                 THEN @extschema@._personality_trigger_arg(t.tgargs, 2::pg_catalog.int4) END) AS time_column
  FROM pg_catalog.pg_trigger t
 WHERE t.tgname OPERATOR(pg_catalog.=) 'update_personality_from_swipes'::pg_catalog.name
   AND t.tgfoid OPERATOR(pg_catalog.=) ANY (ARRAY['@extschema@.update_personality_from_behavior()'::pg_catalog.regprocedure,
                                                  '@extschema@.update_personality_from_behavior_bulk()'::pg_catalog.regprocedure]::pg_catalog.oid[]);
COMMENT ON VIEW personality_swipe_tables IS
  'The swipe tables behaviour learning is attached to, with their direction column, trigger level (row, or statement for bulk loads) and the column dating their swipes for the collaborative model (time_column: named when attaching, else created_at, swipe_timestamp or the only timestamptz column; NULL: none, the refresh reads the table whole).';

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

-- Erasure and KPIs (issue 20 points 6, 9), after the functions they use.
CREATE TRIGGER personality_profiles_erase AFTER DELETE ON personality_profiles
    FOR EACH ROW EXECUTE FUNCTION _personality_erase_profile();
COMMENT ON TRIGGER personality_profiles_erase ON personality_profiles IS
  'Right to erasure: a deleted profile takes its queued swipes, learning state, recommendations, recorded swipes and the model''s copy of its opinions with it (assessment history references the account, as in the seed, and goes with the account).';
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

-- Row-level swipe tables get the statement trigger that loads the library first
-- (a connection's first bulk INSERT was learnt row by row, in quadratic time).
DO $$
DECLARE
    v_search_path text := pg_catalog.current_setting('search_path'::pg_catalog.text);
    r record;
BEGIN
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, 'pg_catalog, pg_temp'::pg_catalog.text, true);
    FOR r IN SELECT t.swipe_table FROM @extschema@.personality_swipe_tables t
              WHERE t.for_each OPERATOR(pg_catalog.=) 'row'::pg_catalog.text LOOP
        EXECUTE pg_catalog.format('DROP TRIGGER IF EXISTS personality_swipes_batch ON %s', r.swipe_table);
        EXECUTE pg_catalog.format('CREATE TRIGGER personality_swipes_batch BEFORE INSERT ON %s '
                                  'FOR EACH STATEMENT EXECUTE FUNCTION @extschema@._personality_swipes_batch()',
                                  r.swipe_table);
        EXECUTE pg_catalog.format('COMMENT ON TRIGGER personality_swipes_batch ON %s IS %L', r.swipe_table,
                                  'personality_ext: loads the learning library before a statement''s swipes are learnt, so that a bulk INSERT is learnt in one batch.');
    END LOOP;
    PERFORM @extschema@._personality_adopt_triggers();
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, v_search_path, true);
END;
$$;

-- The learnt ranker's weights, state and view (issue 23), as sql/ranker.sql creates them.
CREATE TABLE personality_ranker_weights (
    feature text PRIMARY KEY,
    -- NULL until a refresh learnt it (then also when the defaults stayed)
    learnt float8,
    -- the operator's value: wins over learnt and default while not NULL (a non-finite
    -- one is ignored: the default applies)
    pinned float8
);
COMMENT ON TABLE personality_ranker_weights IS
  'The weights of personality_recommend''s score, one row per feature (personality_ranker shows them in use). learnt: written by personality_refresh_model() from the install''s own swipes (NULL while it had too few, or when the learnt weights did not beat the defaults on held-out swipes); pinned: set by the operator (UPDATE personality_ranker_weights SET pinned = 0.5 WHERE feature = ''popularity''), wins over learnt and default; NULL to unpin. Owner and superusers only.';
ALTER TABLE personality_ranker_weights ENABLE ROW LEVEL SECURITY;

CREATE TABLE personality_ranker_state (
    id boolean PRIMARY KEY DEFAULT true CHECK (id),
    learnt_at timestamptz,
    -- 'learnt', or why the defaults apply
    status text NOT NULL DEFAULT 'defaults: not learnt yet (no refresh)',
    examples integer NOT NULL DEFAULT 0,
    pairs integer NOT NULL DEFAULT 0,
    -- held-out pairwise AUC of the learnt and of the default weights
    auc_learnt float8,
    auc_default float8,
    swipes_read bigint NOT NULL DEFAULT 0,
    ms float8
);
COMMENT ON TABLE personality_ranker_state IS
  'One row (none before the first refresh): the last training of the ranker''s weights by personality_refresh_model(): when, its outcome (status: learnt, or why the defaults apply), the examples and pairs it used, the held-out pairwise AUC of the learnt and the default weights, the swipes it read and how long it took.';
ALTER TABLE personality_ranker_state ENABLE ROW LEVEL SECURITY;

CREATE VIEW personality_ranker AS
SELECT d.ord, d.feature, coalesce(w.pinned, w.learnt, d.default_weight) AS weight,
       CASE WHEN w.pinned IS NOT NULL THEN 'pinned'
            WHEN w.learnt IS NOT NULL THEN 'learnt'
            ELSE 'default' END AS source,
       w.learnt, d.default_weight, w.pinned,
       coalesce(s.status, 'defaults: not learnt yet (no refresh)') AS status,
       coalesce(s.examples, 0) AS examples, s.learnt_at, s.auc_learnt, s.auc_default
  FROM @extschema@._personality_ranker_defaults() d
  LEFT JOIN @extschema@.personality_ranker_weights w ON w.feature OPERATOR(pg_catalog.=) d.feature
  LEFT JOIN @extschema@.personality_ranker_state s ON s.id;
COMMENT ON VIEW personality_ranker IS
  'The weights personality_recommend scores with, one row per feature, with where each comes from (source: pinned by the operator, learnt by the last refresh, or default), the learnt, default and pinned values, and the last training''s outcome (status says why the defaults apply: too few swipes, or the learnt weights did not order held-out swipes better). Features: personality_fit, collaborative, co_like_support, item_quality, popularity, favourite_category, side_popularity and the crosses with the person''s evidence (_x_evidence: times n/(n+10), n their swipes). Owner, superusers and service_role.';
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON @extschema@.personality_ranker TO service_role;
    END IF;
END;
$$;
