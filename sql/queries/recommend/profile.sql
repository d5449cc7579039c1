-- The user's ($1) profile: its id, personality_scores as text (a value nested too
-- deeply reads as no scores; pgrx's JsonB would panic) and confidence_level.
SELECT p.id, p.personality_scores::pg_catalog.text, p.confidence_level::pg_catalog.float8
  FROM @extschema@.personality_profiles p WHERE p.user_id OPERATOR(pg_catalog.=) $1
