-- Of the users $1, those without a learning state row, in user-id order.
SELECT u FROM pg_catalog.unnest($1::pg_catalog.uuid[]) u
 WHERE NOT EXISTS (SELECT 1 FROM @extschema@.personality_learning_state s
                    WHERE s.user_id OPERATOR(pg_catalog.=) u)
 ORDER BY u
