-- The quiz: personality_score_quiz(responses, completion time) and
-- personality_assess(user, responses, completion time, trigger). Every error is 22023
-- and writes nothing; a quiz answered for one trait gives that primary type with a
-- high confidence; mixed answers lower the confidence; straight-lining and rushing
-- lower the quality; re-assessing keeps one profile per user, appends history and
-- measures consistency with the previous scores. Only deterministic columns are shown.
\set SHOW_CONTEXT never
\set ON_ERROR_ROLLBACK on
BEGIN;
\set ECHO none
\ir ../fixtures/host_schema.sql
\set products 200
\set users 10
\ir ../fixtures/sample_data.sql
\set ECHO all
CREATE EXTENSION personality_ext;

-- What the error cases must not have written.
CREATE TEMP VIEW written AS
SELECT (SELECT count(*) FROM personality_profiles) AS profiles,
       (SELECT count(*) FROM personality_assessment_history) AS history_rows;
-- For each trait, the answers choosing, in every active question, the option that
-- weighs that trait most (first such option).
CREATE TEMP TABLE answers_for AS
SELECT t AS trait,
       jsonb_object_agg(q.question_id,
           (SELECT o->>'value' FROM jsonb_array_elements(q.options) WITH ORDINALITY e(o, i)
             ORDER BY coalesce((o->'traits'->>t)::numeric, 0) DESC, i LIMIT 1)) AS answers
  FROM personality_quiz_questions q,
       unnest(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social']) t
 WHERE q.is_active
 GROUP BY t;
SELECT trait, (SELECT count(*) FROM jsonb_object_keys(answers)) AS questions FROM answers_for ORDER BY trait;

-- 1. Errors of personality_score_quiz (22023).
-- Unknown question ids, option values not offered, non-string answers: all at once.
SELECT personality_score_quiz('{"q01": "new_trail", "q99": "anything", "q02": "zzz", "q03": 5}');
\echo :LAST_ERROR_SQLSTATE
SELECT personality_score_quiz('{"Q01": "new_trail"}');
\echo :LAST_ERROR_SQLSTATE
-- A value of another question is not offered here.
SELECT personality_score_quiz('{"q01": "rafting_voucher"}');
\echo :LAST_ERROR_SQLSTATE
-- Documents that are not an object.
SELECT personality_score_quiz('["q01", "new_trail"]');
\echo :LAST_ERROR_SQLSTATE
SELECT personality_score_quiz('"new_trail"');
\echo :LAST_ERROR_SQLSTATE
SELECT personality_score_quiz('null');
\echo :LAST_ERROR_SQLSTATE
SELECT personality_score_quiz(NULL);
\echo :LAST_ERROR_SQLSTATE
-- Zero answered questions.
SELECT personality_score_quiz('{}');
\echo :LAST_ERROR_SQLSTATE
-- Negative completion time.
SELECT personality_score_quiz('{"q01": "new_trail"}', -5);
\echo :LAST_ERROR_SQLSTATE
-- More than 20 problems: the first 20, then a count.
SELECT personality_score_quiz((SELECT jsonb_object_agg('x' || lpad(g::text, 2, '0'), 'a') FROM generate_series(1, 25) g));
\echo :LAST_ERROR_SQLSTATE
-- Long names are shortened to 64 characters.
SELECT personality_score_quiz(jsonb_build_object('q01', repeat('v', 100)));
\echo :LAST_ERROR_SQLSTATE

-- 2. Errors of personality_assess (22023 unless said), each writing nothing.
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '{"q01": "new_trail", "q99": "x"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '{"q01": "not_an_option"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '[{"q01": "new_trail"}]');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '{}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
-- Triggers outside initial, periodic, behavior_change, retake, manual (exact, lowercase).
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '{"q01": "new_trail"}', NULL, 'weekly');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '{"q01": "new_trail"}', NULL, 'Initial');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '{"q01": "new_trail"}', NULL, NULL);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000001', '{"q01": "new_trail"}', -1);
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
-- A NULL user id: 22004.
SELECT * FROM personality_assess(NULL, '{"q01": "new_trail"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
-- A user the host application does not know: the foreign key refuses it (23503).
SELECT * FROM personality_assess('00000000-0000-4000-d000-999999999999', '{"q01": "new_trail"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;

-- 3. Every answer for one trait: that trait is primary, confidence above 0.7.
SELECT a.trait, p.primary_type, p.confidence_level > 0.7 AS confident, p.confidence_level,
       p.secondary_types, p.personality_scores, p.assessment_method, p.total_questions_answered,
       p.clustering_segment, p.version
  FROM answers_for a
  JOIN (VALUES ('adventurous', 1), ('intellectual', 2), ('practical', 3), ('creative', 4), ('social', 5)) u(trait, n)
    ON u.trait = a.trait,
       LATERAL personality_assess(('00000000-0000-4000-d000-' || lpad(u.n::text, 12, '0'))::uuid,
                                  a.answers, 240) p
 ORDER BY u.n;
SELECT * FROM written;
-- The feature vector is the scores scaled to unit length.
SELECT user_id, feature_vector,
       round(sqrt((SELECT sum(v::numeric ^ 2) FROM jsonb_each_text(feature_vector) e(k, v))), 3) AS length
  FROM personality_profiles ORDER BY user_id;
-- personality_score_quiz gives the same, without writing.
SELECT trait, personality_score_quiz(answers, 240) FROM answers_for ORDER BY trait;
SELECT * FROM written;

-- 4. Mixed answers (half adventurous, half social) give a lower confidence.
SELECT r->>'primary_type' AS primary_type, r->'secondary_types' AS secondary_types,
       (r->>'confidence')::numeric AS confidence,
       (r->>'confidence')::numeric < 0.83 AS lower_than_clean
  FROM (SELECT personality_score_quiz(
                   (SELECT jsonb_object_agg(k, CASE WHEN k <= 'q12' THEN adv.answers->>k ELSE soc.answers->>k END)
                      FROM jsonb_object_keys(adv.answers) k), 240) AS r
          FROM answers_for adv, answers_for soc
         WHERE adv.trait = 'adventurous' AND soc.trait = 'social') x;
SELECT primary_type, confidence_level, confidence_level < 0.7 AS less_confident
  FROM personality_assess('00000000-0000-4000-d000-000000000006',
           (SELECT jsonb_object_agg(q.question_id,
                       (SELECT o->>'value' FROM jsonb_array_elements(q.options) e(o)
                         WHERE (o->'traits'->>(ARRAY['adventurous', 'intellectual', 'practical', 'creative', 'social'])
                                   [1 + q.sort_order % 5])::numeric = 1))
              FROM personality_quiz_questions q WHERE q.is_active), 240);

-- 5. Quality: a clean run is 1.00; straight-lining (the same option position in every
-- question) and 5 seconds for 20 questions are lower.
CREATE TEMP TABLE first20 AS
SELECT jsonb_object_agg(k, v) AS answers
  FROM answers_for, jsonb_each_text(answers) e(k, v)
 WHERE trait = 'practical' AND k <= 'q20';
SELECT primary_type, total_questions_answered
  FROM personality_assess('00000000-0000-4000-d000-000000000007', (SELECT answers FROM first20), 200);
SELECT primary_type, total_questions_answered
  FROM personality_assess('00000000-0000-4000-d000-000000000008',
           (SELECT jsonb_object_agg(question_id, options->0->>'value') FROM personality_quiz_questions WHERE is_active), 240);
SELECT primary_type, total_questions_answered
  FROM personality_assess('00000000-0000-4000-d000-000000000009', (SELECT answers FROM first20), 5);
SELECT u.run, h.questions_answered, h.completion_time_seconds, h.assessment_quality_score,
       h.assessment_quality_score < 1 AS below_clean_run
  FROM personality_assessment_history h
  JOIN (VALUES ('00000000-0000-4000-d000-000000000007'::uuid, 'clean: 20 questions in 200 s'),
               ('00000000-0000-4000-d000-000000000008', 'straight-lining: first option everywhere'),
               ('00000000-0000-4000-d000-000000000009', 'rushed: 20 questions in 5 s')) u(user_id, run)
    USING (user_id)
 ORDER BY h.assessment_quality_score DESC, u.run;
-- The same from personality_score_quiz, and no time given means no speed penalty.
SELECT (personality_score_quiz((SELECT answers FROM first20), 200)->>'quality')::numeric AS clean,
       (personality_score_quiz((SELECT answers FROM first20), 5)->>'quality')::numeric AS rushed,
       (personality_score_quiz((SELECT answers FROM first20), 0)->>'quality')::numeric AS zero_seconds,
       (personality_score_quiz((SELECT answers FROM first20))->>'quality')::numeric AS no_time,
       (personality_score_quiz((SELECT jsonb_object_agg(question_id, options->0->>'value')
                                  FROM personality_quiz_questions WHERE is_active))->>'quality')::numeric AS straight_lined;

-- 6. Re-assessment: one profile per user, history appended, consistency measured
-- against the previous scores. User 1 (all adventurous) retakes all social; user 2
-- (all intellectual) retakes with the same answers.
SELECT user_id, primary_type, confidence_level > 0.7 AS confident, personality_scores
  FROM personality_assess('00000000-0000-4000-d000-000000000001',
           (SELECT answers FROM answers_for WHERE trait = 'social'), 240, 'retake');
SELECT user_id, primary_type, personality_scores
  FROM personality_assess('00000000-0000-4000-d000-000000000002',
           (SELECT answers FROM answers_for WHERE trait = 'intellectual'), 300, 'periodic');
SELECT user_id, count(*) AS profiles FROM personality_profiles
 WHERE user_id IN ('00000000-0000-4000-d000-000000000001', '00000000-0000-4000-d000-000000000002')
 GROUP BY user_id ORDER BY user_id;
SELECT user_id, assessment_trigger, primary_type, questions_answered, completion_time_seconds,
       assessment_quality_score, behavioral_consistency, user_swipes_count, user_purchases_count,
       assessment_data->'result'->>'primary_type' AS result_primary,
       assessment_data->>'assessment_method' AS method,
       assessment_data->'responses' = (SELECT answers FROM answers_for
                                        WHERE trait = h.assessment_data->'result'->>'primary_type') AS responses_kept
  FROM personality_assessment_history h
 WHERE user_id IN ('00000000-0000-4000-d000-000000000001', '00000000-0000-4000-d000-000000000002')
 ORDER BY user_id, array_position(ARRAY['initial', 'retake', 'periodic'], assessment_trigger::text);
-- Changing from all adventurous to all social is far less consistent than the same
-- answers twice (1 - mean |previous - new| / 100 = 1 - (95.8 + 95.8) / 5 / 100).
SELECT (SELECT behavioral_consistency FROM personality_assessment_history
         WHERE user_id = '00000000-0000-4000-d000-000000000001' AND assessment_trigger = 'retake') AS adventurous_then_social,
       (SELECT behavioral_consistency FROM personality_assessment_history
         WHERE user_id = '00000000-0000-4000-d000-000000000002' AND assessment_trigger = 'periodic') AS same_answers_twice;
-- The profile row follows the latest assessment.
SELECT user_id, primary_type, quiz_responses = (SELECT answers FROM answers_for WHERE trait = 'social') AS latest_responses,
       assessment_method, total_questions_answered
  FROM personality_profiles WHERE user_id = '00000000-0000-4000-d000-000000000001';
SELECT * FROM written;

-- 7. An inactive question cannot be answered (22023), and is not offered.
UPDATE personality_quiz_questions SET is_active = false WHERE question_id = 'q24';
SELECT personality_score_quiz('{"q01": "new_trail", "q24": "discovery"}');
\echo :LAST_ERROR_SQLSTATE
SELECT (personality_score_quiz('{"q01": "new_trail", "q99": "x"}'));
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM personality_assess('00000000-0000-4000-d000-000000000010', '{"q24": "discovery"}');
\echo :LAST_ERROR_SQLSTATE
SELECT * FROM written;
ROLLBACK;
