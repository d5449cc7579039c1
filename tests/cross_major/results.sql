-- Canonical results of one major on fixed data (scripts/test.sh layer `results`): the
-- quiz, assessments, learning from swipes, match scores and recommendations. Each major
-- writes target/cross-major/pgNN.txt; the layer `cross-major` requires the files to be
-- identical. Only what the extension computes is printed: no timestamps, no random ids.
-- Usage: psql -X -v ON_ERROR_STOP=1 -d <empty database> -f tests/cross_major/results.sql
\set QUIET on
\pset format unaligned
\pset fieldsep ' | '
\pset footer off
\pset tuples_only off
\set products 400
\set users 12
\ir ../fixtures/host_schema.sql
\ir ../fixtures/sample_data.sql
CREATE EXTENSION personality_ext;

-- Answer set k: question i answered with option (i + k) mod n.
CREATE FUNCTION pg_temp.answers(k int) RETURNS jsonb LANGUAGE sql STABLE AS $$
SELECT jsonb_object_agg(question_id,
                        options->(((sort_order + k) % jsonb_array_length(options)))->>'value')
  FROM personality_quiz_questions WHERE is_active
$$;
CREATE FUNCTION pg_temp.u(n int) RETURNS uuid LANGUAGE sql IMMUTABLE AS $$
SELECT ('00000000-0000-4000-d000-' || lpad(n::text, 12, '0'))::uuid
$$;
CREATE FUNCTION pg_temp.clean(j jsonb) RETURNS jsonb LANGUAGE sql IMMUTABLE AS $$
SELECT j - 'id' - 'created_at' - 'updated_at' - 'last_assessment_at' - 'learned_at'
         - 'generated_at' - 'shown_at' - 'interacted_at' - 'personality_profile_id'
         - 'assessment_timestamp'
$$;

\echo == quiz: personality_score_quiz of five answer sets
SELECT k, personality_score_quiz(pg_temp.answers(k), 60 * k) FROM generate_series(0, 4) k ORDER BY k;

\echo == assessments: users 1..8 take the quiz
SELECT n, pg_temp.clean(to_jsonb(a))
  FROM generate_series(1, 8) n,
       LATERAL personality_assess(pg_temp.u(n), pg_temp.answers(n), 100 + n) a
 ORDER BY n;

\echo == learning: swipes of users 3..12 (4..12 have no quiz profile)
INSERT INTO swipes (user_id, product_id, direction)
SELECT pg_temp.u(n), ('00000000-0000-4000-c000-' || lpad(g::text, 12, '0'))::uuid,
       CASE WHEN (g * n) % 3 = 0 THEN 'left' ELSE 'right' END
  FROM generate_series(3, 12) n, generate_series(1, 400) g
 WHERE (g + n) % 9 = 0
 ORDER BY n, g;
SELECT pg_temp.clean(to_jsonb(l)) FROM personality_learning l ORDER BY user_id;
SELECT user_id, state FROM personality_learning_state ORDER BY user_id;
SELECT personality_sync_profile(NULL) AS profiles_written;
SELECT user_id, pg_temp.clean(to_jsonb(p)) FROM personality_profiles p ORDER BY user_id;
SELECT user_id, assessment_trigger, pg_temp.clean(to_jsonb(h) - 'user_id' - 'assessment_trigger')
  FROM personality_assessment_history h
 ORDER BY user_id, assessment_trigger, pg_temp.clean(to_jsonb(h))::text;

\echo == match: every profile against the first 150 products
SELECT p.user_id, f.product_id,
       calculate_personality_product_match(p.personality_scores,
                                           personality_product_traits(f.category, f.tags), NULL)
  FROM personality_profiles p, personality_product_features f
 WHERE f.product_id <= '00000000-0000-4000-c000-000000000150'
 ORDER BY 1, 2;
SELECT category, tags, personality_product_traits(category, tags)
  FROM (SELECT DISTINCT category, tags FROM personality_product_features) f ORDER BY 1, 2::text;

\echo == recommendations
SELECT n, r.ordinality, r.product_id, r.personality_match_score, r.category_alignment_score,
       r.behavioral_prediction, r.combined_score, r.recommendation_reasons, r.personality_factors
  FROM generate_series(1, 12) n,
       LATERAL personality_recommend(pg_temp.u(n), 8, 'discover', NULL, NULL) WITH ORDINALITY r
 ORDER BY n, r.ordinality;
SELECT n, r.ordinality, r.product_id, r.combined_score, r.recommendation_reasons
  FROM generate_series(1, 12, 3) n,
       LATERAL personality_recommend(pg_temp.u(n), 5, 'gift_finder', 'birthday', 50) WITH ORDINALITY r
 ORDER BY n, r.ordinality;
SELECT user_id, product_id, pg_temp.clean(to_jsonb(r) - 'user_id' - 'product_id')
  FROM personality_recommendations r ORDER BY user_id, product_id;
