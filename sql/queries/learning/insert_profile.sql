-- A profile for a user ($1) who has none (method 'behavior'): scores and behaviour
-- keys $2..$10 (as in write_profile.sql), primary type $11, confidence $12.
INSERT INTO @extschema@.personality_profiles (user_id, primary_type, personality_scores,
  confidence_level, assessment_method, total_questions_answered, last_assessment_at)
VALUES ($1, $11,
  pg_catalog.jsonb_build_object('adventurous', $2::pg_catalog.float8,
    'intellectual', $3::pg_catalog.float8, 'practical', $4::pg_catalog.float8,
    'creative', $5::pg_catalog.float8, 'social', $6::pg_catalog.float8,
    'behavioral_consistency', $7::pg_catalog.float8, 'behavior_evidence', $8::pg_catalog.int8,
    'behavior_informative', $9::pg_catalog.int8, 'behavior_confidence', $10::pg_catalog.float8),
  pg_catalog.round($12::pg_catalog.numeric, 2), 'behavior', 0, NULL)
ON CONFLICT (user_id) DO NOTHING
