-- The profile fields a user's ($1) learning state starts from
-- (personality_core::learning_state::from_profile_fields): the five traits and the
-- behaviour keys of personality_scores (read field by field: a jsonb through pgrx would
-- be printed and re-parsed), then confidence_level. Numbers are read as numeric and
-- clamped to +-1e300 before the cast to float8: a stored 1e400 would otherwise fail
-- every swipe of that user with 22003.
SELECT
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'adventurous')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'adventurous'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'intellectual')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'intellectual'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'practical')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'practical'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'creative')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'creative'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'social')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'social'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'behavior_evidence')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'behavior_evidence'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'behavior_informative')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'behavior_informative'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'behavioral_consistency')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'behavioral_consistency'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       CASE WHEN pg_catalog.jsonb_typeof(personality_scores OPERATOR(pg_catalog.->) 'behavior_confidence')
                 OPERATOR(pg_catalog.=) 'number'
            THEN pg_catalog.float8(greatest(least(
                 pg_catalog."numeric"(personality_scores OPERATOR(pg_catalog.->) 'behavior_confidence'),
                 1e300::pg_catalog.numeric), -1e300::pg_catalog.numeric)) END,
       pg_catalog.float8(confidence_level)
  FROM @extschema@.personality_profiles WHERE user_id OPERATOR(pg_catalog.=) $1
