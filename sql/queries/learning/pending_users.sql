-- Everyone with something pending: learning the profile row does not show yet, or
-- queued swipes.
SELECT user_id FROM @extschema@.personality_learning_state
 WHERE state[@extschema@._personality_state_slot('evidence')]
       IS DISTINCT FROM state[@extschema@._personality_state_slot('synced_evidence')]
UNION
SELECT user_id FROM @extschema@.personality_learning_queue
ORDER BY 1
