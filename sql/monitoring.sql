-- Monitoring (README "Operations"): the seed's dashboard queries as views and
-- functions of the extension, with its alert thresholds. None is granted to anon or
-- authenticated (functions are revoked from PUBLIC; views have no grants).

-- Every function and operator of these stored expressions is pg_catalog's, named by
-- schema, with typed literals: a public overload planted before CREATE EXTENSION (say
-- *(numeric, integer)) must never bind here (issue 20).
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

CREATE FUNCTION personality_slow_queries(p_limit int DEFAULT 10)
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

CREATE FUNCTION personality_health()
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

DO $$
DECLARE
    v_search_path text := pg_catalog.current_setting('search_path'::pg_catalog.text);
BEGIN
    -- Install-time code runs as a superuser with public on the search path: pin it
    -- to pg_catalog so that no overload planted in public can run here (issue 20).
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, 'pg_catalog, pg_temp'::pg_catalog.text, true);
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'service_role') THEN
        GRANT SELECT ON @extschema@.personality_table_stats, @extschema@.personality_connection_usage TO service_role;
    END IF;
    PERFORM pg_catalog.set_config('search_path'::pg_catalog.text, v_search_path, true);
END;
$$;
