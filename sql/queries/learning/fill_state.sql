-- Fills the user's ($1) placeholder learning state row with the state $2.
UPDATE @extschema@.personality_learning_state SET state = $2
 WHERE user_id OPERATOR(pg_catalog.=) $1
   AND pg_catalog.cardinality(state) OPERATOR(pg_catalog.=) 0
