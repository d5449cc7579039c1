-- A 'behavior_change' history row: user $1, assessment data $2, scores $3, new primary
-- type $4, swipes $5, consistency $6.
INSERT INTO @extschema@.personality_assessment_history (user_id, assessment_data,
  personality_scores, primary_type, assessment_trigger, questions_answered,
  user_swipes_count, behavioral_consistency)
VALUES ($1, $2, $3, $4, 'behavior_change', 0, $5,
  pg_catalog.round($6::pg_catalog.numeric, 2))
