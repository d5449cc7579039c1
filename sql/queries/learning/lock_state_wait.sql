-- Locks the user's ($1) learning state row, waiting for another transaction's lock;
-- returns its length (0: a placeholder), no row when missing.
SELECT pg_catalog.cardinality(state) FROM @extschema@.personality_learning_state
 WHERE user_id OPERATOR(pg_catalog.=) $1 FOR NO KEY UPDATE
