-- The popular products (the best item-level score, for everyone's candidates: liked
-- by at least $3 people, active), as of the mark $1 (half-life $2 s, like-rate prior
-- $4 pseudo-swipes), and what the refresh did: $5 ms, $6 swipes read, $7 neighbour
-- rows written, $8 rows skipped, $9 tables unread. The people's opinions are as of the
-- mark too (people_until).
UPDATE @extschema@.personality_model_state m SET
       popular_ids = ARRAY(
           SELECT s.product_id
             FROM @extschema@.personality_item_stats s
             JOIN @extschema@.personality_product_vectors v
               ON v.product_id OPERATOR(pg_catalog.=) s.product_id AND v.is_active
            WHERE s.likes OPERATOR(pg_catalog.>=) $3 AND s.likes OPERATOR(pg_catalog.>) 0::pg_catalog.float8
              AND m.log_max_decayed OPERATOR(pg_catalog.>) 0::pg_catalog.float8
            ORDER BY LEAST(1::pg_catalog.float8,
                         pg_catalog.ln(1::pg_catalog.float8 OPERATOR(pg_catalog.+)
                                       s.decayed_likes OPERATOR(pg_catalog.*) @extschema@._personality_decay(s.at, $1, $2))
                         OPERATOR(pg_catalog./) m.log_max_decayed
                         OPERATOR(pg_catalog.*) ((s.likes OPERATOR(pg_catalog.+) $4 OPERATOR(pg_catalog.*) m.like_rate)
                                                 OPERATOR(pg_catalog./) (s.likes OPERATOR(pg_catalog.+) s.dislikes OPERATOR(pg_catalog.+) $4))
                         OPERATOR(pg_catalog./) GREATEST(m.like_rate, 1e-6::pg_catalog.float8)) DESC,
                     s.likes DESC, s.product_id
            LIMIT 300),
       refreshed_at = pg_catalog.now(),
       swipes_until = $1,
       people_until = $1,
       refresh_ms = $5,
       swipes_read = $6,
       rows_refreshed = $7,
       rows_skipped = $8,
       tables_unread = $9
 WHERE m.id
