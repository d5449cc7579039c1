-- Of the users $1, those with queued swipes.
SELECT DISTINCT q.user_id FROM @extschema@.personality_learning_queue q
 WHERE q.user_id OPERATOR(pg_catalog.=) ANY ($1) ORDER BY 1
