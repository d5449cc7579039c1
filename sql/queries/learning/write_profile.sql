-- Writes a learning state's profile into the user's ($1) personality_profiles row:
-- the five scores $2..$6, behavioral_consistency $7, behavior_evidence $8,
-- behavior_informative $9 and behavior_confidence $10 into personality_scores,
-- confidence $11, primary type $12, secondary types $13. The method rule is
-- personality_core::learning::method_after_swipe's.
UPDATE @extschema@.personality_profiles SET personality_scores =
  CASE WHEN pg_catalog.jsonb_typeof(personality_scores) OPERATOR(pg_catalog.=) 'object'
       THEN personality_scores ELSE '{}'::pg_catalog.jsonb END
  OPERATOR(pg_catalog.||)
  pg_catalog.jsonb_build_object('adventurous', $2::pg_catalog.float8,
    'intellectual', $3::pg_catalog.float8, 'practical', $4::pg_catalog.float8,
    'creative', $5::pg_catalog.float8, 'social', $6::pg_catalog.float8,
    'behavioral_consistency', $7::pg_catalog.float8, 'behavior_evidence', $8::pg_catalog.int8,
    'behavior_informative', $9::pg_catalog.int8, 'behavior_confidence', $10::pg_catalog.float8),
  confidence_level = pg_catalog.round($11::pg_catalog.numeric, 2), primary_type = $12,
  secondary_types = $13,
  assessment_method = CASE WHEN assessment_method IS NULL
    OR pg_catalog.lower(pg_catalog.btrim(assessment_method::pg_catalog.text))
       OPERATOR(pg_catalog.=) ANY ('{"",behavior,behaviour}'::pg_catalog.text[])
    THEN 'behavior' ELSE 'hybrid' END,
  updated_at = pg_catalog.now() WHERE user_id OPERATOR(pg_catalog.=) $1
