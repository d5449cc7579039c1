-- Whether the user has a learning state row ($1), and its length (0: a placeholder).
SELECT pg_catalog.cardinality(state) FROM @extschema@.personality_learning_state
 WHERE user_id OPERATOR(pg_catalog.=) $1
