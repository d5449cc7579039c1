-- One run of the quiz and swipe policies (bench/quality.sh), from scratch:
--   quiz:   every member answers the quiz (bench_members.answers) -> personality_assess,
--           then personality_recommend(member, :top)
--   learn:  the member swipes the first :learn products of
--           personality_recommend(member, :learn + :top) (right when liked, else left;
--           INSERT INTO swipes, the native trigger learns); the next :top of that list are
--           kept as 'quiz_next' (what the quiz alone would show after the swiped ones)
--   swipes: personality_recommend(member, :top) again (swiped products are excluded)
-- Usage: psql -v label=... -v lr=0.05 -v wm=0.6 -v wc=0.25 -v wb=0.15 -v oracle=0 \
--             -v learn=20 -v top=10 -f bench/quality_run.sql
-- oracle=1 replaces the quiz's scores by the true vector (truth / max(truth) * 100): the
-- ranking's ceiling with perfect trait knowledge.
SET personality.learning_rate = :lr;
SET personality.weight_match = :wm;
SET personality.weight_category = :wc;
SET personality.weight_behavior = :wb;

DELETE FROM swipes;
DELETE FROM personality_recommendations;
DELETE FROM personality_assessment_history;
DELETE FROM personality_profiles;

SELECT count(*) AS assessed FROM bench_members m, LATERAL personality_assess(m.id, m.answers, 240) p;

UPDATE personality_profiles p
   SET personality_scores = jsonb_build_object(
           'adventurous', round((100 * m.truth[1] / x.top)::numeric, 1),
           'intellectual', round((100 * m.truth[2] / x.top)::numeric, 1),
           'practical', round((100 * m.truth[3] / x.top)::numeric, 1),
           'creative', round((100 * m.truth[4] / x.top)::numeric, 1),
           'social', round((100 * m.truth[5] / x.top)::numeric, 1))
  FROM bench_members m
 CROSS JOIN LATERAL (SELECT max(t) AS top FROM unnest(m.truth) t) x
 WHERE :oracle = 1 AND p.user_id = m.id;

CREATE TEMP VIEW quality_cosine AS
SELECT m.n,
       (SELECT sum(m.truth[i] * coalesce((p.personality_scores->>t)::float8, 0))
               / nullif(sqrt(sum(m.truth[i] ^ 2)) * sqrt(sum(coalesce((p.personality_scores->>t)::float8, 0) ^ 2)), 0)
          FROM unnest(ARRAY['adventurous','intellectual','practical','creative','social']) WITH ORDINALITY AS x(t, i)) AS cosine
  FROM bench_members m JOIN personality_profiles p ON p.user_id = m.id;

INSERT INTO quality_profiles SELECT :'label', 'quiz', n, cosine FROM quality_cosine;
INSERT INTO quality_results
SELECT :'label', 'quiz', m.n, r.ordinality, r.product_id, quality_liked(m.n, r.product_id)
  FROM bench_members m, LATERAL personality_recommend(m.id, :top) WITH ORDINALITY r;

-- ranks 1..:learn are swiped ('learn'); the next :top ('quiz_next') are what the quiz
-- alone would show after those: the counterfactual of 'swipes' without learning.
INSERT INTO quality_results
SELECT :'label', CASE WHEN r.ordinality <= :learn THEN 'learn' ELSE 'quiz_next' END,
       m.n, r.ordinality, r.product_id, quality_liked(m.n, r.product_id)
  FROM bench_members m, LATERAL personality_recommend(m.id, :learn + :top) WITH ORDINALITY r;
INSERT INTO swipes (user_id, product_id, direction)
SELECT m.id, q.product_id, CASE WHEN q.liked THEN 'right' ELSE 'left' END
  FROM quality_results q JOIN bench_members m ON m.n = q.n
 WHERE q.label = :'label' AND q.stage = 'learn'
 ORDER BY q.n, q.rank;

INSERT INTO quality_profiles SELECT :'label', 'swipes', n, cosine FROM quality_cosine;
INSERT INTO quality_results
SELECT :'label', 'swipes', m.n, r.ordinality, r.product_id, quality_liked(m.n, r.product_id)
  FROM bench_members m, LATERAL personality_recommend(m.id, :top) WITH ORDINALITY r;

-- newcomer (issue 23): every member has swiped; the operator's refresh learns the
-- model and the ranker's weights from those swipes; then every fifth member starts
-- over as a quiz-only newcomer (swipes, learning state and profile gone, the quiz
-- taken again) and gets personality_recommend(member, :top) with default settings.
SELECT personality_refresh_model(true) IS NOT NULL AS refreshed;
DELETE FROM swipes s USING bench_members m WHERE s.user_id = m.id AND m.n % 5 = 0;
DELETE FROM personality_profiles p USING bench_members m WHERE p.user_id = m.id AND m.n % 5 = 0;
SELECT count(*) AS newcomers FROM bench_members m, LATERAL personality_assess(m.id, m.answers, 240) p
 WHERE m.n % 5 = 0;
INSERT INTO quality_results
SELECT :'label', 'newcomer', m.n, r.ordinality, r.product_id, quality_liked(m.n, r.product_id)
  FROM bench_members m, LATERAL personality_recommend(m.id, :top) WITH ORDINALITY r
 WHERE m.n % 5 = 0;
