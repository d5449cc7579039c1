-- The weights in use by feature (personality_ranker: pinned, else learnt, else default).
SELECT r.feature, r.weight FROM @extschema@.personality_ranker r
