-- The likes that count for the neighbours (the refresh's pg_temp.personality_model_likes:
-- each person's current likes, their 500 most recent), grouped by person.
SELECT l.user_id, l.product_id
  FROM pg_temp.personality_model_likes l
 ORDER BY l.user_id, l.product_id
