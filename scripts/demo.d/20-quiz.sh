# Demo step: a sample user takes the quiz (every answer the most adventurous option).
section "The quiz: user 1 answers all 24 questions (the adventurous option each time)"
"${PSQL[@]}" -c "SELECT question_id, prompt FROM personality_quiz_questions ORDER BY sort_order LIMIT 3"
"${PSQL[@]}" -c "WITH answers AS (
    SELECT jsonb_object_agg(question_id,
             (SELECT o->>'value' FROM jsonb_array_elements(options) o
               ORDER BY (o->'traits'->>'adventurous')::numeric DESC NULLS LAST LIMIT 1)) AS a
      FROM personality_quiz_questions WHERE is_active)
SELECT p.primary_type, p.secondary_types, p.personality_scores, p.confidence_level, p.clustering_segment
  FROM answers, personality_assess('00000000-0000-4000-d000-000000000001', answers.a, 240) p"
