-- The catalog numbers as of the high-water mark $1 (half-life $2 seconds): the like
-- rate of all people's opinions, and ln(1 + the largest decayed like mass) of the
-- products liked by at least $3 people (personality.min_people: an aggregate about
-- others, shown to everyone).
UPDATE @extschema@.personality_model_state m SET
       like_rate = COALESCE(c.rate, 0.5::pg_catalog.float8),
       log_max_decayed = COALESCE(c.lmd, 0::pg_catalog.float8),
       stats_at = $1
  FROM (SELECT CASE WHEN pg_catalog.sum(s.likes OPERATOR(pg_catalog.+) s.dislikes) OPERATOR(pg_catalog.>) 0::pg_catalog.float8
                    THEN pg_catalog.sum(s.likes)
                         OPERATOR(pg_catalog./) pg_catalog.sum(s.likes OPERATOR(pg_catalog.+) s.dislikes) END AS rate,
               pg_catalog.ln(1::pg_catalog.float8 OPERATOR(pg_catalog.+) pg_catalog.max(
                   s.decayed_likes OPERATOR(pg_catalog.*) @extschema@._personality_decay(s.at, $1, $2))
                   FILTER (WHERE s.likes OPERATOR(pg_catalog.>=) $3)) AS lmd
          FROM @extschema@.personality_item_stats s) c
 WHERE m.id
