-- Products shown to the user ($1) within the last $2 days and not swiped (rotation).
SELECT r.product_id FROM @extschema@.personality_recommendations r
 WHERE r.user_id OPERATOR(pg_catalog.=) $1 AND r.is_shown AND NOT coalesce(r.is_swiped, false)
   AND r.shown_at OPERATOR(pg_catalog.>)
       (pg_catalog.now() OPERATOR(pg_catalog.-) pg_catalog.make_interval(days => $2))
