-- True when the user ($1) has no queued swipes and no learning the profile row lacks
-- (then a sync has nothing to do, and takes no lock).
SELECT NOT EXISTS (SELECT 1 FROM @extschema@.personality_learning_queue q
                    WHERE q.user_id OPERATOR(pg_catalog.=) $1)
   AND NOT EXISTS (SELECT 1 FROM @extschema@.personality_learning_state s
                    WHERE s.user_id OPERATOR(pg_catalog.=) $1
                      AND (pg_catalog.cardinality(s.state) OPERATOR(pg_catalog.=) 0
                           OR s.state[@extschema@._personality_state_slot('evidence')]
                              IS DISTINCT FROM s.state[@extschema@._personality_state_slot('synced_evidence')]))
