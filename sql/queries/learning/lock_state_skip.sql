-- Locks the user's ($1) learning state row unless another transaction holds it;
-- returns its length (0: a placeholder), no row when locked or missing.
SELECT pg_catalog.cardinality(state) FROM @extschema@.personality_learning_state
 WHERE user_id OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE SKIP LOCKED
