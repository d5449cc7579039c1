-- The user's ($1) learning state.
SELECT state FROM @extschema@.personality_learning_state
 WHERE user_id OPERATOR(pg_catalog.=) $1
