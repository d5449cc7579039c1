-- Monitoring views and functions on a loaded database: what they list, their alert
-- levels, the pg_stat_statements fallback, and that application roles get none of them.
\set SHOW_CONTEXT never
BEGIN;
\set ECHO none
\ir ../fixtures/host_schema.sql
\set products 200
\set users 10
\ir ../fixtures/sample_data.sql
\set ECHO all
CREATE EXTENSION personality_ext;
INSERT INTO swipes (user_id, product_id, direction)
SELECT '00000000-0000-4000-d000-000000000001', id, 'right' FROM products ORDER BY id LIMIT 5;

-- the extension's tables and the host's, nothing else
SELECT tablename, is_extension_table FROM personality_table_stats ORDER BY tablename;

SELECT active_connections >= 1 AS sees_this_session,
       max_connections > 0 AS has_max,
       available_connections = max_connections - active_connections AS available_adds_up,
       usage_pct BETWEEN 0 AND 100 AS pct_in_range,
       alert_level IN ('ok', 'warning', 'critical') AS level_known
  FROM personality_connection_usage;

-- without pg_stat_statements: empty, and a notice saying how to enable it
SELECT * FROM personality_slow_queries();

SELECT alert_level IN ('ok', 'warning', 'critical') AS level_known,
       connection_alert IN ('ok', 'warning', 'critical') AS connection_level_known,
       profiles, recommendations, product_vectors, swipe_tables, host_links_missing,
       assessments, last_assessment_at IS NOT NULL AS has_last_assessment
  FROM personality_health();

-- nobody but the owner (and service_role, where it exists) may call or read them
SELECT p.proname, a.grantee = 0 AS granted_to_public
  FROM pg_proc p, aclexplode(coalesce(p.proacl, acldefault('f', p.proowner))) a
 WHERE p.proname IN ('personality_health', 'personality_slow_queries') AND a.privilege_type = 'EXECUTE'
 ORDER BY 1, 2;
SELECT c.relname, count(a.grantee) FILTER (WHERE a.grantee <> c.relowner) AS grants_to_others
  FROM pg_class c LEFT JOIN LATERAL aclexplode(c.relacl) a ON true
 WHERE c.relname IN ('personality_table_stats', 'personality_connection_usage')
 GROUP BY c.relname ORDER BY 1;
ROLLBACK;
