-- The high-water mark: now, held back to the start of the oldest transaction that
-- holds ROW EXCLUSIVE on an attached swipe table (it may be writing swipes dated from
-- its start that it has not committed yet), for at most $1 seconds. A transaction that
-- wrote no swipe (an idle BEGIN; SELECT 1;) never holds it back; a longer writer's
-- swipes, committed below the mark, make the next refresh a full one (the count check).
-- Backends of roles whose pg_stat_activity the owner may not read count as not
-- writing: the count check catches their swipes too.
SELECT LEAST(pg_catalog.now(), pg_catalog.min(a.xact_start))
  FROM pg_catalog.pg_locks l
  JOIN pg_catalog.pg_stat_activity a ON a.pid OPERATOR(pg_catalog.=) l.pid
 WHERE l.locktype OPERATOR(pg_catalog.=) 'relation'
   AND l.mode OPERATOR(pg_catalog.=) 'RowExclusiveLock' AND l.granted
   AND l.database OPERATOR(pg_catalog.=) (SELECT d.oid FROM pg_catalog.pg_database d
                                           WHERE d.datname OPERATOR(pg_catalog.=) pg_catalog.current_database())
   AND l.relation OPERATOR(pg_catalog.=) ANY (ARRAY(SELECT t.swipe_table::pg_catalog.oid
                                                     FROM @extschema@.personality_swipe_tables t))
   AND l.pid OPERATOR(pg_catalog.<>) pg_catalog.pg_backend_pid()
   AND a.xact_start OPERATOR(pg_catalog.>)
       (pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(secs => $1))
