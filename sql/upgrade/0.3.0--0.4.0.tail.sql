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
