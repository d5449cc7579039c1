-- Puts the swipe benchmark back to its starting state before every measured run:
-- no swipes, no learned history, and one personality profile per user (all variants
-- start from the same profiles; the seed's trigger only updates existing profiles).
-- Usage: psql -f reset_swipes.sql (then VACUUM ANALYZE, run separately).
TRUNCATE swipes, personality_recommendations, personality_assessment_history, personality_learning_state,
         personality_profiles;

-- Five traits per user, deterministic: the primary trait (80) rotates with the user
-- number, the others are 30..69 from a hash, so primary_type matches the scores.
INSERT INTO personality_profiles (user_id, primary_type, secondary_types, personality_scores,
                                  confidence_level, assessment_method, total_questions_answered)
SELECT p.id, t.names[1 + n % 5], '{}',
       jsonb_object_agg(t.names[k], CASE WHEN k = 1 + n % 5 THEN 80
                                          ELSE 30 + (hashint8(n * 5 + k)::bigint + 2147483648) % 40 END),
       0.5, 'quiz', 24
  FROM profiles p
 CROSS JOIN LATERAL (SELECT right(p.id::text, 12)::bigint AS n) u
 CROSS JOIN (SELECT ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social'] AS names) t
 CROSS JOIN generate_series(1, 5) k
 GROUP BY p.id, t.names, n;
