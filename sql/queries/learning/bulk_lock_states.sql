-- Locks and reads the learning states of the users $1 that no other transaction holds,
-- in user-id order (the global lock order).
SELECT user_id, state FROM @extschema@.personality_learning_state
 WHERE user_id OPERATOR(pg_catalog.=) ANY ($1)
   AND pg_catalog.cardinality(state) OPERATOR(pg_catalog.>) 0
 ORDER BY user_id FOR NO KEY UPDATE SKIP LOCKED
