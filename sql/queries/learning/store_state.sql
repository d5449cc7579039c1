-- Replaces the user's ($1) learning state with $2.
UPDATE @extschema@.personality_learning_state SET state = $2
 WHERE user_id OPERATOR(pg_catalog.=) $1
