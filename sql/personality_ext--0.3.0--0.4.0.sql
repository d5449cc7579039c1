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
REVOKE ALL ON FUNCTION _personality_visible_products(uuid[]) FROM PUBLIC;
COMMENT ON FUNCTION _personality_visible_products(uuid[]) IS
  'Internal: which of the given products the caller (the session''s role after SET ROLE) may SELECT in the host''s products table under its row-level security, checked with the caller''s identity; NULL when the table has no row-level security that applies to the caller. personality_recommend and personality_similar_products return and store only those.';
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
    -- 1. neighbours by co-likes (best first)
    nb AS (
        SELECT u.id, u.sim, u.co, u.ord
          FROM @extschema@.personality_item_neighbours n
         CROSS JOIN LATERAL ROWS FROM (pg_catalog.unnest(n.neighbour_ids), pg_catalog.unnest(n.sims),
                                       pg_catalog.unnest(n.cos)) WITH ORDINALITY AS u(id, sim, co, ord)
         WHERE n.product_id OPERATOR(pg_catalog.=) p_product_id
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
               coalesce(st.likes, 0) AS likes,
               (coalesce(st.likes, 0) OPERATOR(pg_catalog.+) 1)
                 OPERATOR(pg_catalog./) (coalesce(st.likes, 0) OPERATOR(pg_catalog.+) coalesce(st.dislikes, 0)
                                         OPERATOR(pg_catalog.+) 2) AS rate
          FROM cand c
          JOIN @extschema@.personality_product_vectors v ON v.product_id OPERATOR(pg_catalog.=) c.id AND v.is_active
          LEFT JOIN @extschema@.personality_item_stats st ON st.product_id OPERATOR(pg_catalog.=) c.id
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
  'Products similar to p_product_id (the seed''s ''similar'' context): first its stored neighbours by co-likes (personality_refresh_model), best similarity first, then products with the same category, price band and personality profile, then the same category and price band; only active products, under p_max_price when given; with an occasion, products whose traits do not fit it are dropped and the rest ranked by fit too. Each row says why (reasons). When the host''s products table has row-level security, only products the caller may SELECT are returned. 22023 for a bad limit or price, P0002 for a product without a vector.';
