-- Takes a user's ($1) queued swipes out of the queue, oldest first.
WITH d AS (DELETE FROM @extschema@.personality_learning_queue
            WHERE user_id OPERATOR(pg_catalog.=) $1
            RETURNING product_id, direction, queued_at)
SELECT product_id, direction FROM d ORDER BY queued_at
