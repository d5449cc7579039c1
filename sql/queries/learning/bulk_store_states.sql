-- Stores the learning states of the users $1: $2 holds their states one after the
-- other, each $3 (personality_core::learning_state::LEN) long.
UPDATE @extschema@.personality_learning_state s
   SET state = $2[(x.i::pg_catalog.int4 OPERATOR(pg_catalog.-) 1) OPERATOR(pg_catalog.*) $3
                  OPERATOR(pg_catalog.+) 1 : x.i::pg_catalog.int4 OPERATOR(pg_catalog.*) $3],
       learned_at = pg_catalog.now()
  FROM pg_catalog.unnest($1::pg_catalog.uuid[]) WITH ORDINALITY AS x(u, i)
 WHERE s.user_id OPERATOR(pg_catalog.=) x.u
