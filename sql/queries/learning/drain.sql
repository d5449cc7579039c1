-- Takes a user's ($1) queued swipes out of the queue, oldest first. Swipes queued
-- under a profile that is not the user's profile now (deleted since: right to
-- erasure) are taken out and not returned: they are never learnt.
WITH d AS (DELETE FROM @extschema@.personality_learning_queue
            WHERE user_id OPERATOR(pg_catalog.=) $1
            RETURNING product_id, direction, queued_at, personality_profile_id)
SELECT d.product_id, d.direction FROM d
 WHERE d.personality_profile_id IS NULL
    OR d.personality_profile_id OPERATOR(pg_catalog.=) (
         SELECT pp.id FROM @extschema@.personality_profiles pp
          WHERE pp.user_id OPERATOR(pg_catalog.=) $1)
 ORDER BY d.queued_at
