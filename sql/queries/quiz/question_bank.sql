-- The question bank as the caller can see it (RLS: readable by everyone), in the
-- quiz's order.
SELECT question_id, options::pg_catalog.text, is_active
  FROM @extschema@.personality_quiz_questions
 ORDER BY sort_order NULLS LAST, question_id
